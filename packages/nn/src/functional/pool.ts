import { optionsOf, avgPool2d as avgPoolOp, cat, maxPool2d as maxPoolOp, mean, slice, type Tensor } from '@ad/reverse'
import { invalid, shapeMismatch } from '../errors.js'

export interface Pool2dOptions {
  /** Default: the kernel size. */
  stride?: number
  padding?: number
}

/** Max pooling; the padding is −∞ (never a maximum), at most half the kernel, as PyTorch's. */
export function maxPool2d(x: Tensor, kernelSize: number, options?: Pool2dOptions): Tensor {
  const { stride = kernelSize, padding = 0 } = optionsOf<Pool2dOptions>('maxPool2d', options)
  return maxPoolOp(x, { kernelSize, stride, padding })
}

/** Average pooling; padded zeros count in the divisor (PyTorch's countIncludePad default). */
export function avgPool2d(x: Tensor, kernelSize: number, options?: Pool2dOptions): Tensor {
  const { stride = kernelSize, padding = 0 } = optionsOf<Pool2dOptions>('avgPool2d', options)
  return avgPoolOp(x, { kernelSize, stride, padding })
}

/**
 * Adaptive average pooling to `outputSize` (a number or [oh, ow]): output cell i of a dim of
 * size n averages inputs floor(i·n/out) to ceil((i+1)·n/out) − 1, PyTorch's windows. When
 * the sizes divide this is one average pooling.
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number, number]): Tensor {
  const [oh, ow] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize
  if (x.shape.length < 3) throw shapeMismatch(`adaptiveAvgPool2d: expected [N, C, H, W] or [C, H, W], got [${x.shape.join(', ')}].`)
  const h = x.shape[x.shape.length - 2]
  const w = x.shape[x.shape.length - 1]
  if (!(oh >= 1 && ow >= 1)) throw invalid(`adaptiveAvgPool2d: output size must be positive, got [${oh}, ${ow}].`)
  if (h % oh === 0 && w % ow === 0 && h / oh === w / ow) return avgPoolOp(x, { kernelSize: h / oh })
  const rows: Tensor[] = []
  for (let i = 0; i < oh; i++) {
    const band = slice(x, { dim: -2, start: Math.floor((i * h) / oh), end: Math.ceil(((i + 1) * h) / oh) })
    const cells: Tensor[] = []
    for (let j = 0; j < ow; j++) {
      const cell = slice(band, { dim: -1, start: Math.floor((j * w) / ow), end: Math.ceil(((j + 1) * w) / ow) })
      cells.push(mean(cell, { dims: [-2, -1], keepdim: true }))
    }
    rows.push(cat(cells, { dim: -1 }) as Tensor)
  }
  return cat(rows, { dim: -2 }) as Tensor
}
