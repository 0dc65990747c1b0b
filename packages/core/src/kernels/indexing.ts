import { allocate } from '../dtype.js'
import { fmtShape, invalid } from '../errors.js'
import { contiguousStrides, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

/**
 * An index argument's values as positions: each must be an integer in [0, n) (PyTorch
 * refuses negative indices in gather, indexSelect and scatterAdd too). The index is data
 * (float of integer values, or made from Int32Array), never differentiated.
 */
export function readIndices(op: string, index: Tensor, n: number, dim: number): Int32Array {
  const values = index.contiguousData()
  const out = new Int32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const k = values[i]
    if (!Number.isInteger(k) || k < 0 || k >= n) {
      throw invalid(
        `${op}: index ${k} (element ${i} of an index of shape ${fmtShape(index.shape)}) is not an integer in [0, ${n - 1}], ` +
          `the positions of dim ${dim} (size ${n}); pass integer indices within the dim.`,
      )
    }
    out[i] = k
  }
  return out
}

/**
 * Walks the positions of `shape` (row-major) one row (the last dim) at a time, with a
 * running offset into each of two strided buffers: `row(k, n, a, b)` handles positions
 * k … k + n − 1, which start at offsets a and b and step by the last dim's strides. The loop
 * under gather and scatterAdd; the caller adds the index's position along `dim`.
 */
function walkRows(shape: Shape, sa: readonly number[], sb: readonly number[], row: (k: number, n: number, a: number, b: number) => void): void {
  const rank = shape.length
  let size = 1
  for (const d of shape) size *= d
  if (size === 0) return
  if (rank === 0) {
    row(0, 1, 0, 0)
    return
  }
  const index = new Int32Array(rank)
  const last = rank - 1
  const n = shape[last]
  let a = 0
  let b = 0
  for (let k = 0; k < size; k += n) {
    row(k, n, a, b)
    let d = last - 1
    while (d >= 0) {
      index[d]++
      a += sa[d]
      b += sb[d]
      if (index[d] < shape[d]) break
      a -= sa[d] * shape[d]
      b -= sb[d] * shape[d]
      index[d] = 0
      d--
    }
  }
}

/** Contiguous strides of `shape` with the one of `dim` set to 0 (the index supplies that position). */
function stridesBesides(shape: Shape, dim: number): number[] {
  const s = contiguousStrides(shape)
  if (shape.length > 0) s[dim] = 0
  return s
}

/** out[…i…] = x[…index[…i…]…] along `dim`, out of the index's shape. One pass. */
export function gatherKernel(x: Tensor, dim: number, positions: Int32Array, indexShape: Shape): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, positions.length)
  const xs = stridesBesides(x.shape, dim)
  const step = x.rank === 0 ? 0 : contiguousStrides(x.shape)[dim]
  const inner = x.rank === 0 ? 0 : xs[x.rank - 1]
  walkRows(indexShape, xs, xs, (k, n, a) => {
    for (let j = 0; j < n; j++) out[k + j] = src[a + j * inner + positions[k + j] * step]
  })
  return Tensor.fromArray(out, indexShape)
}

/**
 * A copy of x with src[…i…] added at […index[…i…]…] along `dim`, for each position of the
 * index (src may be larger than the index; its extra elements are not read). One pass after the copy.
 */
export function scatterAddKernel(x: Tensor, dim: number, positions: Int32Array, indexShape: Shape, src: Tensor): Tensor {
  const out = x.clone()
  const data = out.storage.data
  const from = src.contiguousData()
  const os = stridesBesides(x.shape, dim)
  const ss = contiguousStrides(src.shape)
  const step = x.rank === 0 ? 0 : contiguousStrides(x.shape)[dim]
  const innerOut = x.rank === 0 ? 0 : os[x.rank - 1]
  const innerSrc = x.rank === 0 ? 0 : ss[x.rank - 1]
  walkRows(indexShape, os, ss, (k, n, a, b) => {
    for (let j = 0; j < n; j++) data[a + j * innerOut + positions[k + j] * step] += from[b + j * innerSrc]
  })
  return out
}
