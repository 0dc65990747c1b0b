import { allocate } from '../dtype.js'
import { sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import { splitAt } from './reduce.js'

/**
 * Concatenates tensors of one dtype along `dim` into a tensor of `outShape`. Each input,
 * read as [outer, n_i, inner], contributes one contiguous run of n_i·inner elements per
 * outer index, landing at column offset off_i·inner of the output's row. Long runs are
 * copied with `set` (a memcpy); short ones with a plain loop, since a `subarray` view per
 * row would allocate in the loop.
 */
export function catKernel(tensors: readonly Tensor[], dim: number, outShape: Shape): Tensor {
  const out = allocate(tensors[0].dtype, sizeOf(outShape))
  const [outer, total, inner] = splitAt(outShape, dim)
  const rowOut = total * inner
  let off = 0
  for (const t of tensors) {
    const src = t.contiguousData()
    const run = (t.rank === 0 ? 1 : t.shape[dim]) * inner
    if (run >= 64) {
      for (let o = 0; o < outer; o++) out.set(src.subarray(o * run, (o + 1) * run), o * rowOut + off)
    } else {
      for (let o = 0; o < outer; o++) {
        const from = o * run
        const to = o * rowOut + off
        for (let j = 0; j < run; j++) out[to + j] = src[from + j]
      }
    }
    off += run
  }
  return Tensor.fromArray(out, outShape)
}
