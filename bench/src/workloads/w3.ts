// W3: MLP SGD step, batch 128, 784 → 256 → 10, float32 and float64.

import * as R from '@ad/reverse'
import { cast, type DType, W3, w3data, type W3Data } from '../data.js'
import type { Case, Workload } from '../types.js'
import type * as Baseline from './w3-baseline.js'

type BaselineModule = typeof Baseline

/** The baseline module, loaded once per dtype (its own instance: monomorphic typed-array loops). */
async function baselineFor(dtype: DType): Promise<BaselineModule> {
  return (await import(new URL(`./w3-baseline.js?dtype=${dtype}`, import.meta.url).href)) as BaselineModule
}

const NAMES = ['W1', 'b1', 'W2', 'b2'] as const
type Name = (typeof NAMES)[number]

/**
 * The step's answer: [loss, ...(p_before − p_after)/lr for W1, b1, W2, b2], so it checks
 * both the gradients and the update.
 */
export function stepAnswer(loss: number, before: Record<Name, ArrayLike<number>>, after: Record<Name, ArrayLike<number>>): Float64Array {
  const parts = NAMES.map((k) => {
    const b = before[k]
    const a = after[k]
    const g = new Float64Array(b.length)
    for (let i = 0; i < b.length; i++) g[i] = (b[i] - a[i]) / W3.lr
    return g
  })
  const out = new Float64Array(1 + parts.reduce((s, p) => s + p.length, 0))
  out[0] = loss
  let o = 1
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}

export const w3Tol = (dtype: DType) => (dtype === 'float32' ? { rtol: 2e-3, atol: 2e-6 } : { rtol: 1e-8, atol: 1e-11 })
export const w3Ref = (dtype: DType) => [{ name: 'initial loss', index: 0, value: W3.loss0, rtol: dtype === 'float32' ? 1e-6 : 3e-8 }]

function castParams(d: W3Data, dtype: DType): Record<Name, Float32Array | Float64Array> {
  return { W1: cast(d.W1, dtype), b1: cast(d.b1, dtype), W2: cast(d.W2, dtype), b2: cast(d.b2, dtype) }
}

type Params = Record<Name, R.Tensor>

const mlpLoss = (p: Params, X: R.Tensor, y: R.Tensor): R.Tensor =>
  R.crossEntropy(R.add(R.matmul(R.relu(R.add(R.matmul(X, p.W1), p.b1)), p.W2), p.b2), y) as R.Tensor

function adCase(d: W3Data, dtype: DType): Case {
  const { batch, inp, hid, out, lr } = W3
  const X = R.tensor(cast(d.X, dtype), { shape: [batch, inp] })
  const y = R.tensor(cast(d.y, dtype), { shape: [batch] })
  const init = (): Params => {
    const a = castParams(d, dtype)
    return {
      W1: R.tensor(a.W1, { shape: [inp, hid] }),
      b1: R.tensor(a.b1, { shape: [hid] }),
      W2: R.tensor(a.W2, { shape: [hid, out] }),
      b2: R.tensor(a.b2, { shape: [out] }),
    }
  }
  const valueAndGrad = R.valueAndGrad(mlpLoss)
  // A functional step, as in JAX: the gradients, then new parameters (no in-place update:
  // the reverse Tensor has no sub_ yet).
  const step = (p: Params): [number, Params] => {
    const [loss, g] = valueAndGrad(p, X, y) as [R.Tensor, Params]
    const next = R.noGrad(() => ({
      W1: p.W1.sub(g.W1.mul(lr)),
      b1: p.b1.sub(g.b1.mul(lr)),
      W2: p.W2.sub(g.W2.mul(lr)),
      b2: p.b2.sub(g.b2.mul(lr)),
    }))
    return [loss.item(), next]
  }
  let state = init()
  const data = (p: Params): Record<Name, ArrayLike<number>> => ({
    W1: p.W1.contiguousData(), b1: p.b1.contiguousData(), W2: p.W2.contiguousData(), b2: p.b2.contiguousData(),
  })
  return {
    workload: 'W3', variant: 'step', dtype, impl: 'ad', baseline: 'baseline', tol: w3Tol(dtype), reference: w3Ref(dtype),
    run: () => {
      const [loss, next] = step(state)
      state = next
      return loss
    },
    answer: () => {
      const p = init()
      const [loss, next] = step(p)
      return stepAnswer(loss, data(p), data(next))
    },
    note: 'valueAndGrad over {W1, b1, W2, b2}, then p − 0.01·g under noGrad',
  }
}

async function baselineCase(d: W3Data, dtype: DType): Promise<Case> {
  const { batch, inp, hid, out, lr } = W3
  const m = await baselineFor(dtype)
  const X = cast(d.X, dtype)
  const y = Array.from(d.y)
  const state = castParams(d, dtype)
  return {
    workload: 'W3', variant: 'baseline', dtype, impl: 'baseline', reference: w3Ref(dtype),
    run: () => m.mlpStep(state, X, y, batch, inp, hid, out, lr),
    answer: () => {
      const p = castParams(d, dtype)
      const before = castParams(d, dtype)
      const loss = m.mlpStep(p, X, y, batch, inp, hid, out, lr)
      return stepAnswer(loss, before, p)
    },
    note: 'naive i-k-j loops',
  }
}

export const w3: Workload = {
  id: 'W3',
  title: 'MLP SGD step, batch 128, 784→256→10',
  cases: async () => {
    const d = w3data()
    const cases: Case[] = []
    for (const dtype of ['float32', 'float64'] as const) {
      cases.push(await baselineCase(d, dtype), adCase(d, dtype))
    }
    return cases
  },
}
