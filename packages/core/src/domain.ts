/**
 * What an op accepts, in a form the cross-validation suite can sample from. Core does not
 * depend on a test library: the suite passes in a `Draw` backed by fast-check, so every
 * draw shrinks and replays.
 */
export interface Draw {
  /** An integer in [min, max]. */
  int(min: number, max: number): number
  bool(): boolean
  pick<T>(items: readonly T[]): T
}

/** The values one argument may take. */
export interface ValueDomain {
  min: number
  max: number
  /** Kinks to stay away from (relu at 0, clamp at its bounds): finite differences are wrong there. */
  avoid?: readonly number[]
  /** Integers only (class indices, a condition mask of 0/1). */
  integer?: boolean
  /** Passed as a constant: never differentiated (a class target, a condition, an integer exponent). */
  constant?: boolean
}

export interface ArgSample {
  shape: number[]
  values: ValueDomain
  /**
   * A batch of square matrices (the last two dims) whose diagonal is drawn from this domain
   * instead of `values`: a diagonal that dominates its rows keeps them invertible and
   * well-conditioned (inv, solve, det), and with `symmetric` positive-definite (cholesky).
   */
  diagonal?: ValueDomain
  /**
   * Symmetric matrices (the last two dims), perturbed only symmetrically: for ops that read
   * one triangle and return the symmetric gradient (cholesky), whose derivative along a
   * non-symmetric direction is not the one their VJP transposes.
   */
  symmetric?: boolean
}

export interface Sample {
  args: ArgSample[]
  /** Exactly what a user would pass as the attrs object. */
  attrs: Record<string, unknown>
  /** Every differentiable value must differ from every other (max, maximum: ties are kinks). */
  distinct?: boolean
}

export type Domain = (draw: Draw) => Sample

export const real: ValueDomain = { min: -2, max: 2 }
export const positive: ValueDomain = { min: 0.1, max: 3 }
export const unit: ValueDomain = { min: -0.9, max: 0.9 }

export function values(min: number, max: number, extra: Omit<ValueDomain, 'min' | 'max'> = {}): ValueDomain {
  return { min, max, ...extra }
}

/** A shape of rank in [minRank, maxRank] with dims in [1, maxDim]. */
export function drawShape(draw: Draw, minRank = 0, maxRank = 3, maxDim = 4): number[] {
  const rank = draw.int(minRank, maxRank)
  return Array.from({ length: rank }, () => draw.int(1, maxDim))
}

/** `shape` with some dims replaced by 1 and some leading dims dropped: a shape that broadcasts to it. */
export function drawBroadcastable(draw: Draw, shape: readonly number[]): number[] {
  const drop = draw.int(0, shape.length)
  return shape.slice(drop).map((d) => (draw.int(0, 3) === 0 ? 1 : d))
}

/** A list of distinct dims of `rank`, possibly negative, as a user might write them. */
export function drawDims(draw: Draw, rank: number, min = 1): number[] {
  const dims: number[] = []
  for (let d = 0; d < rank; d++) if (draw.bool()) dims.push(draw.bool() ? d : d - rank)
  while (dims.length < Math.min(min, rank)) {
    const d = draw.int(0, rank - 1)
    if (!dims.some((x) => (x + rank) % rank === d)) dims.push(d)
  }
  return dims
}

/**
 * Calls `f` once for each element (r, c) on or below the diagonal of every matrix (the last
 * two dims, square) of `shape`, with its flat index, that of (c, r), and whether r = c.
 */
export function eachMatrixPair(shape: readonly number[], f: (at: number, mirror: number, diagonal: boolean) => void): void {
  const n = shape[shape.length - 1]
  const matrices = n === 0 ? 0 : shape.reduce((p, d) => p * d, 1) / (n * n)
  for (let m = 0; m < matrices; m++) {
    for (let r = 0; r < n; r++) for (let c = 0; c <= r; c++) f(m * n * n + r * n + c, m * n * n + c * n + r, r === c)
  }
}

/**
 * Gives values drawn from an argument's `values` the matrix structure it declares: each
 * diagonal element from `diagonalValue()` (a value of its `diagonal` domain), the upper
 * triangle a mirror of the lower one when `symmetric`. Every sampler of domains calls it.
 */
export function structureMatrices(arg: ArgSample, data: { [i: number]: number }, diagonalValue: () => number): void {
  if (arg.diagonal === undefined && arg.symmetric !== true) return
  eachMatrixPair(arg.shape, (at, mirror, isDiagonal) => {
    if (isDiagonal) {
      if (arg.diagonal !== undefined) data[at] = diagonalValue()
    } else if (arg.symmetric === true) {
      data[mirror] = data[at]
    }
  })
}
