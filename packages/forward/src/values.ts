import { AdError, shapeOf, Tensor, tensor, zeros, type DType, type Value } from '@ad/core'
import { isTraced } from '@ad/core/internal'

/** A number is "weak" (it takes the dtype of what it meets); alone it is float64. */
export function dtypeOfValue(v: Value): DType {
  return typeof v === 'number' ? 'float64' : v.dtype
}

/** An exact zero of a value's shape and dtype: `0` for a number. */
export function zerosLike(v: Value): Value {
  return typeof v === 'number' ? 0 : zeros(shapeOf(v), { dtype: v.dtype })
}

export function sizeOfValue(v: Value): number {
  if (typeof v === 'number') return 1
  let n = 1
  for (const d of v.shape) n *= d
  return n
}

/**
 * A primal or tangent as the user gave it, as a value ops accept: numbers, tensors and
 * traced values stay as they are; nested arrays and typed arrays become tensors.
 */
export function toValue(where: string, x: unknown): Value {
  if (isValue(x)) return x
  if (Array.isArray(x) || x instanceof Float64Array || x instanceof Float32Array) return tensor(x as never)
  throw new AdError(
    'INVALID_ARGUMENT',
    `${where} is ${describe(x)}; expected a tensor, a number or nested arrays of numbers.`,
  )
}

export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`
}

export function invalid(message: string): AdError {
  return new AdError('INVALID_ARGUMENT', message)
}

/** Whether `x` is a value ops take as one tensor: a number, a tensor or a traced value. */
export function isValue(x: unknown): x is Value {
  return typeof x === 'number' || x instanceof Tensor || isTraced(x)
}

/** How error messages name what they got. */
export function describe(x: unknown): string {
  if (isValue(x)) return `a value of shape ${fmt(shapeOf(x))}`
  if (x === null) return 'null'
  if (Array.isArray(x)) return 'an array'
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`
}

/** The dtype of a result mixing `dtype` with `v`'s: float64 if either is, numbers being weak. */
export function commonDtype(dtype: DType, v: Value): DType {
  return typeof v === 'number' || v.dtype === dtype ? dtype : 'float64'
}
