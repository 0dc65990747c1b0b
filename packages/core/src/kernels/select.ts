import { allocate } from '../dtype.js'
import { sameShape, sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import { broadcastStrides } from './elementwise.js'

/**
 * `c ? a : b` elementwise (c non-zero picks a), the three broadcast to `shape`. The common
 * case of three contiguous tensors of the output's shape is one flat loop; otherwise an
 * odometer walks the broadcast strides of all three (0 along stretched dims), with a tight
 * loop along the last dim, so no per-element index arrays or closures.
 */
export function where3(c: Tensor, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const size = sizeOf(shape)
  const out = allocate(a.dtype, size)
  if (
    c.isContiguous && a.isContiguous && b.isContiguous &&
    sameShape(c.shape, shape) && sameShape(a.shape, shape) && sameShape(b.shape, shape)
  ) {
    const cd = c.contiguousData()
    const ad = a.contiguousData()
    const bd = b.contiguousData()
    for (let i = 0; i < size; i++) out[i] = cd[i] !== 0 ? ad[i] : bd[i]
    return Tensor.fromArray(out, shape)
  }
  const cd = c.storage.data
  const ad = a.storage.data
  const bd = b.storage.data
  const rank = shape.length
  if (rank === 0) {
    out[0] = cd[c.offset] !== 0 ? ad[a.offset] : bd[b.offset]
    return Tensor.fromArray(out, shape)
  }
  if (size === 0) return Tensor.fromArray(out, shape)
  const sc = broadcastStrides(c, shape)
  const sa = broadcastStrides(a, shape)
  const sb = broadcastStrides(b, shape)
  const last = rank - 1
  const n = shape[last]
  const stepC = sc[last]
  const stepA = sa[last]
  const stepB = sb[last]
  const index = new Array<number>(rank).fill(0)
  let ic = c.offset
  let ia = a.offset
  let ib = b.offset
  for (let o = 0; o < size; o += n) {
    for (let j = 0; j < n; j++) out[o + j] = cd[ic + j * stepC] !== 0 ? ad[ia + j * stepA] : bd[ib + j * stepB]
    let d = last - 1
    while (d >= 0) {
      index[d]++
      ic += sc[d]
      ia += sa[d]
      ib += sb[d]
      if (index[d] < shape[d]) break
      ic -= sc[d] * shape[d]
      ia -= sa[d] * shape[d]
      ib -= sb[d] * shape[d]
      index[d] = 0
      d--
    }
  }
  return Tensor.fromArray(out, shape)
}

/**
 * min(max(x, lo), hi) elementwise, as PyTorch's clamp: NaN stays NaN, and lo > hi gives hi
 * everywhere. A missing bound is ±Infinity, which the comparisons below never trip on.
 */
export function clampKernel(x: Tensor, lo: number, hi: number): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, src.length)
  for (let i = 0; i < src.length; i++) {
    let v = src[i]
    if (v < lo) v = lo
    if (v > hi) v = hi
    out[i] = v
  }
  return Tensor.fromArray(out, x.shape)
}
