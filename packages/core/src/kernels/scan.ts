import { allocate } from '../dtype.js'
import { Tensor } from '../tensor.js'
import { splitAt } from './reduce.js'

/**
 * Running sums (or products) along `dim`, in one pass: the input read as [outer, n, inner],
 * each of the inner running values kept in float64 (a float32 tensor's running sum does not
 * drift with n), and every step walks contiguous memory.
 */
export function scanAlong(x: Tensor, dim: number, product: boolean): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, src.length)
  const [outer, n, inner] = splitAt(x.shape, dim)
  const acc = new Float64Array(inner)
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner
    acc.fill(product ? 1 : 0)
    for (let k = 0; k < n; k++) {
      const off = base + k * inner
      if (product) for (let j = 0; j < inner; j++) out[off + j] = acc[j] *= src[off + j]
      else for (let j = 0; j < inner; j++) out[off + j] = acc[j] += src[off + j]
    }
  }
  return Tensor.fromArray(out, x.shape)
}
