import { Storage, Tensor as CoreTensor, type DType } from '@ad/core'
import { Tensor } from './tensor.js'

/** Shape and strides of every 0-dim tensor made here: shared, and frozen so nobody writes to them. */
const SCALAR: readonly number[] = Object.freeze([])

/**
 * 0-dim results live in slabs: one typed array holds many scalars, each tensor its own
 * `Storage` (so version counters stay per tensor) at its own offset. Allocating a typed
 * array costs as much as the rest of a scalar op, so this is what makes the W1 hot path
 * cheap. A slab is freed when the last tensor in it is; it is small, so a long-lived scalar
 * keeps at most 2 kB alive.
 */
const SLAB = 256
let slab64 = new Float64Array(SLAB)
let used64 = 0
let slab32 = new Float32Array(SLAB)
let used32 = 0

/** A fresh 0-dim reverse tensor holding `value`. */
export function scalarTensor(value: number, dtype: DType): Tensor {
  if (dtype === 'float32') {
    if (used32 === SLAB) {
      slab32 = new Float32Array(SLAB)
      used32 = 0
    }
    slab32[used32] = value
    return new Tensor(new Storage(slab32), SCALAR, SCALAR, used32++)
  }
  if (used64 === SLAB) {
    slab64 = new Float64Array(SLAB)
    used64 = 0
  }
  slab64[used64] = value
  return new Tensor(new Storage(slab64), SCALAR, SCALAR, used64++)
}

/** A reverse tensor viewing the same storage as a plain one (no copy, no history). */
export function wrap(t: CoreTensor): Tensor {
  return new Tensor(t.storage, t.shape, t.strides, t.offset)
}

/** The value of a 0-dim tensor or a number. */
export function scalarOf(v: unknown): number {
  return typeof v === 'number' ? v : (v as CoreTensor).storage.data[(v as CoreTensor).offset]
}
