import { AdError, noGrad, type Tensor } from '@ad/reverse'

/**
 * Scales the gradients of `params` in place so that their total norm (the p-norm of all the
 * gradients together; `Infinity` for the largest magnitude) is at most `maxNorm`: each is
 * multiplied by maxNorm / (total + 1e-6) when total exceeds maxNorm, as PyTorch's
 * `clip_grad_norm_`. Returns the total norm before clipping, as a number.
 */
export function clipGradNorm_(params: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  if (!(normType > 0)) throw new AdError('INVALID_ARGUMENT', `clipGradNorm_: normType must be positive (or Infinity), got ${normType}.`)
  const grads = [...params].map((p) => p.grad).filter((g): g is Tensor => g !== null)
  let total = 0
  for (const g of grads) {
    const d = g.contiguousData()
    if (normType === Infinity) for (let i = 0; i < d.length; i++) total = Math.max(total, Math.abs(d[i]))
    else for (let i = 0; i < d.length; i++) total += Math.abs(d[i]) ** normType
  }
  if (normType !== Infinity) total = total ** (1 / normType)
  const coef = maxNorm / (total + 1e-6)
  if (coef < 1) noGrad(() => grads.forEach((g) => g.mul_(coef)))
  return total
}
