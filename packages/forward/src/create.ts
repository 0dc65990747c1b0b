import * as core from '@ad/core'
import { optionsOf, tensor as coreTensor, type CreateOptions, type Tensor, type TensorLike, type TensorOptions } from '@ad/core'

export interface ForwardTensorOptions extends TensorOptions {
  /** Accepted so code written for either engine runs unchanged; forward mode ignores it. */
  requiresGrad?: boolean
}

/** `tensor(data, { dtype?, requiresGrad? })`, as both engines take it (SPEC). */
export function tensor(data: TensorLike, options?: ForwardTensorOptions): Tensor {
  const { requiresGrad: _ignored, ...rest } = optionsOf<ForwardTensorOptions>('tensor()', options)
  return coreTensor(data, rest)
}

/** Creation options as both engines take them; forward mode ignores `requiresGrad`. */
export interface ForwardCreateOptions extends CreateOptions {
  requiresGrad?: boolean
}

function dtypeOnly(who: string, options: ForwardCreateOptions | undefined): CreateOptions {
  const { requiresGrad: _ignored, ...rest } = optionsOf<ForwardCreateOptions>(who, options)
  return rest
}

/** The n × m identity (m defaults to n). */
export function eye(n: number, m?: number | ForwardCreateOptions, options?: ForwardCreateOptions): Tensor {
  return core.eye(n, typeof m === 'number' ? m : n, dtypeOnly('eye()', typeof m === 'object' ? m : options))
}

/** `steps` evenly spaced values from start to end, both included. */
export function linspace(start: number, end: number, steps: number, options?: ForwardCreateOptions): Tensor {
  return core.linspace(start, end, steps, dtypeOnly('linspace()', options))
}

/** Zeros of x's shape and dtype (a dual's primal shape; the result is a plain tensor). */
export function zerosLike(x: core.ShapedLike, options?: ForwardCreateOptions): Tensor {
  return core.zerosLike(x, dtypeOnly('zerosLike()', options))
}

/** Ones of x's shape and dtype. */
export function onesLike(x: core.ShapedLike, options?: ForwardCreateOptions): Tensor {
  return core.onesLike(x, dtypeOnly('onesLike()', options))
}
