import { Storage, Tensor as CoreTensor, type DType } from '@ad/core'
import { lazyScalar, Tensor } from './tensor.js'

/** Shape and strides of the 0-dim tensors made here: shared, and frozen so nobody writes to them. */
const SCALAR: readonly number[] = Object.freeze([])

/**
 * float32 scalars live in slabs: one typed array holds many, each tensor at its own offset
 * with its own Storage (so version counters stay per tensor), since allocating a typed array
 * costs as much as the rest of a scalar op. A slab is freed when the last tensor in it is;
 * it is small, so a long-lived scalar keeps at most 1 kB alive.
 */
const SLAB = 256
let slab32 = new Float32Array(SLAB)
let used32 = 0

/**
 * A fresh 0-dim reverse tensor holding `value`. A float64 one holds it as a number, its
 * storage made only if asked for (see `Tensor._value`): the scalar results of W1. A float32
 * one must round it to float32, which a number does not hold: it goes in a slab.
 */
export function scalarTensor(value: number, dtype: DType): Tensor {
  if (dtype === 'float64') return lazyScalar(value)
  if (used32 === SLAB) {
    slab32 = new Float32Array(SLAB)
    used32 = 0
  }
  slab32[used32] = value
  return new Tensor(new Storage(slab32), SCALAR, SCALAR, used32++)
}

/** A reverse tensor viewing the same storage as a plain one (no copy, no history). */
export function wrap(t: CoreTensor): Tensor {
  return new Tensor(t.storage, t.shape, t.strides, t.offset)
}

/** The value of a 0-dim tensor or a number (a reverse tensor's without making its storage). */
export function scalarOf(v: unknown): number {
  if (typeof v === 'number') return v
  if (v instanceof Tensor && v._value !== null) return v._value
  return (v as CoreTensor).storage.data[(v as CoreTensor).offset]
}
