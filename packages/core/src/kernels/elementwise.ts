import { allocate, type FloatArray } from '../dtype.js'
import { sameShape, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

/** `f` applied to every element, into a fresh contiguous tensor. */
export function mapUnary(x: Tensor, f: (v: number) => number): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, src.length)
  for (let i = 0; i < src.length; i++) out[i] = f(src[i])
  return Tensor.fromArray(out, x.shape)
}

/**
 * Strides that read `t` as if broadcast to `shape`: 0 along stretched or missing dims.
 * No index arrays per element: the loops below walk these strides directly.
 */
export function broadcastStrides(t: Tensor, shape: Shape): number[] {
  const rank = shape.length
  const strides = new Array<number>(rank).fill(0)
  const shift = rank - t.shape.length
  for (let i = 0; i < t.shape.length; i++) strides[shift + i] = t.shape[i] === 1 ? 0 : t.strides[i]
  return strides
}

/** `f(a, b)` elementwise with NumPy broadcasting to `shape`. */
export function mapBinary(a: Tensor, b: Tensor, shape: Shape, f: (x: number, y: number) => number): Tensor {
  const out = allocate(a.dtype, sizeOfShape(shape))
  if (a.isContiguous && b.isContiguous && sameShape(a.shape, b.shape)) {
    const x = a.contiguousData()
    const y = b.contiguousData()
    for (let i = 0; i < out.length; i++) out[i] = f(x[i], y[i])
  } else if (b.size === 1 && sameShape(a.shape, shape) && a.isContiguous) {
    const x = a.contiguousData()
    const s = b.storage.data[b.offset]
    for (let i = 0; i < out.length; i++) out[i] = f(x[i], s)
  } else if (a.size === 1 && sameShape(b.shape, shape) && b.isContiguous) {
    const y = b.contiguousData()
    const s = a.storage.data[a.offset]
    for (let i = 0; i < out.length; i++) out[i] = f(s, y[i])
  } else {
    stridedBinary(a, b, shape, f, out)
  }
  return Tensor.fromArray(out, shape)
}

function sizeOfShape(shape: Shape): number {
  let n = 1
  for (const d of shape) n *= d
  return n
}

/** The general case: an odometer over all dims but the last, a tight loop along the last. */
function stridedBinary(a: Tensor, b: Tensor, shape: Shape, f: (x: number, y: number) => number, out: FloatArray): void {
  const rank = shape.length
  const x = a.storage.data
  const y = b.storage.data
  if (rank === 0) {
    out[0] = f(x[a.offset], y[b.offset])
    return
  }
  const sa = broadcastStrides(a, shape)
  const sb = broadcastStrides(b, shape)
  const last = rank - 1
  const n = shape[last]
  const stepA = sa[last]
  const stepB = sb[last]
  const index = new Array<number>(rank).fill(0)
  let ia = a.offset
  let ib = b.offset
  for (let o = 0; o < out.length; o += n) {
    for (let j = 0; j < n; j++) out[o + j] = f(x[ia + j * stepA], y[ib + j * stepB])
    let d = last - 1
    while (d >= 0) {
      index[d]++
      ia += sa[d]
      ib += sb[d]
      if (index[d] < shape[d]) break
      ia -= sa[d] * shape[d]
      ib -= sb[d] * shape[d]
      index[d] = 0
      d--
    }
  }
}
