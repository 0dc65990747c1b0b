import { optionsOf, AdError, type FloatArray } from '@ad/reverse'
import { buffer, checkNonNegative, Optimizer, type ParamGroup, type Params, type ParamState } from './optimizer.js'

export interface SGDOptions {
  lr: number
  momentum: number
  dampening: number
  weightDecay: number
  nesterov: boolean
}

/**
 * Stochastic gradient descent as PyTorch's: g = ∇ + λp; with momentum μ, the buffer
 * b ← g on the first step, then b ← μb + (1 − dampening)·g, and g ← g + μb (Nesterov) or
 * g ← b; then p ← p − lr·g.
 */
export class SGD extends Optimizer<SGDOptions> {
  constructor(params: Params<SGDOptions>, options?: Partial<SGDOptions>) {
    const { lr = 1e-3, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = optionsOf<Partial<SGDOptions>>('SGD', options)
    super(params, { lr, momentum, dampening, weightDecay, nesterov })
  }

  protected validate(g: ParamGroup<SGDOptions>): void {
    for (const k of ['lr', 'momentum', 'dampening', 'weightDecay'] as const) checkNonNegative('SGD', k, g[k])
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) throw new AdError('INVALID_ARGUMENT', 'SGD: nesterov needs a positive momentum and zero dampening.')
  }

  protected update(p: FloatArray, grad: FloatArray, state: ParamState, { lr, momentum, dampening, weightDecay, nesterov }: ParamGroup<SGDOptions>, out: FloatArray): void {
    const n = p.length
    if (momentum === 0) {
      for (let i = 0; i < n; i++) out[i] = p[i] - lr * (grad[i] + weightDecay * p[i])
      return
    }
    let buf = state.momentumBuffer as FloatArray | undefined
    const first = buf === undefined
    if (buf === undefined) state.momentumBuffer = buf = buffer(p)
    for (let i = 0; i < n; i++) {
      const g = grad[i] + weightDecay * p[i]
      const b = first ? g : momentum * buf[i] + (1 - dampening) * g
      buf[i] = b
      out[i] = p[i] - lr * (nesterov ? g + momentum * b : b)
    }
  }
}
