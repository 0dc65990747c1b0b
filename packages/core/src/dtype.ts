import { allocateBuffer } from './buffers.js'

export type DType = 'float64' | 'float32'
export type FloatArray = Float64Array | Float32Array

export function isDType(x: unknown): x is DType {
  return x === 'float64' || x === 'float32'
}

/** A zeroed buffer (a recycled one within an engine's scope: see buffers.ts). */
export function allocate(dtype: DType, size: number): FloatArray {
  return allocateBuffer(dtype === 'float32', size, true)
}

/** A buffer whose every element the caller is about to write (a recycled one is not zeroed first). */
export function allocateUnset(dtype: DType, size: number): FloatArray {
  return allocateBuffer(dtype === 'float32', size, false)
}

export function dtypeOf(array: FloatArray): DType {
  return array instanceof Float32Array ? 'float32' : 'float64'
}

/** float32 only when every operand is float32: mixing promotes to float64, as the SPEC says. */
export function promote(a: DType, b: DType): DType {
  return a === 'float32' && b === 'float32' ? 'float32' : 'float64'
}
