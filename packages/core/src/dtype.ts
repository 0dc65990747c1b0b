import { allocateBuffer } from './buffers.js'
import { invalid } from './errors.js'

export type DType = 'float64' | 'float32'
export type FloatArray = Float64Array | Float32Array

export function isDType(x: unknown): x is DType {
  return x === 'float64' || x === 'float32'
}

/**
 * The most elements a tensor may hold, and the most bytes (SPEC): larger requests are refused
 * before anything is allocated, since they are almost always a mistake (a wrong dim, an
 * `arange(Infinity)`) and the allocator's own failure says nothing useful.
 */
export const MAX_ELEMENTS = 2 ** 31 - 1
export const MAX_BYTES = 4 * 2 ** 30

export function bytesPerElement(dtype: DType): number {
  return dtype === 'float32' ? 4 : 8
}

/** Throws INVALID_ARGUMENT unless `size` elements of `dtype` are within the limits. */
export function checkAllocation(dtype: DType, size: number, what = 'a tensor'): void {
  if (!Number.isSafeInteger(size) || size < 0) throw invalid(`cannot make ${what} of ${size} elements; a size is a non-negative integer.`)
  if (size > MAX_ELEMENTS || size * bytesPerElement(dtype) > MAX_BYTES) {
    throw invalid(
      `refusing to allocate ${what} of ${size} ${dtype} elements (${(size * bytesPerElement(dtype)) / 2 ** 30} GiB): ` +
        `the limit is ${MAX_ELEMENTS} elements and 4 GiB. Check the shape for a wrong dim.`,
    )
  }
}

/** A zeroed buffer (a recycled one within an engine's scope: see buffers.ts). */
export function allocate(dtype: DType, size: number): FloatArray {
  return allocateChecked(dtype, size, true)
}

/** A buffer whose every element the caller is about to write (a recycled one is not zeroed first). */
export function allocateUnset(dtype: DType, size: number): FloatArray {
  return allocateChecked(dtype, size, false)
}

function allocateChecked(dtype: DType, size: number, zero: boolean): FloatArray {
  checkAllocation(dtype, size)
  try {
    return allocateBuffer(dtype === 'float32', size, zero)
  } catch (error) {
    // Within the limits but more than this process can have.
    throw invalid(`could not allocate ${size} ${dtype} elements (${String((error as Error).message)}); free memory or use smaller tensors.`)
  }
}

export function dtypeOf(array: FloatArray): DType {
  return array instanceof Float32Array ? 'float32' : 'float64'
}

/** float32 only when every operand is float32: mixing promotes to float64, as the SPEC says. */
export function promote(a: DType, b: DType): DType {
  return a === 'float32' && b === 'float32' ? 'float32' : 'float64'
}
