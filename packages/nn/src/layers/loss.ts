import type { Tensor } from '@ad/reverse'
import * as F from '../functional/loss.js'
import { Module } from '../module.js'

// The losses as modules: each holds its options and calls the function of the same name.

abstract class Loss<O extends object> extends Module {
  constructor(readonly options: O = {} as O) {
    super()
  }

  /** The loss function this module wraps. */
  protected abstract loss(input: Tensor, target: Tensor, options: O): Tensor

  override forward(input: Tensor, target: Tensor): Tensor {
    return this.loss(input, target, this.options)
  }
}

export class MSELoss extends Loss<F.ReductionOptions> {
  protected loss = F.mseLoss
}

export class L1Loss extends Loss<F.ReductionOptions> {
  protected loss = F.l1Loss
}

export class SmoothL1Loss extends Loss<F.ReductionOptions & { beta?: number }> {
  protected loss = F.smoothL1Loss
}

export class NLLLoss extends Loss<F.ClassLossOptions> {
  protected loss = F.nllLoss
}

export class CrossEntropyLoss extends Loss<F.CrossEntropyOptions> {
  protected loss = F.crossEntropy
}

export class BCELoss extends Loss<F.ReductionOptions> {
  protected loss = F.binaryCrossEntropy
}

type BCEWithLogitsOptions = F.ReductionOptions & { posWeight?: Tensor | null }

export class BCEWithLogitsLoss extends Loss<BCEWithLogitsOptions> {
  protected loss = F.binaryCrossEntropyWithLogits

  constructor(options: BCEWithLogitsOptions = {}) {
    super(options)
    // PyTorch keeps pos_weight as a buffer: it is in the state dict and moves with `to`.
    if (options.posWeight) this.registerBuffer('pos_weight', options.posWeight)
  }
}
