import { allocateUnset } from '../dtype.js'
import { sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import { gemm } from './gemm.js'

/**
 * Batched matrix product C = A·B for A of shape [...batchA, n, k] and B of shape
 * [...batchB, k, m] (both at least 2-D; 1-D operands are promoted by the caller), batch
 * dims broadcast into `outShape` = [...batch, n, m]: one `gemm` per batch, reading the
 * inputs through their strides, so transposed views (the VJP's A^T and B^T) cost no copy.
 * When B is shared by every batch and A's batches are rows evenly spaced in memory (a
 * contiguous [..., n, k] tensor, say), the whole batch is one product of [batch·n, k].
 */
export function matmulKernel(a: Tensor, b: Tensor, outShape: Shape): Tensor {
  const rank = outShape.length
  const n = outShape[rank - 2]
  const m = outShape[rank - 1]
  const k = a.shape[a.rank - 1]
  const out = allocateUnset(a.dtype, sizeOf(outShape)) // each batch's product writes its block
  const batchShape = outShape.slice(0, rank - 2)
  const batches = sizeOf(batchShape)
  if (out.length === 0) return Tensor.fromArray(out, outShape)

  const aStrides = batchStrides(a, batchShape)
  const bStrides = batchStrides(b, batchShape)
  const rsA = a.strides[a.rank - 2]
  const A = { data: a.storage.data, offset: a.offset, rowStride: rsA, colStride: a.strides[a.rank - 1] }
  const B = { data: b.storage.data, offset: b.offset, rowStride: b.strides[b.rank - 2], colStride: b.strides[b.rank - 1] }

  if (batches > 1 && bStrides.every((s) => s === 0) && rowsEvenlySpaced(aStrides, batchShape, n * rsA)) {
    gemm(batches * n, m, k, A, B, out, 0, false)
    return Tensor.fromArray(out, outShape)
  }

  const index = new Array<number>(batchShape.length).fill(0)
  let offA = a.offset
  let offB = b.offset
  for (let batch = 0; batch < batches; batch++) {
    gemm(n, m, k, { ...A, offset: offA }, { ...B, offset: offB }, out, batch * n * m, false)
    // advance the odometer over the batch dims
    for (let d = batchShape.length - 1; d >= 0; d--) {
      index[d]++
      offA += aStrides[d]
      offB += bStrides[d]
      if (index[d] < batchShape[d]) break
      offA -= aStrides[d] * batchShape[d]
      offB -= bStrides[d] * batchShape[d]
      index[d] = 0
    }
  }
  return Tensor.fromArray(out, outShape)
}

/** Strides of `t`'s batch dims laid over `batchShape` (0 where broadcast). */
function batchStrides(t: Tensor, batchShape: Shape): number[] {
  const own = t.rank - 2
  const shift = batchShape.length - own
  return batchShape.map((_, i) => (i < shift || t.shape[i - shift] === 1 ? 0 : t.strides[i - shift]))
}

/** Whether batch dims of these strides step like one more row dim of `batchStep` (row-major over the batch). */
function rowsEvenlySpaced(strides: readonly number[], batchShape: Shape, batchStep: number): boolean {
  let expected = batchStep
  for (let d = batchShape.length - 1; d >= 0; d--) {
    if (batchShape[d] !== 1 && strides[d] !== expected) return false
    expected *= batchShape[d]
  }
  return true
}
