import { fmtShape, invalid, shapeMismatch } from '../../errors.js'
import type { MaybeZero } from '../../op.js'
import { add } from '../arithmetic.js'

/** Checks an integer attribute against a lower bound (kernel sizes and strides ≥ 1, padding ≥ 0). */
export function atLeast(op: string, name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw invalid(`${op}: '${name}' must be an integer >= ${min}, got ${value}.`)
  }
  return value
}

/** Checks an `ints` attribute holding exactly two positive sizes (a [height, width] pair). */
export function pair(op: string, name: string, value: readonly number[]): [number, number] {
  if (value.length !== 2 || !value.every((v) => Number.isInteger(v) && v >= 1)) {
    throw invalid(`${op}: '${name}' must be two positive integers [height, width], got ${JSON.stringify(value)}.`)
  }
  return [value[0], value[1]]
}

/** Throws SHAPE_MISMATCH unless `shape` has `rank` dims, naming what the argument is. */
export function expectRank(op: string, what: string, shape: readonly number[], rank: number, layout: string): void {
  if (shape.length !== rank) {
    throw shapeMismatch(`${op}: ${what} must be ${rank}-D ${layout}, got shape ${fmtShape(shape)}.`)
  }
}

/** Sums the non-null terms of a tangent; null when all of them are (an exact zero). */
export function addAll(terms: readonly MaybeZero[]): MaybeZero {
  let acc: MaybeZero = null
  for (const t of terms) if (t !== null) acc = acc === null ? t : add(acc, t)
  return acc
}
