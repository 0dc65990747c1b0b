// W3: MLP SGD step, batch 128, 784 → 256 → 10, float32 and float64.

import * as C from '@ad/compile'
import * as Core from '@ad/core'
import * as R from '@ad/reverse'
import { firstCall } from '../compiled.js'
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

type MlpOps = Pick<typeof Core, 'crossEntropy' | 'add' | 'matmul' | 'relu'>

/** The loss, written once against a module of ops: @ad/reverse's for the eager step, @ad/core's for @ad/compile. */
const mlpLossWith =
  (m: MlpOps) =>
  (p: Record<Name, Core.Tensor>, X: Core.Tensor, y: Core.Tensor): Core.Tensor =>
    m.crossEntropy(m.add(m.matmul(m.relu(m.add(m.matmul(X, p.W1), p.b1)), p.W2), p.b2), y) as Core.Tensor

const mlpLoss = mlpLossWith(R as unknown as MlpOps) as unknown as (p: Params, X: R.Tensor, y: R.Tensor) => R.Tensor

function adCase(d: W3Data, dtype: DType): Case {
  const { batch, inp, hid, out, lr } = W3
  const X = R.tensor(cast(d.X, dtype), { shape: [batch, inp] })
  const y = R.tensor(cast(d.y, dtype), { shape: [batch] })
  const init = (): Params => {
    const a = castParams(d, dtype)
    return {
      W1: R.tensor(a.W1, { shape: [inp, hid], requiresGrad: true }),
      b1: R.tensor(a.b1, { shape: [hid], requiresGrad: true }),
      W2: R.tensor(a.W2, { shape: [hid, out], requiresGrad: true }),
      b2: R.tensor(a.b2, { shape: [out], requiresGrad: true }),
    }
  }
  // PyTorch's loop: forward, backward, then p −= lr·p.grad in place under noGrad.
  const step = (p: Params): number => {
    const loss = mlpLoss(p, X, y)
    loss.backward()
    R.noGrad(() => {
      for (const k of NAMES) {
        p[k].sub_(p[k].grad!.mul(lr))
        p[k].grad = null
      }
    })
    return loss.item()
  }
  const state = init()
  const snapshot = (p: Params): Record<Name, ArrayLike<number>> => ({
    W1: p.W1.contiguousData().slice(), b1: p.b1.contiguousData().slice(), W2: p.W2.contiguousData().slice(), b2: p.b2.contiguousData().slice(),
  })
  return {
    workload: 'W3', variant: 'step', dtype, impl: 'ad', baseline: 'baseline', tol: w3Tol(dtype), reference: w3Ref(dtype),
    run: () => step(state),
    answer: () => {
      const p = init()
      const before = snapshot(p)
      const loss = step(p)
      return stepAnswer(loss, before, snapshot(p))
    },
    note: 'loss.backward(), then p.sub_(p.grad.mul(0.01)) under noGrad',
  }
}

type CoreParams = Record<Name, Core.Tensor>

const mlpLossCore = mlpLossWith(Core)

/** The step compiled whole: loss, gradients and the update p − lr·∇p, returning the new parameters. */
function compiledCase(d: W3Data, dtype: DType): Case {
  const { batch, inp, hid, out, lr } = W3
  const X = Core.tensor(cast(d.X, dtype), { shape: [batch, inp] })
  const y = Core.tensor(cast(d.y, dtype), { shape: [batch] })
  const init = (): CoreParams => {
    const a = castParams(d, dtype)
    return {
      W1: Core.tensor(a.W1, { shape: [inp, hid] }), b1: Core.tensor(a.b1, { shape: [hid] }),
      W2: Core.tensor(a.W2, { shape: [hid, out] }), b2: Core.tensor(a.b2, { shape: [out] }),
    }
  }
  const compiled = C.compile((p: CoreParams, Xs: Core.Tensor, ys: Core.Tensor) => {
    const [loss, g] = C.valueAndGrad(mlpLossCore)(p, Xs, ys) as [Core.Tensor, CoreParams]
    const next = Object.fromEntries(NAMES.map((k) => [k, Core.sub(p[k], Core.mul(g[k], lr))])) as CoreParams
    return { loss, next }
  })
  const step = (p: CoreParams): [number, CoreParams] => {
    const { loss, next } = compiled(p, X, y) as { loss: Core.Tensor; next: CoreParams }
    return [loss.item(), next]
  }
  let state = init()
  const compileMs = firstCall(() => step(init()))
  const snapshot = (p: CoreParams): Record<Name, ArrayLike<number>> => ({
    W1: p.W1.contiguousData().slice(), b1: p.b1.contiguousData().slice(), W2: p.W2.contiguousData().slice(), b2: p.b2.contiguousData().slice(),
  })
  return {
    workload: 'W3', variant: 'compiled-step', dtype, impl: 'ad', baseline: 'baseline', tol: w3Tol(dtype), reference: w3Ref(dtype), compileMs,
    run: () => {
      const [loss, next] = step(state)
      state = next
      return loss
    },
    answer: () => {
      const p = init()
      const [loss, next] = step(p)
      return stepAnswer(loss, snapshot(p), snapshot(next))
    },
    note: 'the step compiled whole: valueAndGrad, then p − 0.01·∇p returned as the new parameters',
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
      cases.push(await baselineCase(d, dtype), adCase(d, dtype), compiledCase(d, dtype))
    }
    return cases
  },
}
