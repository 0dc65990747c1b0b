import { describeValue, optionsOf, AdError, type FloatArray } from '@ad/reverse'
import { buffer, checkNonNegative, Optimizer, type ParamGroup, type Params, type ParamState } from './optimizer.js'

export interface AdamOptions {
  lr: number
  betas: [number, number]
  eps: number
  weightDecay: number
  amsgrad: boolean
}

/**
 * Adam as PyTorch's: t ← t + 1, g = ∇ + λp (Adam) or p ← p·(1 − lr·λ) first (AdamW,
 * decoupled), m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², with amsgrad v̂ ← max(v̂, v) else
 * v̂ = v, then p ← p − lr/(1 − β₁ᵗ) · m / (√v̂/√(1 − β₂ᵗ) + eps).
 */
export class Adam extends Optimizer<AdamOptions> {
  protected readonly decoupled: boolean = false

  constructor(params: Params<AdamOptions>, options?: Partial<AdamOptions>) {
    const { lr = 1e-3, betas = [0.9, 0.999], eps = 1e-8, weightDecay = 0, amsgrad = false } = optionsOf<Partial<AdamOptions>>('Adam', options)
    // A copy, so later edits of the caller's array do not reach the group; anything that is
    // not an array goes through as it is, for validate() to name.
    const own = Array.isArray(betas) ? ([betas[0], betas[1]] as [number, number]) : betas
    super(params, { lr, betas: own, eps, weightDecay, amsgrad })
  }

  protected validate(g: ParamGroup<AdamOptions>): void {
    for (const k of ['lr', 'eps', 'weightDecay'] as const) checkNonNegative(this.constructor.name, k, g[k])
    if (!Array.isArray(g.betas) || g.betas.length !== 2 || !g.betas.every((b) => typeof b === 'number' && b >= 0 && b < 1)) {
      throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}: betas must be two numbers in [0, 1), got ${describeValue(g.betas)}.`)
    }
  }

  protected update(p: FloatArray, grad: FloatArray, state: ParamState, group: ParamGroup<AdamOptions>, out: FloatArray): void {
    const { lr, betas: [b1, b2], eps, weightDecay, amsgrad } = group
    if (state.step === undefined) {
      state.step = 0
      state.expAvg = buffer(p)
      state.expAvgSq = buffer(p)
      if (amsgrad) state.maxExpAvgSq = buffer(p)
    }
    const t = (state.step as number) + 1
    state.step = t
    const m = state.expAvg as FloatArray
    const v = state.expAvgSq as FloatArray
    const vmax = amsgrad ? ((state.maxExpAvgSq as FloatArray | undefined) ?? (state.maxExpAvgSq = buffer(p))) : null
    const stepSize = lr / (1 - b1 ** t)
    const bc2 = Math.sqrt(1 - b2 ** t)
    const decay = this.decoupled ? 1 - lr * weightDecay : 1
    const coupled = this.decoupled ? 0 : weightDecay
    for (let i = 0; i < p.length; i++) {
      const pi = p[i] * decay
      const g = grad[i] + coupled * p[i]
      const mi = b1 * m[i] + (1 - b1) * g
      const vi = b2 * v[i] + (1 - b2) * g * g
      m[i] = mi
      v[i] = vi
      let vh = vi
      if (vmax !== null) vh = vmax[i] = Math.max(vmax[i], vi)
      out[i] = pi - (stepSize * mi) / (Math.sqrt(vh) / bc2 + eps)
    }
  }
}

/** Adam with decoupled weight decay (Loshchilov and Hutter): p ← p·(1 − lr·λ) before the Adam step; λ defaults to 0.01. */
export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true

  constructor(params: Params<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super(params, { weightDecay: 0.01, ...options })
  }
}
