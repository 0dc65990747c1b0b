import { fmtShape, invalid, shapeMismatch } from './errors.js'

export type Shape = readonly number[]

export function sizeOf(shape: Shape): number {
  let n = 1
  for (let i = 0; i < shape.length; i++) n *= shape[i]
  return n
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s
    s *= shape[i]
  }
  return strides
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/** NumPy broadcasting: align from the right; a dim of 1 stretches. */
export function broadcastShapes(op: string, ...shapes: Shape[]): number[] {
  let rank = 0
  for (const s of shapes) rank = Math.max(rank, s.length)
  const out = new Array<number>(rank).fill(1)
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i
      const d = s[i]
      if (d === out[o] || d === 1) continue
      if (out[o] === 1) out[o] = d
      else
        throw shapeMismatch(
          `${op}: shapes ${shapes.map(fmtShape).join(' and ')} cannot broadcast (dim ${i - s.length} is ${d} vs ${out[o]}); ` +
            'make the sizes equal or 1.',
        )
    }
  }
  return out
}

/** A dim as PyTorch takes it: negative counts from the end. `rank` is the number of valid positions. */
export function normalizeDim(op: string, dim: number, rank: number): number {
  if (!Number.isInteger(dim)) throw invalid(`${op}: dim ${dim} is not an integer.`)
  const lo = -Math.max(rank, 1)
  const hi = Math.max(rank, 1) - 1
  if (dim < lo || dim > hi) throw invalid(`${op}: dim ${dim} is out of range [${lo}, ${hi}] for a tensor of rank ${rank}.`)
  return dim < 0 ? dim + Math.max(rank, 1) : dim
}

/** Normalised, sorted, de-duplicated dims; undefined means all of them. */
export function normalizeDims(op: string, dims: readonly number[] | undefined, rank: number): number[] {
  if (dims === undefined) return Array.from({ length: rank }, (_, i) => i)
  const out = dims.map((d) => normalizeDim(op, d, rank))
  const set = new Set(out)
  if (set.size !== out.length) throw invalid(`${op}: dims ${JSON.stringify(dims)} repeat a dim.`)
  return [...set].sort((a, b) => a - b)
}

/** The shape left after reducing `dims` (kept as 1s with keepdim). */
export function reducedShape(shape: Shape, dims: readonly number[], keepdim: boolean): number[] {
  const out: number[] = []
  for (let i = 0; i < shape.length; i++) {
    if (!dims.includes(i)) out.push(shape[i])
    else if (keepdim) out.push(1)
  }
  return out
}
