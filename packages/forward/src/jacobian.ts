import { expandTo, index, reshape, shapeOf, stack, zeros, type DType, type MaybeZero, type Tensor, type Value } from '@ad/core'
import { isTraced } from '@ad/core/internal'
import type { Leaf, SweepResult } from './sweep.js'

// Reading the Jacobian out of a sweep's chunk tangents: the column for input element g
// (its derivatives) is row g - start of the tangent of the chunk holding g.

/**
 * Each chunk's tangent as [k, ...outShape]: broadcast back to the output's shape if a rule
 * left it smaller, and reshaped when the caller reads a one-element output as [] (grad).
 */
export function chunkTangents(result: SweepResult, outShape: readonly number[]): MaybeZero[] {
  const own = shapeOf(result.value)
  return result.chunks.map((c) => {
    if (c.tangent === null) return null
    const t = expandTo(c.tangent, [c.size, ...own])
    return own.length === outShape.length ? t : reshape(t, { shape: [c.size, ...outShape] })
  })
}

/**
 * One leaf's block of the Jacobian, shape [...outShape, ...leafShape]: entry (o, e) is
 * element o of the tangent row of input element (offset + e). Plain tangents are copied
 * directly; tangents of an enclosing transform (nesting) are assembled with core ops, so
 * that transform keeps differentiating through them. `asNumber`: a 0-dim block as a number.
 */
export function jacobianBlock(
  result: SweepResult, tangents: readonly MaybeZero[], leaf: Leaf, outShape: readonly number[], dtype: DType, asNumber: boolean,
): Value {
  const { chunks, chunkSize } = result
  const n = leaf.size
  if (n === 0) return zeros([...outShape, ...leaf.shape], { dtype })
  const first = Math.floor(leaf.offset / chunkSize)
  const last = Math.floor((leaf.offset + n - 1) / chunkSize)
  let traced = false
  for (let c = first; c <= last; c++) if (isTraced(tangents[c])) traced = true

  if (!traced) {
    const block = zeros([...outShape, ...leaf.shape], { dtype })
    const buf = block.storage.data
    const outSize = block.size / n
    for (let c = first; c <= last; c++) {
      const t = tangents[c]
      if (t === null) continue
      const data = (t as Tensor).contiguousData()
      const { start, size } = chunks[c]
      const lo = Math.max(leaf.offset, start)
      const hi = Math.min(leaf.offset + n, start + size)
      for (let g = lo; g < hi; g++) {
        const e = g - leaf.offset
        const r = g - start
        for (let o = 0; o < outSize; o++) buf[o * n + e] = data[r * outSize + o]
      }
    }
    return asNumber && block.size === 1 && block.shape.length === 0 ? buf[0] : block
  }

  // One chunk that is exactly this leaf, with a scalar output: the tangent is the block.
  const only = chunks[first]
  if (outShape.length === 0 && first === last && only.start === leaf.offset && only.size === n) {
    return reshape(tangents[first]!, { shape: [...leaf.shape] })
  }
  const rows = new Array<Value>(n)
  for (let e = 0; e < n; e++) {
    const g = leaf.offset + e
    const c = Math.floor(g / chunkSize)
    const t = tangents[c] ?? zeros([chunks[c].size, ...outShape], { dtype })
    rows[e] = index(t, { index: g - chunks[c].start })
  }
  return reshape(stack(rows, { dim: outShape.length }), { shape: [...outShape, ...leaf.shape] })
}
