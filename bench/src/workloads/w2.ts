// W2: the Rosenbrock on tensors, n = 1,000,000, x0 = x[:-1], x1 = x[1:] (slices).

import * as C from '@ad/compile'
import * as Core from '@ad/core'
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { firstCall } from '../compiled.js'
import { W2_F, W2_JVP, W2_N, w2v, w2x } from '../data.js'
import type { Workload } from '../types.js'

/** The free functions both engines export (the same signatures). */
type Ops = Pick<typeof R, 'slice' | 'sub' | 'square' | 'mul' | 'add' | 'sum'>

/** Written once against either engine's module. */
const rosenbrock =
  (m: Ops) =>
  (x: R.Tensor): R.Tensor => {
    const n = x.shape[0]
    const x0 = m.slice(x, { dim: 0, start: 0, end: n - 1 })
    const x1 = m.slice(x, { dim: 0, start: 1, end: n })
    return m.sum(m.add(m.mul(m.square(m.sub(x1, m.square(x0))), 100), m.square(m.sub(1, x0)))) as R.Tensor
  }

export function w2BaselinePrimal(x: Float64Array): number {
  const n = x.length
  let f = 0
  for (let i = 0; i < n - 1; i++) {
    const xi = x[i]
    const d = x[i + 1] - xi * xi
    const e = 1 - xi
    f += 100 * d * d + e * e
  }
  return f
}

/**
 * f and the gradient in one fused loop, written into `g` (reused from call to call: a fresh
 * 8 MB array per call costs 1 to 25 ms more on this VM, in page faults that vary from run
 * to run, which made every ratio against this baseline swing).
 */
export function w2BaselineGrad(x: Float64Array, g: Float64Array = new Float64Array(x.length)): { f: number; g: Float64Array } {
  const n = x.length
  let f = 0
  let prev = 0 // 200·d[i−1], what term i−1 adds to g[i]
  for (let i = 0; i < n - 1; i++) {
    const xi = x[i]
    const d = x[i + 1] - xi * xi
    const e = 1 - xi
    f += 100 * d * d + e * e
    g[i] = prev - 400 * d * xi - 2 * e
    prev = 200 * d
  }
  g[n - 1] = prev
  return { f, g }
}

function withValue(f: number, g: ArrayLike<number>): Float64Array {
  const out = new Float64Array(g.length + 1)
  out[0] = f
  out.set(g, 1)
  return out
}

