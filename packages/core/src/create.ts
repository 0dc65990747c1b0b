import { allocate, dtypeOf, isDType, type DType, type FloatArray } from './dtype.js'
import { invalid } from './errors.js'
import { sizeOf, type Shape } from './shape.js'
import { Tensor, type NestedArray } from './tensor.js'
import { random } from './random.js'

export interface CreateOptions {
  dtype?: DType
}

export interface TensorOptions extends CreateOptions {
  /** For typed-array data: the shape to view it as (default: 1-D). */
  shape?: Shape
}

/** Anything a user may pass where a tensor is expected. */
export type TensorLike = number | NestedArray | FloatArray | Int32Array | Tensor

function checkDType(dtype: unknown): DType {
  if (dtype === undefined) return 'float64'
  if (!isDType(dtype)) throw invalid(`dtype must be 'float64' or 'float32', got ${JSON.stringify(dtype)}.`)
  return dtype
}

/** The shape of a nested array, checking it is rectangular and all numbers. */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = []
  let level: NestedArray = data
  while (Array.isArray(level)) {
    shape.push(level.length)
    if (level.length === 0) break
    level = level[0]
  }
  return shape
}

function fill(data: NestedArray, shape: number[], dim: number, out: FloatArray, at: number, path: number[]): number {
  if (dim === shape.length) {
    if (typeof data !== 'number') {
      const where = path.length ? ` at [${path.join('][')}]` : ''
      throw invalid(`tensor(): expected a number${where}, got ${Array.isArray(data) ? 'an array (the array is ragged)' : JSON.stringify(data)}.`)
    }
    out[at] = data
    return at + 1
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw invalid(
      `tensor(): ragged array at [${path.join('][')}]: expected ${shape[dim]} elements like the first row, ` +
        `got ${Array.isArray(data) ? data.length : 'a number'}. Every row of a dim must have the same length.`,
    )
  }
  for (let i = 0; i < data.length; i++) {
    path.push(i)
    at = fill(data[i], shape, dim + 1, out, at, path)
    path.pop()
  }
  return at
}

/** A plain tensor from a number, nested arrays, a typed array (Float64/Float32/Int32, with `{ shape }`) or a tensor (copied). */
export function tensor(data: TensorLike, options: TensorOptions = {}): Tensor {
  if (data instanceof Tensor) return data.to(options.dtype ?? data.dtype).clone()
  if (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array) {
    // Int32Array data (index arguments: gather, class targets) becomes a float tensor of integer values.
    const dtype = options.dtype ?? (data instanceof Int32Array ? 'float64' : dtypeOf(data))
    const shape = options.shape ?? [data.length]
    if (sizeOf(shape) !== data.length) {
      throw invalid(`tensor(): shape [${shape.join(',')}] holds ${sizeOf(shape)} elements but the array has ${data.length}.`)
    }
    const copy = allocate(dtype, data.length)
    copy.set(data)
    return Tensor.fromArray(copy, [...shape])
  }
  const dtype = checkDType(options.dtype)
  if (typeof data !== 'number' && !Array.isArray(data)) {
    throw invalid(`tensor(): expected a number, nested arrays of numbers or a typed array, got ${typeof data}.`)
  }
  const shape = nestedShape(data)
  const out = allocate(dtype, sizeOf(shape))
  fill(data, shape, 0, out, 0, [])
  if (options.shape !== undefined) throw invalid('tensor(): `shape` applies only to typed-array data.')
  return Tensor.fromArray(out, shape)
}

function checkShape(shape: Shape): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalid(`expected a shape (an array of non-negative integers), got ${JSON.stringify(shape)}.`)
  }
  return [...shape]
}

export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  const s = checkShape(shape)
  const out = allocate(checkDType(options.dtype), sizeOf(s))
  if (value !== 0) out.fill(value)
  return Tensor.fromArray(out, s)
}

export const zeros = (shape: Shape, options: CreateOptions = {}): Tensor => full(shape, 0, options)
export const ones = (shape: Shape, options: CreateOptions = {}): Tensor => full(shape, 1, options)

/** `arange(n)` is 0..n-1; `arange(start, end, step?)` stops before `end`, as in PyTorch. */
export function arange(startOrEnd: number, end?: number, step = 1, options: CreateOptions = {}): Tensor {
  const [start, stop] = end === undefined ? [0, startOrEnd] : [startOrEnd, end]
  if (step === 0 || !Number.isFinite(step)) throw invalid(`arange(): step must be a finite non-zero number, got ${step}.`)
  const n = Math.max(0, Math.ceil((stop - start) / step))
  const out = allocate(checkDType(options.dtype), n)
  for (let i = 0; i < n; i++) out[i] = start + i * step
  return Tensor.fromArray(out, [n])
}

/** Uniform in [0, 1), from the seeded generator (see `manualSeed`). */
export function rand(shape: Shape, options: CreateOptions = {}): Tensor {
  const s = checkShape(shape)
  const out = allocate(checkDType(options.dtype), sizeOf(s))
  for (let i = 0; i < out.length; i++) out[i] = random.uniform()
  return Tensor.fromArray(out, s)
}

/** Standard normal, by Box–Muller on the seeded generator. */
export function randn(shape: Shape, options: CreateOptions = {}): Tensor {
  const s = checkShape(shape)
  const out = allocate(checkDType(options.dtype), sizeOf(s))
  for (let i = 0; i < out.length; i++) out[i] = random.normal()
  return Tensor.fromArray(out, s)
}
