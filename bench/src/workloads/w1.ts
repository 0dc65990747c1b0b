// W1: the Rosenbrock over 1000 scalars, one graph node per scalar op (7991 ops).
// f = Σ_{i<n−1} 100(x[i+1] − x[i]²)² + (1 − x[i])²

import * as C from '@ad/compile'
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { firstCall } from '../compiled.js'
import { W1_N, w1x } from '../data.js'
import type { Workload } from '../types.js'

/** By hand: f and its gradient in one loop; the answer is [f, ...∇f]. */
export function w1Baseline(x: Float64Array): Float64Array {
  const n = x.length
  const out = new Float64Array(n + 1)
  let f = 0
  for (let i = 0; i < n - 1; i++) {
    const xi = x[i]
    const d = x[i + 1] - xi * xi
    const e = 1 - xi
    f += 100 * d * d + e * e
    out[1 + i] += -400 * d * xi - 2 * e
    out[2 + i] += 200 * d
  }
  out[0] = f
  return out
}

/**
 * A minimal typed-array tape (BENCH.md's "0.145 ms" reference): each op appends its kind,
 * operands and local partials to typed arrays; backward walks them in reverse.
 */
class MiniTape {
  val = new Float64Array(16384)
  a = new Int32Array(16384)
  b = new Int32Array(16384)
  da = new Float64Array(16384)
  db = new Float64Array(16384)
  adj = new Float64Array(16384)
  n = 0
  reset(): void {
    this.n = 0
  }
  leaf(v: number): number {
    const i = this.n++
    this.val[i] = v
    this.a[i] = -1
    this.b[i] = -1
    return i
  }
  private push(v: number, a: number, da: number, b: number, db: number): number {
    const i = this.n++
    this.val[i] = v
    this.a[i] = a
    this.da[i] = da
    this.b[i] = b
    this.db[i] = db
    return i
  }
  add(x: number, y: number): number {
    return this.push(this.val[x] + this.val[y], x, 1, y, 1)
  }
  sub(x: number, y: number): number {
    return this.push(this.val[x] - this.val[y], x, 1, y, -1)
  }
  rsub(c: number, x: number): number {
    return this.push(c - this.val[x], x, -1, -1, 0)
  }
  square(x: number): number {
    const v = this.val[x]
    return this.push(v * v, x, 2 * v, -1, 0)
  }
  scale(x: number, c: number): number {
    return this.push(this.val[x] * c, x, c, -1, 0)
  }
  backward(root: number): void {
    const adj = this.adj
    adj.fill(0, 0, this.n)
    adj[root] = 1
    for (let i = root; i >= 0; i--) {
      const g = adj[i]
      if (g === 0) continue
      const a = this.a[i]
      if (a >= 0) adj[a] += g * this.da[i]
      const b = this.b[i]
      if (b >= 0) adj[b] += g * this.db[i]
    }
  }
}

function w1Tape(tape: MiniTape, x: Float64Array): Float64Array {
  const n = x.length
  tape.reset()
  for (let i = 0; i < n; i++) tape.leaf(x[i])
  let f = -1
  for (let i = 0; i < n - 1; i++) {
    const t = tape.add(tape.scale(tape.square(tape.sub(i + 1, tape.square(i))), 100), tape.square(tape.rsub(1, i)))
    f = f < 0 ? t : tape.add(f, t)
  }
  tape.backward(f)
  const out = new Float64Array(n + 1)
  out[0] = tape.val[f]
  out.set(tape.adj.subarray(0, n), 1)
  return out
}

/** The function as a PyTorch user writes it, on 0-dim reverse tensors (methods; `sub(1, x)` is one op). */
function rosenbrockReverse(xs: R.Tensor[]): R.Tensor {
  let f: R.Tensor | null = null
  for (let i = 0; i < xs.length - 1; i++) {
    const xi = xs[i]
    const t = xs[i + 1].sub(xi.square()).square().mul(100).add((R.sub(1, xi) as R.Tensor).square())
    f = f === null ? t : f.add(t)
  }
  return f!
}

