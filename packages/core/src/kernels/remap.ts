import { allocate } from '../dtype.js'
import { sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

/**
 * Where each output position along one dim reads from in the input: `table[j]` is the input
 * position, or −1 for "no input here" (the output gets `fill`). `null` is the identity.
 */
export type DimTable = Int32Array | null

/**
 * out[i₀, …, iₖ] = x[t₀[i₀], …, tₖ[iₖ]], or `fill` where any tᵈ[iᵈ] is −1: one pass over the
 * output, reading x through its own strides (views need no packing first). Flip (a reversed
 * table), roll (a rotated one), tile (j mod n), pad (−1 in the margins, an offset inside) and
 * indexSelect (the index values along one dim) are all this loop with different tables.
 * `tableOf(d)` gives dim d's table; it is asked only when the output has elements, since an
 * empty output may still have a huge dim (tile of a [0, 1] tensor by [1e9, 1e9]) whose table
 * would be gigabytes for nothing.
 */
export function remap(x: Tensor, tableOf: (d: number) => DimTable, outShape: Shape, fill = 0): Tensor {
  const size = sizeOf(outShape)
  const out = allocate(x.dtype, size)
  const rank = outShape.length
  const src = x.storage.data
  if (size === 0) return Tensor.fromArray(out, outShape)
  if (rank === 0) {
    out[0] = src[x.offset]
    return Tensor.fromArray(out, outShape)
  }
  const strides = x.strides
  // The input position along dim d at output position j, as an offset (−1 marks a fill).
  const offsets = outShape.map((n, d) => {
    const table = tableOf(d)
    const o = new Float64Array(n)
    for (let j = 0; j < n; j++) {
      const at = table === null ? j : table[j]
      o[j] = at < 0 ? -1 : at * strides[d]
    }
    return o
  })
  const last = rank - 1
  const n = outShape[last]
  const inner = offsets[last]
  const index = new Int32Array(rank)
  // base: the offset of the outer dims' positions; missing: how many of them are fills.
  let base = x.offset
  let missing = 0
  for (let d = 0; d < last; d++) {
    const o = offsets[d][0]
    if (o < 0) missing++
    else base += o
  }
  for (let k = 0; k < size; k += n) {
    if (missing > 0) {
      for (let j = 0; j < n; j++) out[k + j] = fill
    } else {
      for (let j = 0; j < n; j++) {
        const o = inner[j]
        out[k + j] = o < 0 ? fill : src[base + o]
      }
    }
    let d = last - 1
    while (d >= 0) {
      const od = offsets[d]
      const before = od[index[d]]
      if (before < 0) missing--
      else base -= before
      index[d]++
      if (index[d] === outShape[d]) index[d] = 0
      const after = od[index[d]]
      if (after < 0) missing++
      else base += after
      if (index[d] !== 0) break
      d--
    }
  }
  return Tensor.fromArray(out, outShape)
}

/** The identity table of n positions shifted by `from` (−1 outside [0, size)): one dim of pad. */
export function shiftTable(n: number, from: number, size: number): Int32Array {
  const t = new Int32Array(n)
  for (let j = 0; j < n; j++) {
    const at = j + from
    t[j] = at >= 0 && at < size ? at : -1
  }
  return t
}
