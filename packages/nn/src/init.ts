import { AdError, noGrad, rand, randn, type Tensor } from '@ad/reverse'

// nn.init as PyTorch's: each function fills a tensor in place (outside the tape) from the
// generator `manualSeed` seeds, and returns it.

export type Nonlinearity = 'linear' | 'conv2d' | 'sigmoid' | 'tanh' | 'relu' | 'leaky_relu' | 'selu'
export type FanMode = 'fanIn' | 'fanOut'

/** PyTorch's recommended gain for a nonlinearity (`param` is leaky_relu's negative slope, default 0.01). */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv2d':
    case 'sigmoid':
      return 1
    case 'tanh':
      return 5 / 3
    case 'relu':
      return Math.SQRT2
    case 'leaky_relu': {
      const slope = param ?? 0.01
      return Math.sqrt(2 / (1 + slope * slope))
    }
    case 'selu':
      return 3 / 4
    default:
      throw new AdError('INVALID_ARGUMENT', `calculateGain: unknown nonlinearity '${String(nonlinearity)}'.`)
  }
}

/** fan_in = shape[1]·receptive field, fan_out = shape[0]·receptive field (receptive = prod(shape[2:])). */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.shape.length < 2) {
    throw new AdError('INVALID_ARGUMENT', `fan in and fan out need a tensor of at least 2 dims, got shape [${t.shape.join(', ')}].`)
  }
  const receptive = t.shape.slice(2).reduce((p, d) => p * d, 1)
  return { fanIn: t.shape[1] * receptive, fanOut: t.shape[0] * receptive }
}

/** Writes `scale·draw + shift` into t, the draws made fresh (so transformed in place, one pass). */
function fill(t: Tensor, draws: Tensor, scale: number, shift: number): Tensor {
  const d = draws.contiguousData()
  for (let i = 0; i < d.length; i++) d[i] = scale * d[i] + shift
  noGrad(() => t.copy_(draws))
  return t
}

export function uniform_(t: Tensor, a = 0, b = 1): Tensor {
  return fill(t, rand(t.shape, { dtype: t.dtype }), b - a, a)
}

export function normal_(t: Tensor, mean = 0, std = 1): Tensor {
  return fill(t, randn(t.shape, { dtype: t.dtype }), std, mean)
}

export function constant_(t: Tensor, value: number): Tensor {
  noGrad(() => t.zero_().add_(value))
  return t
}

export const zeros_ = (t: Tensor): Tensor => constant_(t, 0)
export const ones_ = (t: Tensor): Tensor => constant_(t, 1)

/** U(−a, a) with a = gain·√(6 / (fan_in + fan_out)). */
export function xavierUniform_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t)
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut))
  return uniform_(t, -bound, bound)
}

/** N(0, std²) with std = gain·√(2 / (fan_in + fan_out)). */
export function xavierNormal_(t: Tensor, gain = 1): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t)
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)))
}

export interface KaimingOptions {
  /** The negative slope of the leaky ReLU after this layer (only with 'leaky_relu'). */
  a?: number
  mode?: FanMode
  nonlinearity?: Nonlinearity
}

function kaimingStd(t: Tensor, { a = 0, mode = 'fanIn', nonlinearity = 'leaky_relu' }: KaimingOptions): number {
  if (mode !== 'fanIn' && mode !== 'fanOut') throw new AdError('INVALID_ARGUMENT', `kaiming init: mode must be 'fanIn' or 'fanOut', got '${String(mode)}'.`)
  const fans = calculateFanInAndFanOut(t)
  const fan = mode === 'fanIn' ? fans.fanIn : fans.fanOut
  return calculateGain(nonlinearity, a) / Math.sqrt(fan)
}

/** U(−b, b) with b = gain·√(3 / fan): the variance gain²/fan (He et al.). */
export function kaimingUniform_(t: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd(t, options)
  return uniform_(t, -bound, bound)
}

/** N(0, gain²/fan). */
export function kaimingNormal_(t: Tensor, options: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, options))
}
