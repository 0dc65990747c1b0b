import * as core from '@ad/core'
import { AdError, Tensor as CoreTensor, type DType, type NestedArray, type Shape } from '@ad/core'
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

function leaf(t: CoreTensor, options: CreateOptions | undefined): Tensor {
  const out = wrap(t)
  if (options?.requiresGrad) out.requiresGrad_(true)
  return out
}

/**
 * A new leaf from a number, nested arrays, a typed array (with `{ shape }`) or a tensor (copied).
 * Tensors inside nested arrays contribute their values only: `tensor([a, b])` has no
 * history (use `stack` to keep the graph).
 */
export function tensor(data: unknown, options: TensorOptions = {}): Tensor {
  const { requiresGrad, ...rest } = options
  return leaf(core.tensor(valuesOf(data) as core.TensorLike, rest), { requiresGrad })
}

function valuesOf(data: unknown): unknown {
  if (!Array.isArray(data)) return data
  return data.map((x) => (x instanceof CoreTensor ? x.tolist() : valuesOf(x)))
}

export function zeros(shape: Shape, options?: CreateOptions): Tensor {
  return leaf(core.zeros(shape, { dtype: options?.dtype }), options)
}

export function ones(shape: Shape, options?: CreateOptions): Tensor {
  return leaf(core.ones(shape, { dtype: options?.dtype }), options)
}

export function full(shape: Shape, value: number, options?: CreateOptions): Tensor {
  return leaf(core.full(shape, value, { dtype: options?.dtype }), options)
}

/** `arange(n)` is 0..n-1; `arange(start, end, step?)` stops before `end`; options may come last. */
export function arange(...args: (number | CreateOptions | undefined)[]): Tensor {
  const last = args[args.length - 1]
  const options = typeof last === 'object' ? (args.pop() as CreateOptions) : undefined
  if (args.length < 1 || args.length > 3 || args.some((a) => typeof a !== 'number')) {
    throw new AdError('INVALID_ARGUMENT', 'arange: expects arange(end), arange(start, end) or arange(start, end, step), then optional { dtype, requiresGrad }.')
  }
  const [a, b, step] = args as number[]
  return leaf(core.arange(a, b, step, { dtype: options?.dtype }), options)
}

/** Uniform in [0, 1), repeatable after `manualSeed`. */
export function rand(shape: Shape, options?: CreateOptions): Tensor {
  return leaf(core.rand(shape, { dtype: options?.dtype }), options)
}

/** Standard normal, repeatable after `manualSeed`. */
export function randn(shape: Shape, options?: CreateOptions): Tensor {
  return leaf(core.randn(shape, { dtype: options?.dtype }), options)
}

export type { NestedArray }
