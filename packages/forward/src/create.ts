import { tensor as coreTensor, type Tensor, type TensorLike, type TensorOptions } from '@ad/core'
import { optionsOf } from '@ad/core'

export interface ForwardTensorOptions extends TensorOptions {
  /** Accepted so code written for either engine runs unchanged; forward mode ignores it. */
  requiresGrad?: boolean
}

/** `tensor(data, { dtype?, requiresGrad? })`, as both engines take it (SPEC). */
export function tensor(data: TensorLike, options?: ForwardTensorOptions): Tensor {
  const { requiresGrad: _ignored, ...rest } = optionsOf<ForwardTensorOptions>('tensor()', options)
  return coreTensor(data, rest)
}
