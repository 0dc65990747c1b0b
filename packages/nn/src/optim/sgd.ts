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
    // One loop per case, the options read outside it: this runs over every weight each
    // step (11.7 M of them in ResNet-18), so a loop does only the arithmetic its case needs.
    // Weight decay is added only when nonzero, as PyTorch does (0·p is NaN for an infinite p).
    if (momentum === 0) {
      if (weightDecay === 0) for (let i = 0; i < n; i++) out[i] = p[i] - lr * grad[i]
      else for (let i = 0; i < n; i++) out[i] = p[i] - lr * (grad[i] + weightDecay * p[i])
      return
    }
    let buf = state.momentumBuffer as FloatArray | undefined
    if (buf === undefined) {
      // The first buffer is the gradient itself (with decay); dampening starts from the second.
      state.momentumBuffer = buf = buffer(p, grad)
      if (weightDecay !== 0) for (let i = 0; i < n; i++) buf[i] += weightDecay * p[i]
      applyMomentum(p, grad, buf, out, lr, momentum, weightDecay, nesterov)
      return
    }
    if (weightDecay === 0 && dampening === 0 && !nesterov) {
      for (let i = 0; i < n; i++) {
        const b = momentum * buf[i] + grad[i]
        buf[i] = b
        out[i] = p[i] - lr * b
      }
      return
    }
    const keep = 1 - dampening
    for (let i = 0; i < n; i++) buf[i] = momentum * buf[i] + keep * (grad[i] + weightDecay * p[i])
    applyMomentum(p, grad, buf, out, lr, momentum, weightDecay, nesterov)
  }
}

/** p ← p − lr·b, or with Nesterov p ← p − lr·(g + μb), g the decayed gradient. */
function applyMomentum(
  p: FloatArray, grad: FloatArray, buf: FloatArray, out: FloatArray, lr: number, momentum: number, weightDecay: number, nesterov: boolean,
): void {
  const n = p.length
  if (!nesterov) for (let i = 0; i < n; i++) out[i] = p[i] - lr * buf[i]
  else for (let i = 0; i < n; i++) out[i] = p[i] - lr * (grad[i] + weightDecay * p[i] + momentum * buf[i])
}