/** The same with free functions on numbers, so forward `grad` can carry duals through it. */
function rosenbrockForward(xs: unknown[]): unknown {
  let f: unknown = null
  for (let i = 0; i < xs.length - 1; i++) {
    const xi = xs[i] as F.Tensor
    const t = F.add(F.mul(F.square(F.sub(xs[i + 1] as F.Tensor, F.square(xi))), 100), F.square(F.sub(1, xi)))
    f = f === null ? t : F.add(f as F.Tensor, t)
  }
  return f
}

export const w1: Workload = {
  id: 'W1',
  title: 'scalar Rosenbrock, n = 1000, one graph node per scalar op',
  cases: () => {
    const x = w1x()
    const n = W1_N
    const tol = { rtol: 1e-12, atol: 1e-12 }

    // Leaves made once; each call builds the graph, runs backward and reads the gradients.
    const xs = Array.from(x, (v) => R.tensor(v, { requiresGrad: true }))
    const reverseGrad = (): Float64Array => {
      const f = rosenbrockReverse(xs)
      f.backward()
      const out = new Float64Array(n + 1)
      out[0] = f.item()
      for (let i = 0; i < n; i++) {
        out[1 + i] = xs[i].grad!.item()
        xs[i].grad = null
      }
      return out
    }

    const numbers = Array.from(x)
    const gradForward = F.grad(rosenbrockForward)
    const forwardGrad = (): number[] => gradForward(numbers) as number[]
    // f itself from a plain call (numbers in, a number out), then the gradient.
    const forwardAnswer = (): Float64Array => {
      const out = new Float64Array(n + 1)
      out[0] = rosenbrockForward(numbers) as number
      out.set(forwardGrad(), 1)
      return out
    }

    // Compiled: the same function on numbers, traced once into straight-line generated code.
    const compiledGradOf = C.compile(C.grad(rosenbrockForward))
    const compiledValueAndGrad = C.compile(C.valueAndGrad(rosenbrockForward))
    const compiledGrad = (): number[] => compiledGradOf(numbers) as number[]
    const compileMs = firstCall(compiledGrad)
    const compiledAnswer = (): Float64Array => {
      const [value, g] = compiledValueAndGrad(numbers) as [number, number[]]
      const out = new Float64Array(n + 1)
      out[0] = value
      out.set(g, 1)
      return out
    }

    const tape = new MiniTape()
    return [
      { workload: 'W1', variant: 'baseline', dtype: 'float64', impl: 'baseline', run: () => w1Baseline(x), answer: () => w1Baseline(x) },
      {
        workload: 'W1', variant: 'baseline-tape', dtype: 'float64', impl: 'baseline', baseline: 'baseline', tol,
        run: () => w1Tape(tape, x), answer: () => w1Tape(tape, x),
        note: 'a minimal typed-array tape (not an ad variant): what one tape node costs at least',
      },
      { workload: 'W1', variant: 'reverse-grad', dtype: 'float64', impl: 'ad', baseline: 'baseline', tol, run: reverseGrad, answer: reverseGrad },
      {
        workload: 'W1', variant: 'forward-grad', dtype: 'float64', impl: 'ad', baseline: 'baseline', tol, run: forwardGrad, answer: forwardAnswer,
        note: `forward grad on an array of ${n} numbers, chunk ${F.defaultChunkSize(n)}`,
      },
      {
        workload: 'W1', variant: 'compiled-grad', dtype: 'float64', impl: 'ad', baseline: 'baseline', tol, run: compiledGrad, answer: compiledAnswer, compileMs,
        note: `compile(grad(f)) on an array of ${n} numbers (the answer's f from compile(valueAndGrad(f)))`,
      },
    ]
  },
}