export const w2: Workload = {
  id: 'W2',
  title: 'Rosenbrock on tensors, n = 1,000,000, float64',
  cases: () => {
    const x = w2x()
    const v = w2v()
    const tol = { rtol: 1e-9, atol: 1e-9 }
    const out = new Float64Array(W2_N)
    const fRef = [{ name: 'f(x)', index: 0, value: W2_F, rtol: 1e-12 }]

    const xt = R.tensor(x, { shape: [W2_N] })
    const vt = F.tensor(v, { shape: [W2_N] })
    const fr = rosenbrock(R)
    const ff = rosenbrock(F as unknown as Ops)
    const primal = (): number => fr(xt).item()
    const gradOf = R.grad(fr)
    const valueAndGradOf = R.valueAndGrad(fr)
    const grad = (): R.Tensor => gradOf(xt) as R.Tensor
    const jvp = (): [F.Tensor, F.Tensor] => F.jvp(ff, [xt], [vt]) as [F.Tensor, F.Tensor]

    const baselineGradAnswer = (): Float64Array => {
      const { f, g } = w2BaselineGrad(x)
      return withValue(f, g)
    }
    const baselineJvp = (): number[] => {
      const { f, g } = w2BaselineGrad(x)
      let s = 0
      for (let i = 0; i < g.length; i++) s += g[i] * v[i]
      return [f, s]
    }

    // Compiled: the same function, traced once; called on plain core tensors.
    const xc = Core.tensor(x, { shape: [W2_N] })
    const vc = Core.tensor(v, { shape: [W2_N] })
    const fc = rosenbrock(Core as unknown as Ops) as unknown as (x: Core.Tensor) => Core.Tensor
    const cPrimalOf = C.compile(fc)
    // Writes into a gradient array it reuses, as baseline-grad does; -fresh: a new array per call.
    const cGradOf = C.compile(C.grad(fc), { reuseOutputs: true })
    const cGradFreshOf = C.compile(C.grad(fc))
    const cValueAndGrad = C.compile(C.valueAndGrad(fc))
    const cJvpOf = C.compile((p: Core.Tensor, t: Core.Tensor) => C.jvp(fc, [p], [t]))
    const cPrimal = (): number => (cPrimalOf(xc) as Core.Tensor).item()
    const cGrad = (): Core.Tensor => cGradOf(xc) as Core.Tensor
    const cGradFresh = (): Core.Tensor => cGradFreshOf(xc) as Core.Tensor
    const cJvp = (): [Core.Tensor, Core.Tensor] => cJvpOf(xc, vc) as [Core.Tensor, Core.Tensor]
    const compileMs = { primal: firstCall(cPrimal), grad: firstCall(cGrad), gradFresh: firstCall(cGradFresh), jvp: firstCall(cJvp) }

    return [
      {
        workload: 'W2', variant: 'baseline-primal', dtype: 'float64', impl: 'baseline',
        run: () => w2BaselinePrimal(x), answer: () => [w2BaselinePrimal(x)], reference: fRef,
      },
      {
        workload: 'W2', variant: 'baseline-grad', dtype: 'float64', impl: 'baseline',
        run: () => w2BaselineGrad(x, out), answer: baselineGradAnswer, reference: fRef,
        note: 'writes into a gradient buffer it reuses',
      },
      { workload: 'W2', variant: 'primal', dtype: 'float64', impl: 'ad', baseline: 'baseline-primal', tol, run: primal, answer: () => [primal()], reference: fRef },
      {
        workload: 'W2', variant: 'grad', dtype: 'float64', impl: 'ad', baseline: 'baseline-grad', tol, run: grad,
        answer: () => {
          const [f, g] = valueAndGradOf(xt) as [R.Tensor, R.Tensor]
          return withValue(f.item(), g.contiguousData())
        },
        reference: fRef,
      },
      {
        workload: 'W2', variant: 'jvp', dtype: 'float64', impl: 'ad', baseline: 'baseline-grad', tol, run: jvp,
        answer: () => {
          const [out, t] = jvp()
          return [out.item(), t.item()]
        },
        expected: baselineJvp,
        reference: [...fRef, { name: '∇f·v', index: 1, value: W2_JVP, rtol: 1e-10 }],
        note: 'checked against the baseline gradient dotted with v',
      },
      {
        workload: 'W2', variant: 'compiled-primal', dtype: 'float64', impl: 'ad', baseline: 'baseline-primal', tol, run: cPrimal,
        answer: () => [cPrimal()], reference: fRef, compileMs: compileMs.primal,
      },
      {
        workload: 'W2', variant: 'compiled-grad', dtype: 'float64', impl: 'ad', baseline: 'baseline-grad', tol, run: cGrad,
        answer: () => {
          const [f, g] = cValueAndGrad(xc) as [Core.Tensor, Core.Tensor]
          return withValue(f.item(), g.contiguousData())
        },
        reference: fRef, compileMs: compileMs.grad, note: 'compile(grad(f), { reuseOutputs: true }): writes into a gradient array it reuses, as baseline-grad',
      },
      {
        workload: 'W2', variant: 'compiled-grad-fresh', dtype: 'float64', impl: 'ad', baseline: 'baseline-grad', tol, run: cGradFresh,
        answer: () => {
          const [f, g] = cValueAndGrad(xc) as [Core.Tensor, Core.Tensor]
          return withValue(f.item(), g.contiguousData())
        },
        reference: fRef, compileMs: compileMs.gradFresh, note: 'compile(grad(f)): a fresh gradient array per call',
      },
      {
        workload: 'W2', variant: 'compiled-jvp', dtype: 'float64', impl: 'ad', baseline: 'baseline-grad', tol, run: cJvp,
        answer: () => {
          const [out, t] = cJvp()
          return [out.item(), t.item()]
        },
        expected: baselineJvp,
        reference: [...fRef, { name: '∇f·v', index: 1, value: W2_JVP, rtol: 1e-10 }],
        compileMs: compileMs.jvp,
      },
    ]
  },
}
