import { lt, mul, rand, type Tensor } from '@ad/reverse'
import { invalid } from '../errors.js'

/**
 * Zeroes each element with probability p and scales the rest by 1/(1 − p) in training, so
 * the expected value is unchanged; the identity otherwise. The mask is drawn from the
 * generator `manualSeed` seeds (a kept element where u < 1 − p, u uniform).
 */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  checkDropoutProbability(p)
  if (!training || p === 0) return x
  if (p === 1) return mul(x, 0)
  const keep = lt(rand(x.shape, { dtype: x.dtype }), 1 - p)
  return mul(x, mul(keep, 1 / (1 - p)))
}

export function checkDropoutProbability(p: number): void {
  if (!(p >= 0 && p <= 1)) throw invalid(`dropout: p must be a probability in [0, 1], got ${p}.`)
}
