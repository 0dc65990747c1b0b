import { AdError, describeValue, tensor, type DType, type NestedArray, type FloatArray, type Tensor } from '@ad/reverse'

/** What `loadStateDict` accepts per key: a tensor, `{ shape, data }`, or nested arrays. */
export type Loadable = TensorLike | { shape: readonly number[]; data: ArrayLike<number> } | NestedArray

/** A value of a state dict as a tensor of `dtype`; INVALID_ARGUMENT naming the key when it is none of the accepted forms. */
export function toLoadable(value: Loadable, key: string, dtype: DType): Tensor {
  if (isTensorLike(value)) return tensor(value.contiguousData(), { shape: value.shape, dtype })
  if (typeof value === 'number' || Array.isArray(value)) return tensor(value, { dtype })
  if (value !== null && typeof value === 'object' && Array.isArray((value as { shape?: unknown }).shape)) {
    const { shape, data } = value as { shape: unknown[]; data: ArrayLike<number> }
    if (!shape.every((d): d is number => Number.isSafeInteger(d) && (d as number) >= 0)) {
      throw new AdError('INVALID_ARGUMENT', `loadStateDict: '${key}' has shape ${describeValue(shape)}; each size must be a non-negative integer.`)
    }
    const n = shape.reduce((p, d) => p * d, 1)
    if (data === undefined || typeof data.length !== 'number' || data.length !== n) {
      throw new AdError('INVALID_ARGUMENT', `loadStateDict: '${key}' has shape [${shape.join(', ')}] (${n} values) but ${data?.length ?? 'no'} data values.`)
    }
    return tensor(Float64Array.from(data), { shape, dtype })
  }
  throw new AdError('INVALID_ARGUMENT', `loadStateDict: '${key}' must be a tensor, { shape, data } or nested arrays.`)
}

/** Any tensor, of this engine or a plain core one: what has a shape and row-major data. */
interface TensorLike {
  readonly shape: readonly number[]
  contiguousData(): FloatArray
}

function isTensorLike(v: unknown): v is TensorLike {
  return typeof v === 'object' && v !== null && typeof (v as TensorLike).contiguousData === 'function' && Array.isArray((v as TensorLike).shape)
}
