import { Tensor, tensor, type DType } from '@ad/core'
import { isTraced } from '@ad/core/internal'

/** A value read back from an engine or a kernel: row-major float64 data and its shape. */
export interface Dense {
  shape: readonly number[]
  data: Float64Array
  dtype: DType
}

/**
 * Reads a result: a number, or a tensor (a core tensor or an engine's subclass of it).
 * `null`/`undefined` is an engine's exact zero and reads as zeros of `zeroShape` if given.
 */
export function dense(v: unknown, what: string, zeroShape?: readonly number[]): Dense {
  if ((v === null || v === undefined) && zeroShape !== undefined) {
    return { shape: zeroShape, data: new Float64Array(zeroShape.reduce((p, d) => p * d, 1)), dtype: 'float64' }
  }
  if (typeof v === 'number') return { shape: [], data: Float64Array.of(v), dtype: 'float64' }
  if (v instanceof Tensor) return { shape: [...v.shape], data: Float64Array.from(v.contiguousData()), dtype: v.dtype }
  const kind = isTraced(v) ? 'a value still tracked by an engine' : v === null ? 'null' : typeof v
  throw new Error(`${what} is ${kind}; expected a number or a plain tensor`)
}

export function toTensor(shape: readonly number[], data: Float64Array, dtype: DType = 'float64'): Tensor {
  return tensor(data, { shape: [...shape], dtype })
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i])
}

export const fmtShape = (s: readonly number[]): string => `[${s.join(',')}]`

export function allFinite(data: ArrayLike<number>): boolean {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false
  return true
}

export function maxAbs(data: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < data.length; i++) m = Math.max(m, Math.abs(data[i]))
  return m
}
