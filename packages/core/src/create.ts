import { allocate, dtypeOf, isDType, type DType, type FloatArray } from './dtype.js'
import { describeValue, invalid, optionsOf } from './errors.js'
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
  if (!isDType(dtype)) throw invalid(`dtype must be 'float64' or 'float32', got ${describeValue(dtype)}.`)
  return dtype
}

/**
 * The most dims a tensor may have. PyTorch's kernels cap ranks too (at 25 or 64 depending on
 * the path); ours keeps a runaway nesting from recursing past the stack.
 */
export const MAX_RANK = 64

/** The shape of a nested array, read down its first elements (`fill` then checks the rest). */
function nestedShape(data: NestedArray): number[] {
  const shape: number[] = []
  let level: NestedArray = data
  while (Array.isArray(level)) {
    if (shape.length === MAX_RANK) throw invalid(`tensor(): the data is nested more than ${MAX_RANK} levels deep; a tensor has at most ${MAX_RANK} dims.`)
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
      throw invalid(`tensor(): expected a number${where}, got ${Array.isArray(data) ? 'an array (the array is ragged)' : describeValue(data)}.`)
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
    if (!(i in data)) throw invalid(`tensor(): the array has an empty slot at [${[...path, i].join('][')}]; fill it with a number.`)
    path.push(i)
    at = fill(data[i], shape, dim + 1, out, at, path)
    path.pop()
  }
  return at
}

/** A plain tensor from a number, nested arrays, a typed array (Float64/Float32/Int32, with `{ shape }`) or a tensor (copied). */
export function tensor(data: TensorLike, opts?: TensorOptions): Tensor {
  const options = optionsOf<TensorOptions>('tensor()', opts)
  if (data instanceof Tensor) return data.to(options.dtype === undefined ? data.dtype : checkDType(options.dtype)).clone()
  if (data instanceof Float64Array || data instanceof Float32Array || data instanceof Int32Array) {
    // Int32Array data (index arguments: gather, class targets) becomes a float tensor of integer values.
    const dtype = options.dtype === undefined ? (data instanceof Int32Array ? 'float64' : dtypeOf(data)) : checkDType(options.dtype)
    const shape = options.shape === undefined ? [data.length] : checkShape(options.shape)
    if (sizeOf(shape) !== data.length) {
      throw invalid(`tensor(): shape [${shape.join(',')}] holds ${sizeOf(shape)} elements but the array has ${data.length}.`)
    }
    const copy = allocate(dtype, data.length)
    copy.set(data)
    return Tensor.fromArray(copy, [...shape])
  }
  const dtype = checkDType(options.dtype)
  if (typeof data !== 'number' && !Array.isArray(data)) {
    throw invalid(`tensor(): expected a number, nested arrays of numbers or a Float64Array/Float32Array/Int32Array, got ${describeValue(data)}.`)
  }
  const shape = nestedShape(data)
  const out = allocate(dtype, sizeOf(shape))
  fill(data, shape, 0, out, 0, [])
  if (options.shape !== undefined) throw invalid('tensor(): `shape` applies only to typed-array data.')
  return Tensor.fromArray(out, shape)
}

/** A copy of a user's shape, checked: an array of at most MAX_RANK non-negative integers, no holes. */
export function checkShape(shape: Shape): number[] {
  const ok = Array.isArray(shape) && shape.length <= MAX_RANK
  const out: number[] = []
  for (let i = 0; ok && i < shape.length; i++) {
    const d = shape[i]
    if (!Number.isSafeInteger(d) || d < 0) break
    out.push(d)
  }
  if (!ok || out.length !== shape.length) {
    throw invalid(`expected a shape (an array of at most ${MAX_RANK} non-negative integers), got ${describeValue(shape)}.`)
  }
  return out
}

export function full(shape: Shape, value: number, opts?: CreateOptions): Tensor {
  const options = optionsOf<CreateOptions>('full()', opts)
  const s = checkShape(shape)
  if (typeof value !== 'number') throw invalid(`full(): the fill value must be a number, got ${describeValue(value)}.`)
  const out = allocate(checkDType(options.dtype), sizeOf(s))
  if (value !== 0) out.fill(value)
  return Tensor.fromArray(out, s)
}

export const zeros = (shape: Shape, options?: CreateOptions): Tensor => full(shape, 0, options)
export const ones = (shape: Shape, options?: CreateOptions): Tensor => full(shape, 1, options)

/**
 * `arange(n)` is 0..n-1; `arange(start, end, step?)` stops before `end`, as in PyTorch. The
 * options may follow any of these (`arange(5, { dtype: 'float32' })`).
 */
