import { optionsOf } from '@ad/reverse'
import type { FloatArray } from '@ad/reverse'
import { buffer, checkNonNegative, Optimizer, type ParamGroup, type Params, type ParamState } from './optimizer.js'

export interface RMSpropOptions {
  lr: number
  alpha: number
  eps: number
  weightDecay: number
  momentum: number
  centered: boolean
}

/**
 * RMSprop as PyTorch's: g = ∇ + λp, s ← αs + (1 − α)g²; centered: a ← αa + (1 − α)g and
 * d = √(s − a²) + eps, else d = √s + eps; with momentum μ, b ← μb + g/d and p ← p − lr·b,
 * else p ← p − lr·g/d.
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: Params<RMSpropOptions>, options?: Partial<RMSpropOptions>) {
    const { lr = 1e-2, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false } = optionsOf<Partial<RMSpropOptions>>('RMSprop', options)
    super(params, { lr, alpha, eps, weightDecay, momentum, centered })
  }

  protected validate(g: ParamGroup<RMSpropOptions>): void {
    for (const k of ['lr', 'alpha', 'eps', 'weightDecay', 'momentum'] as const) checkNonNegative('RMSprop', k, g[k])
  }

  protected update(p: FloatArray, grad: FloatArray, state: ParamState, { lr, alpha, eps, weightDecay, momentum, centered }: ParamGroup<RMSpropOptions>, out: FloatArray): void {
    if (state.step === undefined) {
      state.step = 0
      state.squareAvg = buffer(p)
      if (momentum > 0) state.momentumBuffer = buffer(p)
      if (centered) state.gradAvg = buffer(p)
    }
    state.step = (state.step as number) + 1
    const s = state.squareAvg as FloatArray
    const a = centered ? ((state.gradAvg as FloatArray | undefined) ?? (state.gradAvg = buffer(p))) : null
    const b = momentum > 0 ? ((state.momentumBuffer as FloatArray | undefined) ?? (state.momentumBuffer = buffer(p))) : null
    for (let i = 0; i < p.length; i++) {
      const g = grad[i] + weightDecay * p[i]
      const si = (s[i] = alpha * s[i] + (1 - alpha) * g * g)
      let d: number
      if (a !== null) {
        const ai = (a[i] = alpha * a[i] + (1 - alpha) * g)
        d = Math.sqrt(si - ai * ai) + eps
      } else d = Math.sqrt(si) + eps
      if (b !== null) out[i] = p[i] - lr * (b[i] = momentum * b[i] + g / d)
      else out[i] = p[i] - (lr * g) / d
    }
  }
}
