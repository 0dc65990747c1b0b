// W5: CNN forward + backward, float32: loss and all six gradients.

import * as C from '@ad/compile'
import * as Core from '@ad/core'
import * as R from '@ad/reverse'
import { firstCall } from '../compiled.js'
import { W5, w5data, type W5Data } from '../data.js'
import type { Case, Workload } from '../types.js'
import { cnnParams, cnnStep, type CnnParams } from './w5-baseline.js'

export const W5_NAMES = ['c1w', 'c1b', 'c2w', 'c2b', 'fw', 'fb'] as const
export type W5Name = (typeof W5_NAMES)[number]

export const W5_SHAPES: Record<W5Name, number[]> = {
  c1w: [16, 3, 3, 3], c1b: [16], c2w: [32, 16, 3, 3], c2b: [32], fw: [32, 10], fb: [10],
}

/** [loss, ...c1w, c1b, c2w, c2b, fw, fb gradients] in ad's layouts. */
export function w5Answer(loss: number, grads: Record<W5Name, ArrayLike<number>>): Float64Array {
  const total = W5_NAMES.reduce((s, k) => s + grads[k].length, 1)
  const out = new Float64Array(total)
  out[0] = loss
  let o = 1
  for (const k of W5_NAMES) {
    out.set(grads[k], o)
    o += grads[k].length
  }
  return out
}

// float32 throughout, and the two sides sum convolutions in different orders (im2col + GEMM
// against direct loops): rounding of ~1e-6 relative per sum, far below a wrong gradient.
export const w5Tol = { rtol: 1e-3, atol: 2e-6 }
export const w5Ref = [{ name: 'initial loss', index: 0, value: W5.loss0, rtol: 1e-6 }]

type Params = Record<W5Name, R.Tensor>

type CnnOps = Pick<typeof Core, 'relu' | 'conv2d' | 'maxPool2d' | 'mean' | 'linear' | 'transpose' | 'crossEntropy'>

/** The loss, written once against a module of ops: @ad/reverse's for the eager step, @ad/core's for @ad/compile. */
const cnnLossWith =
  (m: CnnOps) =>
  (p: Record<W5Name, Core.Tensor>, X: Core.Tensor, y: Core.Tensor): Core.Tensor => {
    let h = m.relu(m.conv2d(X, p.c1w, p.c1b, { padding: 1 }))
    h = m.maxPool2d(h, { kernelSize: 2 })
    h = m.relu(m.conv2d(h, p.c2w, p.c2b, { padding: 1 }))
    h = m.mean(h, { dims: [2, 3] })
    const logits = m.linear(h, m.transpose(p.fw, { dim0: 0, dim1: 1 }), p.fb)
    return m.crossEntropy(logits, y) as Core.Tensor
  }

const cnnLoss = cnnLossWith(R as unknown as CnnOps) as unknown as (p: Params, X: R.Tensor, y: R.Tensor) => R.Tensor
const cnnLossCore = cnnLossWith(Core)

function adCase(d: W5Data): Case {
  const X = R.tensor(Float32Array.from(d.X), { shape: [8, 3, 32, 32] })
  const y = R.tensor(Float32Array.from(d.y), { shape: [8] })
  const base = cnnParams(d)
  const p = Object.fromEntries(W5_NAMES.map((k) => [k, R.tensor(base[k], { shape: W5_SHAPES[k] })])) as Params
  const valueAndGrad = R.valueAndGrad(cnnLoss)
  const step = (): [R.Tensor, Params] => valueAndGrad(p, X, y) as [R.Tensor, Params]
  return {
    workload: 'W5', variant: 'step', dtype: 'float32', impl: 'ad', baseline: 'baseline', tol: w5Tol, reference: w5Ref,
    run: step,
    answer: () => {
      const [loss, g] = step()
      return w5Answer(loss.item(), Object.fromEntries(W5_NAMES.map((k) => [k, g[k].contiguousData()])) as unknown as Record<W5Name, ArrayLike<number>>)
    },
    note: 'valueAndGrad over the six parameters; linear(h, fwᵀ, fb)',
  }
}

function compiledCase(d: W5Data): Case {
  const X = Core.tensor(Float32Array.from(d.X), { shape: [8, 3, 32, 32] })
  const y = Core.tensor(Float32Array.from(d.y), { shape: [8] })
  const base = cnnParams(d)
  const p = Object.fromEntries(W5_NAMES.map((k) => [k, Core.tensor(base[k], { shape: W5_SHAPES[k] })])) as Record<W5Name, Core.Tensor>
  const valueAndGrad = C.compile(C.valueAndGrad(cnnLossCore))
  const step = (): [Core.Tensor, Record<W5Name, Core.Tensor>] => valueAndGrad(p, X, y) as [Core.Tensor, Record<W5Name, Core.Tensor>]
  const compileMs = firstCall(step)
  return {
    workload: 'W5', variant: 'compiled-step', dtype: 'float32', impl: 'ad', baseline: 'baseline', tol: w5Tol, reference: w5Ref, compileMs,
    run: step,
    answer: () => {
      const [loss, g] = step()
      return w5Answer(loss.item(), Object.fromEntries(W5_NAMES.map((k) => [k, g[k].contiguousData()])) as unknown as Record<W5Name, ArrayLike<number>>)
    },
    note: 'compile(valueAndGrad(loss)) over the six parameters',
  }
}

function baselineCase(d: W5Data): Case {
  const p: CnnParams = cnnParams(d)
  const X = Float32Array.from(d.X)
  const y = Array.from(d.y)
  return {
    workload: 'W5', variant: 'baseline', dtype: 'float32', impl: 'baseline', reference: w5Ref,
    run: () => cnnStep(p, X, y),
    answer: () => {
      const { loss, grads } = cnnStep(p, X, y)
      return w5Answer(loss, grads)
    },
    note: 'direct convolution in plain loops',
  }
}

export const w5: Workload = {
  id: 'W5',
  title: 'CNN forward + backward, batch 8, 3×32×32, float32',
  cases: () => {
    const d = w5data()
    return [baselineCase(d), adCase(d), compiledCase(d)]
  },
}
