import { Tensor, type Storage } from '@ad/reverse'

/**
 * A tensor that is a module's weight: a reverse leaf that requires grad (unless told not
 * to), sharing the storage of the tensor it wraps, as PyTorch's `nn.Parameter`.
 */
export class Parameter extends Tensor {
  constructor(data: { storage: Storage; shape: readonly number[]; strides: readonly number[]; offset: number }, requiresGrad = true) {
    super(data.storage, data.shape, data.strides, data.offset)
    if (requiresGrad) this.requiresGrad_(true)
  }
}
