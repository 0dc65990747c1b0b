import { normalizeDim, reshape, type Tensor } from '@ad/reverse'
import { checkDropoutProbability, dropout } from '../functional/dropout.js'
import { Module } from '../module.js'
import { expectTensor } from '../errors.js'

export class Identity extends Module {
  override forward(x: Tensor): Tensor {
    return x
  }
}

/** Merges dims startDim..endDim of x into one, as `torch.flatten`. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const s = expectTensor('flatten', x).shape
  const start = normalizeDim('flatten', startDim, s.length)
  const end = normalizeDim('flatten', endDim, s.length)
  const merged = s.slice(start, end + 1).reduce((p, d) => p * d, 1)
  return reshape(x, { shape: [...s.slice(0, start), merged, ...s.slice(end + 1)] })
}

/** Merges dims startDim..endDim into one (a view when the input is contiguous). */
export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super()
  }

  override forward(x: Tensor): Tensor {
    return flatten(x, this.startDim, this.endDim)
  }
}

/** Zeroes elements with probability p in training (scaling the rest by 1/(1 − p)); the identity in eval. */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super()
    checkDropoutProbability(p)
  }

  override forward(x: Tensor): Tensor {
    return dropout(x, this.p, this.training)
  }
}
