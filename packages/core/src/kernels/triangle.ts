import { allocate } from '../dtype.js'
import { Tensor } from '../tensor.js'

/**
 * The upper (j − i ≥ diagonal) or lower (j − i ≤ diagonal) triangle of each matrix in the
 * last two dims, zeros elsewhere. One pass over packed data.
 */
export function triangleKernel(x: Tensor, diagonal: number, upper: boolean): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, src.length)
  const rows = x.shape[x.rank - 2]
  const cols = x.shape[x.rank - 1]
  const matrix = rows * cols
  for (let base = 0; base < src.length; base += matrix) {
    for (let i = 0; i < rows; i++) {
      const row = base + i * cols
      // The kept columns of row i: [i + diagonal, cols) above, [0, i + diagonal] below.
      const from = upper ? Math.max(0, i + diagonal) : 0
      const to = upper ? cols : Math.min(cols, i + diagonal + 1)
      for (let j = from; j < to; j++) out[row + j] = src[row + j]
    }
  }
  return Tensor.fromArray(out, x.shape)
}
