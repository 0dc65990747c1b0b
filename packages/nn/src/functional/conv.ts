import { conv2d as conv2dOp, type Tensor } from '@ad/reverse'

export interface Conv2dOptions {
  stride?: number
  padding?: number
  dilation?: number
  groups?: number
}

/**
 * A 2-D convolution (cross-correlation, as PyTorch's): x [N, Cin, H, W], weight
 * [Cout, Cin/groups, kh, kw], optional bias [Cout]; the registry's `conv2d`.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, { stride = 1, padding = 0, dilation = 1, groups = 1 }: Conv2dOptions = {}): Tensor {
  const attrs = { stride, padding, dilation, groups }
  return bias === null ? conv2dOp(x, weight, attrs) : conv2dOp(x, weight, bias, attrs)
}
