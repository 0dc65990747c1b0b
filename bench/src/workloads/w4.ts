// W4: the Jacobian of y = tanh(W x + b), R¹⁶ → R¹⁶, float64.

import * as C from '@ad/compile'
import * as Core from '@ad/core'
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { firstCall } from '../compiled.js'
import { w4data } from '../data.js'
import type { Workload } from '../types.js'

/** By hand: J[i][j] = (1 − y_i²) W[i][j]. */
export function w4Baseline(W: Float64Array, b: Float64Array, x: Float64Array): Float64Array {
  const n = b.length
  const m = x.length
  const J = new Float64Array(n * m)
  for (let i = 0; i < n; i++) {
    let s = b[i]
    for (let j = 0; j < m; j++) s += W[i * m + j] * x[j]
    const t = Math.tanh(s)
    const d = 1 - t * t
    for (let j = 0; j < m; j++) J[i * m + j] = d * W[i * m + j]
  }
  return J
}

export const w4: Workload = {
  id: 'W4',
  title: 'Jacobian of tanh(W x + b), R¹⁶ → R¹⁶',
  cases: () => {
    const d = w4data()
    const tol = { rtol: 1e-12, atol: 1e-14 }
    const W = R.tensor(d.W, { shape: [16, 16] })
    const b = R.tensor(d.b, { shape: [16] })
    const x = R.tensor(d.x, { shape: [16] })
    // Written once against either engine's free functions.
    type Ops = Pick<typeof R, 'tanh' | 'add' | 'matmul'>
    const f = (m: Ops) => (v: R.Tensor): R.Tensor => m.tanh(m.add(m.matmul(W, v), b)) as R.Tensor
    const jf = F.jacfwd(f(F as unknown as Ops))
    const jr = R.jacrev(f(R))
    const jacfwd = (): R.Tensor => jf(x) as R.Tensor
    const jacrev = (): R.Tensor => jr(x)
    // Compiled: W and b closed over as plain tensors (constants of the graph), x an input.
    const Wc = Core.tensor(d.W, { shape: [16, 16] })
    const bc = Core.tensor(d.b, { shape: [16] })
    const xc = Core.tensor(d.x, { shape: [16] })
    const fc = (v: Core.Tensor): Core.Tensor => Core.tanh(Core.add(Core.matmul(Wc, v), bc)) as Core.Tensor
    const cjf = C.compile(C.jacfwd(fc))
    const cjr = C.compile(C.jacrev(fc))
    const cJacfwd = (): Core.Tensor => cjf(xc) as Core.Tensor
    const cJacrev = (): Core.Tensor => cjr(xc) as Core.Tensor
    const compileMs = { jacfwd: firstCall(cJacfwd), jacrev: firstCall(cJacrev) }
    return [
      { workload: 'W4', variant: 'baseline', dtype: 'float64', impl: 'baseline', run: () => w4Baseline(d.W, d.b, d.x), answer: () => w4Baseline(d.W, d.b, d.x) },
      { workload: 'W4', variant: 'jacfwd', dtype: 'float64', impl: 'ad', baseline: 'baseline', tol, run: jacfwd, answer: () => shaped(jacfwd()) },
      { workload: 'W4', variant: 'jacrev', dtype: 'float64', impl: 'ad', baseline: 'baseline', tol, run: jacrev, answer: () => shaped(jacrev()) },
      { workload: 'W4', variant: 'compiled-jacfwd', dtype: 'float64', impl: 'ad', baseline: 'baseline', tol, run: cJacfwd, answer: () => shaped(cJacfwd()), compileMs: compileMs.jacfwd },
      { workload: 'W4', variant: 'compiled-jacrev', dtype: 'float64', impl: 'ad', baseline: 'baseline', tol, run: cJacrev, answer: () => shaped(cJacrev()), compileMs: compileMs.jacrev },
    ]
  },
}

function shaped(J: Core.Tensor): ArrayLike<number> {
  if (J.shape.length !== 2 || J.shape[0] !== 16 || J.shape[1] !== 16) throw new Error(`W4: the Jacobian has shape [${J.shape.join(',')}], expected [16,16]`)
  return J.contiguousData()
}
