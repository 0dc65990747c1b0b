import * as core from '@ad/core'
import { AdError, Tensor as CoreTensor, type DType, type NestedArray, type Shape } from '@ad/core'
import { describeValue, optionsOf } from '@ad/core'
import { Tensor } from './tensor.js'
import { wrap } from './wrap.js'

export interface CreateOptions {
  dtype?: DType
  /** Make the new tensor a leaf that requires grad. */
  requiresGrad?: boolean
}

export interface TensorOptions extends CreateOptions {
  /** For typed-array data: the shape to view it as (default: 1-D). */
  shape?: Shape
}

/** The options of a creation call, checked before anything is made. */
function creation(who: string, options: unknown): CreateOptions {
  const checked = optionsOf<CreateOptions>(who, options)
  if (checked.requiresGrad !== undefined && typeof checked.requiresGrad !== 'boolean') {
    throw new AdError('INVALID_ARGUMENT', `${who}: requiresGrad must be true or false, got ${describeValue(checked.requiresGrad)}.`)
  }
  return checked
}

function leaf(t: CoreTensor, options: CreateOptions): Tensor {
  const out = wrap(t)
  if (options.requiresGrad) out.requiresGrad_(true)
  return out
}

/**
 * A new leaf from a number, nested arrays, a typed array (with `{ shape }`) or a tensor (copied).
 * Tensors inside nested arrays contribute their values only: `tensor([a, b])` has no
 * history (use `stack` to keep the graph).
 */
export function tensor(data: unknown, options?: TensorOptions): Tensor {
  const { requiresGrad, ...rest } = creation('tensor()', options) as TensorOptions
  return leaf(core.tensor(valuesOf(data, 0) as core.TensorLike, rest), { requiresGrad })
}

/** Nested arrays with the tensors inside them read as their values (a loop for the depth core refuses). */
function valuesOf(data: unknown, depth: number): unknown {
  if (!Array.isArray(data) || depth > core.MAX_RANK) return data
  return data.map((x) => (x instanceof CoreTensor ? x.tolist() : valuesOf(x, depth + 1)))
}

/** A reverse creation function from core's shape-taking one: the same call, then `requiresGrad`. */
function fromShape(name: string, make: (shape: Shape, options: { dtype?: DType }) => CoreTensor): (shape: Shape, options?: CreateOptions) => Tensor {
  return (shape, options) => {
    const opts = creation(`${name}()`, options)
    return leaf(make(shape, { dtype: opts.dtype }), opts)
  }
}

export const zeros = fromShape('zeros', core.zeros)
export const ones = fromShape('ones', core.ones)

export function full(shape: Shape, value: number, options?: CreateOptions): Tensor {
  const opts = creation('full()', options)
  return leaf(core.full(shape, value, { dtype: opts.dtype }), opts)
}

/** `arange(n)` is 0..n-1; `arange(start, end, step?)` stops before `end`; options may come last. */
export function arange(...args: (number | CreateOptions | undefined)[]): Tensor {
  const last = args[args.length - 1]
  const options = creation('arange()', typeof last === 'object' ? args.pop() : undefined)
  if (args.length < 1 || args.length > 3 || args.some((a) => typeof a !== 'number')) {
    throw new AdError('INVALID_ARGUMENT', 'arange: expects arange(end), arange(start, end) or arange(start, end, step), then optional { dtype, requiresGrad }.')
  }
  const [a, b, step] = args as number[]
  return leaf(core.arange(a, b, step, { dtype: options.dtype }), options)
}

/** Uniform in [0, 1), repeatable after `manualSeed`. */
export const rand = fromShape('rand', core.rand)

/** Standard normal, repeatable after `manualSeed`. */
export const randn = fromShape('randn', core.randn)

/** The n × m identity (m defaults to n); options may come last. */
export function eye(n: number, m?: number | CreateOptions, options?: CreateOptions): Tensor {
  const opts = creation('eye()', typeof m === 'object' ? m : options)
  return leaf(core.eye(n, typeof m === 'number' ? m : n, { dtype: opts.dtype }), opts)
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  const opts = creation('linspace()', options)
  return leaf(core.linspace(start, end, steps, { dtype: opts.dtype }), opts)
}

/** Zeros of x's shape and dtype (unless `dtype` is given), a new leaf. */
export function zerosLike(x: core.ShapedLike, options?: CreateOptions): Tensor {
  const opts = creation('zerosLike()', options)
  return leaf(core.zerosLike(x, { dtype: opts.dtype }), opts)
}

/** Ones of x's shape and dtype (unless `dtype` is given), a new leaf. */
export function onesLike(x: core.ShapedLike, options?: CreateOptions): Tensor {
  const opts = creation('onesLike()', options)
  return leaf(core.onesLike(x, { dtype: opts.dtype }), opts)
}

export type { NestedArray }
