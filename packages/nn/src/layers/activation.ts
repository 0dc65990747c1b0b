import { gelu, leakyRelu, logSoftmax, relu, sigmoid, silu, softmax, tanh, type Tensor } from '@ad/reverse'
import { Module } from '../module.js'

export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(x)
  }
}

export class LeakyReLU extends Module {
  constructor(readonly negativeSlope = 0.01) {
    super()
  }

  override forward(x: Tensor): Tensor {
    return leakyRelu(x, { negativeSlope: this.negativeSlope })
  }
}

export class GELU extends Module {
  constructor(readonly options: { approximate?: 'none' | 'tanh' } = {}) {
    super()
  }

  override forward(x: Tensor): Tensor {
    return gelu(x, { approximate: this.options.approximate ?? 'none' })
  }
}

export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return silu(x)
  }
}

export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(x)
  }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(x)
  }
}

export class Softmax extends Module {
  constructor(readonly dim: number) {
    super()
  }

  override forward(x: Tensor): Tensor {
    return softmax(x, { dim: this.dim })
  }
}

export class LogSoftmax extends Module {
  constructor(readonly dim: number) {
    super()
  }

  override forward(x: Tensor): Tensor {
    return logSoftmax(x, { dim: this.dim })
  }
}