export function arange(startOrEnd: number, ...rest: (number | CreateOptions | undefined)[]): Tensor {
  const options = optionsOf<CreateOptions>('arange()', typeof rest[rest.length - 1] === 'object' ? rest.pop() : undefined)
  const [end, step = 1] = rest as (number | undefined)[]
  const [start, stop] = end === undefined ? [0, startOrEnd] : [startOrEnd, end]
  for (const [name, v] of [['start', start], ['end', stop], ['step', step]] as const) {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(`arange(): ${name} must be a finite number, got ${describeValue(v)}.`)
  }
  if (step === 0) throw invalid('arange(): step must be non-zero.')
  const n = Math.max(0, Math.ceil((stop - start) / step))
  const out = allocate(checkDType(options.dtype), n)
  for (let i = 0; i < n; i++) out[i] = start + i * step
  return Tensor.fromArray(out, [n])
}

/** Uniform in [0, 1), from the seeded generator (see `manualSeed`). */
export function rand(shape: Shape, opts?: CreateOptions): Tensor {
  const options = optionsOf<CreateOptions>('rand()', opts)
  const s = checkShape(shape)
  const out = allocate(checkDType(options.dtype), sizeOf(s))
  for (let i = 0; i < out.length; i++) out[i] = random.uniform()
  return Tensor.fromArray(out, s)
}

/** Standard normal, by Box–Muller on the seeded generator. */
export function randn(shape: Shape, opts?: CreateOptions): Tensor {
  const options = optionsOf<CreateOptions>('randn()', opts)
  const s = checkShape(shape)
  const out = allocate(checkDType(options.dtype), sizeOf(s))
  for (let i = 0; i < out.length; i++) out[i] = random.normal()
  return Tensor.fromArray(out, s)
}

function checkCount(what: string, n: unknown): number {
  if (!Number.isSafeInteger(n) || (n as number) < 0) throw invalid(`${what} must be a non-negative integer, got ${describeValue(n)}.`)
  return n as number
}

/** The n × m identity (m defaults to n), as torch.eye. */
export function eye(n: number, m?: number | CreateOptions, opts?: CreateOptions): Tensor {
  const cols = typeof m === 'number' ? m : n
  const options = optionsOf<CreateOptions>('eye()', typeof m === 'object' ? m : opts)
  const rows = checkCount('eye(): n', n)
  checkCount('eye(): m', cols)
  const out = allocate(checkDType(options.dtype), sizeOf([rows, cols]))
  for (let i = 0; i < Math.min(rows, cols); i++) out[i * cols + i] = 1
  return Tensor.fromArray(out, [rows, cols])
}

/**
 * `steps` evenly spaced values from start to end, both included, as torch.linspace: the
 * first half counted up from start and the second half down from end, so both ends are
 * exact and the spacing is symmetric.
 */
export function linspace(start: number, end: number, steps: number, opts?: CreateOptions): Tensor {
  const options = optionsOf<CreateOptions>('linspace()', opts)
  for (const [name, v] of [['start', start], ['end', end]] as const) {
    if (typeof v !== 'number' || Number.isNaN(v)) throw invalid(`linspace(): ${name} must be a number, got ${describeValue(v)}.`)
  }
  const n = checkCount('linspace(): steps', steps)
  const out = allocate(checkDType(options.dtype), n)
  const step = n > 1 ? (end - start) / (n - 1) : 0
  const half = Math.floor(n / 2)
  for (let i = 0; i < n; i++) out[i] = i < half || n === 1 ? start + i * step : end - (n - 1 - i) * step
  return Tensor.fromArray(out, [n])
}

/** Anything with a shape (and a dtype): a tensor of any engine; a number is 0-dim float64. */
export type ShapedLike = number | { readonly shape: readonly number[]; readonly dtype?: DType }

function likeOf(what: string, x: ShapedLike, opts: CreateOptions | undefined): [number[], CreateOptions] {
  const options = optionsOf<CreateOptions>(what, opts)
  if (typeof x === 'number') return [[], { dtype: options.dtype ?? 'float64' }]
  if (typeof x !== 'object' || x === null || !Array.isArray(x.shape)) {
    throw invalid(`${what}: expects a tensor (or a number), got ${describeValue(x)}.`)
  }
  return [checkShape(x.shape), { dtype: options.dtype ?? x.dtype ?? 'float64' }]
}

/** Zeros of x's shape and dtype (or `dtype`), as torch.zeros_like. */
export function zerosLike(x: ShapedLike, opts?: CreateOptions): Tensor {
  const [shape, options] = likeOf('zerosLike()', x, opts)
  return full(shape, 0, options)
}

/** Ones of x's shape and dtype (or `dtype`), as torch.ones_like. */
export function onesLike(x: ShapedLike, opts?: CreateOptions): Tensor {
  const [shape, options] = likeOf('onesLike()', x, opts)
  return full(shape, 1, options)
}
