import type { Tensor } from '@ad/reverse'
import { adaptiveAvgPool2d, avgPool2d, maxPool2d, type Pool2dOptions } from '../functional/pool.js'
import { Module } from '../module.js'

export class MaxPool2d extends Module {
  constructor(readonly kernelSize: number, readonly options: Pool2dOptions = {}) {
    super()
  }

  override forward(x: Tensor): Tensor {
    return maxPool2d(x, this.kernelSize, this.options)
  }
}

/** Padded zeros count in the divisor, PyTorch's default. */
export class AvgPool2d extends Module {
  constructor(readonly kernelSize: number, readonly options: Pool2dOptions = {}) {
    super()
  }

  override forward(x: Tensor): Tensor {
    return avgPool2d(x, this.kernelSize, this.options)
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number | readonly [number, number]) {
    super()
  }

  override forward(x: Tensor): Tensor {
    return adaptiveAvgPool2d(x, this.outputSize)
  }
}
