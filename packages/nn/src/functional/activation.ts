import { erf, gt, mul, sigmoid, tanh, where, add, type Tensor } from '@ad/reverse'

// Activations the registry does not hold yet, composed from registry ops so their
// derivatives come from the ops' own rules. Each matches PyTorch's definition exactly,
// gradient conventions included (noted per function).

/** x for x > 0, slope·x otherwise; at 0 the gradient is the slope, as PyTorch's. */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return where(gt(x, 0), x, mul(x, negativeSlope))
}

/**
 * GELU: x·Φ(x) = x/2·(1 + erf(x/√2)); with `approximate: 'tanh'`, PyTorch's
 * x/2·(1 + tanh(√(2/π)·(x + 0.044715x³))).
 */
export function gelu(x: Tensor, { approximate = 'none' }: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  if (approximate === 'tanh') {
    const inner = mul(add(x, mul(mul(mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI))
    return mul(mul(x, 0.5), add(tanh(inner), 1))
  }
  return mul(mul(x, 0.5), add(erf(mul(x, Math.SQRT1_2)), 1))
}

/** SiLU (swish): x·σ(x). */
export function silu(x: Tensor): Tensor {
  return mul(x, sigmoid(x))
}
