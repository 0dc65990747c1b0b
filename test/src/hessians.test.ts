// The Hessians the issue names, computed by both engines (forward-over-forward and
// reverse-over-reverse), compared with each other and with central differences of the
// reverse gradient: three independent routes to the same matrix.
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { describe, expect, test } from 'vitest'

type Engine = typeof F | typeof R
type Fn = (m: Engine) => (x: any) => any

const problems: Record<string, { f: Fn; x: number[] }> = {
  'sum(x^3)': { f: (m) => (x) => m.sum(m.pow(x, 3)), x: [0.3, -1.2, 2] },
  'sin(x)·y²': { f: (m) => (v) => m.mul(m.sin(m.index(v, { index: 0 })), m.square(m.index(v, { index: 1 }))), x: [0.7, -1.5] },
  logsumexp: { f: (m) => (x) => m.logsumexp(x, { dims: [0] }), x: [0.1, -0.4, 1.3, 0.2] },
  'MLP loss': {
    // A 3→4→2 tanh network's squared error on one fixed example, as a function of all 26 weights.
    f: (m) => (w) => {
      const W1 = m.reshape(m.slice(w, { dim: 0, start: 0, end: 12 }), { shape: [4, 3] })
      const b1 = m.slice(w, { dim: 0, start: 12, end: 16 })
      const W2 = m.reshape(m.slice(w, { dim: 0, start: 16, end: 24 }), { shape: [2, 4] })
      const b2 = m.slice(w, { dim: 0, start: 24, end: 26 })
      const hidden = m.tanh(m.linear([[0.5, -1, 2]], W1, b1))
      return m.mseLoss(m.linear(hidden, W2, b2), [[0.3, -0.7]])
    },
    x: Array.from({ length: 26 }, (_, i) => Math.sin(1.7 * i + 0.3) * 0.8),
  },
}

/** Central differences of the reverse gradient, one column per input. */
function fdHessian(f: Fn, x: number[]): number[][] {
  const gradAt = (p: number[]) => (R.grad(f(R))(R.tensor(p)) as R.Tensor).tolist() as number[]
  // h ≈ ε^(1/3) balances truncation (h²·f''') against rounding (ε/h) for central differences.
  const h = 6e-6
  const columns = x.map((_, j) => {
    const up = gradAt(x.map((v, i) => (i === j ? v + h : v)))
    const down = gradAt(x.map((v, i) => (i === j ? v - h : v)))
    return up.map((u, i) => (u - down[i]) / (2 * h))
  })
  return x.map((_, i) => columns.map((col) => col[i]))
}

function maxDiff(a: number[][], b: number[][]): number {
  let worst = 0
  a.forEach((row, i) => row.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i][j])))))
  return worst
}

describe('Hessians agree between engines and with differences of the gradient', () => {
  for (const [name, { f, x }] of Object.entries(problems)) {
    test(name, () => {
      const forward = (F.hessian(f(F))(F.tensor(x)) as F.Tensor).tolist() as number[][]
      const reverse = (R.hessian(f(R))(R.tensor(x)) as R.Tensor).tolist() as number[][]
      expect(forward.length).toBe(x.length)
      // Both engines apply the same rules in a different order: agreement to rounding.
      expect(maxDiff(forward, reverse)).toBeLessThan(1e-12)
      // Central differences with h ≈ 6e-6 on O(1) entries are good to about 1e-8.
      expect(maxDiff(forward, fdHessian(f, x))).toBeLessThan(1e-7)
      // A Hessian is symmetric: a check that does not rely on either engine's rules.
      expect(maxDiff(forward, forward[0].map((_, j) => forward.map((row) => row[j])))).toBeLessThan(1e-12)
    })
  }
})
