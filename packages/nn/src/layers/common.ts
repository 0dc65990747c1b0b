import { describeValue, zeros, type DType } from '@ad/reverse'
import { Parameter } from '../parameter.js'
import { invalid } from '../errors.js'

export interface DTypeOption {
  /** float32 by default, PyTorch's default dtype. */
  dtype?: DType
}

/** A zero-filled parameter, to be initialised. */
export function emptyParameter(shape: readonly number[], dtype: DType = 'float32'): Parameter {
  if (dtype !== 'float32' && dtype !== 'float64') throw invalid(`dtype must be 'float32' or 'float64', got ${describeValue(dtype)}.`)
  return new Parameter(zeros(shape, { dtype }))
}

export function positiveInt(layer: string, what: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw invalid(`${layer}: ${what} must be a positive integer, got ${describeValue(v)}.`)
  return v
}
