import type { Tensor } from '@ad/reverse'
import * as F from '../functional/loss.js'
import { Module } from '../module.js'

// The losses as modules: each holds its options and calls the function of the same name.

export class MSELoss extends Module {
  constructor(readonly options: F.ReductionOptions = {}) {
    super()
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.mseLoss(input, target, this.options)
  }
}

export class L1Loss extends Module {
  constructor(readonly options: F.ReductionOptions = {}) {
    super()
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.l1Loss(input, target, this.options)
  }
}

export class SmoothL1Loss extends Module {
  constructor(readonly options: F.ReductionOptions & { beta?: number } = {}) {
    super()
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.smoothL1Loss(input, target, this.options)
  }
}

export class NLLLoss extends Module {
  constructor(readonly options: F.ClassLossOptions = {}) {
    super()
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.nllLoss(input, target, this.options)
  }
}

export class CrossEntropyLoss extends Module {
  constructor(readonly options: F.CrossEntropyOptions = {}) {
    super()
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.crossEntropy(input, target, this.options)
  }
}

export class BCELoss extends Module {
  constructor(readonly options: F.ReductionOptions = {}) {
    super()
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropy(input, target, this.options)
  }
}

export class BCEWithLogitsLoss extends Module {
  constructor(readonly options: F.ReductionOptions & { posWeight?: Tensor | null } = {}) {
    super()
    if (options.posWeight) this.registerBuffer('pos_weight', options.posWeight)
  }

  override forward(input: Tensor, target: Tensor): Tensor {
    return F.binaryCrossEntropyWithLogits(input, target, this.options)
  }
}
