import { allocate } from '../dtype.js'
import { contiguousStrides, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

/**
 * Sums `x` over `dims` (sorted, normalised) into a tensor of `outShape`. Each input element
 * adds into the output slot found by walking output strides that are 0 along reduced dims.
 */
export function sumDims(x: Tensor, dims: readonly number[], outShape: Shape): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, sizeOfShape(outShape))
  if (dims.length === x.rank) {
    let s = 0
    for (let i = 0; i < src.length; i++) s += src[i]
    out[0] = s
    return Tensor.fromArray(out, outShape)
  }
  const rank = x.rank
  // Output strides laid over the input's dims: 0 where the dim is reduced.
  const kept = x.shape.map((d, i) => (dims.includes(i) ? 1 : d))
  const keptStrides = contiguousStrides(kept)
  const step = x.shape.map((_, i) => (dims.includes(i) ? 0 : keptStrides[i]))
  const last = rank - 1
  const n = x.shape[last]
  const inner = step[last]
  const index = new Array<number>(rank).fill(0)
  let o = 0
  for (let i = 0; i < src.length; i += n) {
    if (inner === 0) {
      let s = 0
      for (let j = 0; j < n; j++) s += src[i + j]
      out[o] += s
    } else {
      for (let j = 0; j < n; j++) out[o + j] += src[i + j]
    }
    let d = last - 1
    while (d >= 0) {
      index[d]++
      o += step[d]
      if (index[d] < x.shape[d]) break
      o -= step[d] * x.shape[d]
      index[d] = 0
      d--
    }
  }
  return Tensor.fromArray(out, outShape)
}

function sizeOfShape(shape: Shape): number {
  let n = 1
  for (const d of shape) n *= d
  return n
}
