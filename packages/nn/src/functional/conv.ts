import { cat, conv2d as conv2dOp, slice, type Tensor } from '@ad/reverse'
import { invalid, shapeMismatch } from '../errors.js'

export interface Conv2dOptions {
  stride?: number
  padding?: number
  dilation?: number
  groups?: number
}

/**
 * A 2-D convolution (cross-correlation, as PyTorch's): x [N, Cin, H, W], weight
 * [Cout, Cin/groups, kh, kw], optional bias [Cout]. With groups > 1 the input channels and the
 * filters split into `groups` blocks, block g of the output seeing only block g of the
 * input, so it is one registry `conv2d` per block and a concatenation.
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, { stride = 1, padding = 0, dilation = 1, groups = 1 }: Conv2dOptions = {}): Tensor {
  if (dilation !== 1) throw invalid(`conv2d: dilation ${dilation} is not supported yet; only dilation 1.`)
  if (!Number.isInteger(groups) || groups < 1) throw invalid(`conv2d: groups must be a positive integer, got ${groups}.`)
  const attrs = { stride, padding }
  if (groups === 1) return bias === null ? conv2dOp(x, weight, attrs) : conv2dOp(x, weight, bias, attrs)
  const cin = x.shape[1]
  const cout = weight.shape[0]
  if (x.shape.length !== 4 || cin % groups !== 0 || cout % groups !== 0) {
    throw shapeMismatch(`conv2d: input [${x.shape.join(', ')}] and weight [${weight.shape.join(', ')}]: with groups ${groups}, the input and output channels must both divide by ${groups}.`)
  }
  const ci = cin / groups
  const co = cout / groups
  const block = (t: Tensor, g: number, n: number) => slice(t, { dim: t === x ? 1 : 0, start: g * n, end: (g + 1) * n })
  const outs: Tensor[] = []
  for (let g = 0; g < groups; g++) {
    const xg = block(x, g, ci)
    const wg = block(weight, g, co)
    outs.push(bias === null ? conv2dOp(xg, wg, attrs) : conv2dOp(xg, wg, block(bias, g, co), attrs))
  }
  return cat(outs, { dim: 1 }) as Tensor
}
