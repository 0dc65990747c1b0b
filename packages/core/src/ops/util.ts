import { zeros } from '../create.js'
import type { Value } from '../dispatch.js'
import { allocate, type DType } from '../dtype.js'
import { fmtShape, invalid } from '../errors.js'
import type { Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

// Helpers shared by op families. Not re-exported from ops/index.ts: every export there
// becomes a tensor method type (see OpMethods), so only ops belong in those files.

export function dtypeOfValue(v: Value): DType {
  return typeof v === 'number' ? 'float64' : v.dtype
}

/**
 * Exact zeros of `shape` in the dtype of `like`: the constant filler a rule needs where an
 * input has no tangent (cat) or a cotangent has no source (the elements a slice skipped).
 * Same dtype as `like`, so a float32 gradient never gets promoted by its filler.
 */
export function zerosLike(like: Value, shape: Shape): Tensor {
  return zeros([...shape], { dtype: dtypeOfValue(like) })
}

/** 0, 1, …, n-1 laid along `dim` of a tensor of `rank` (size 1 elsewhere), to compare against indices. */
export function positionsAlong(n: number, dim: number, rank: number, dtype: DType): Tensor {
  const data = allocate(dtype, n)
  for (let i = 0; i < n; i++) data[i] = i
  return Tensor.fromArray(data, Array.from({ length: rank }, (_, d) => (d === dim ? n : 1)))
}

/**
 * A dim as PyTorch takes it, checked against a tensor of `shape`: negative counts from the
 * end; `positions` is how many places there are (rank, or rank + 1 for unsqueeze/stack).
 * A 0-dim tensor accepts 0 and -1, as in PyTorch. The message names the op and the shape.
 */
export function checkDim(op: string, dim: number, shape: Shape, positions = shape.length): number {
  const n = Math.max(positions, 1)
  if (!Number.isInteger(dim) || dim < -n || dim >= n) {
    throw invalid(`${op}: dim ${dim} is out of range [${-n}, ${n - 1}] for a tensor of shape ${fmtShape(shape)}.`)
  }
  return dim < 0 ? dim + n : dim
}
