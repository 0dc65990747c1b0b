import { add, type Tensor } from '@ad/reverse'
import { constant_, kaimingNormal_ } from '../init.js'
import { ReLU } from '../layers/activation.js'
import { flatten } from '../layers/basic.js'
import { Conv2d } from '../layers/conv.js'
import { Sequential } from '../layers/container.js'
import { Linear } from '../layers/linear.js'
import { BatchNorm2d } from '../layers/norm.js'
import { AdaptiveAvgPool2d, MaxPool2d } from '../layers/pool.js'
import { Module } from '../module.js'
import type { DTypeOption } from '../layers/common.js'

const conv3x3 = (inPlanes: number, planes: number, stride: number, dtype: DTypeOption) =>
  new Conv2d(inPlanes, planes, 3, { stride, padding: 1, bias: false, ...dtype })

/** torchvision's BasicBlock: two 3×3 convolutions with batch norm, plus the (downsampled) input. */
export class BasicBlock extends Module {
  conv1: Conv2d
  bn1: BatchNorm2d
  relu: ReLU
  conv2: Conv2d
  bn2: BatchNorm2d
  downsample: Sequential | null

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Sequential | null = null, dtype: DTypeOption = {}) {
    super()
    this.conv1 = conv3x3(inPlanes, planes, stride, dtype)
    this.bn1 = new BatchNorm2d(planes, dtype)
    this.relu = new ReLU()
    this.conv2 = conv3x3(planes, planes, 1, dtype)
    this.bn2 = new BatchNorm2d(planes, dtype)
    this.downsample = downsample
  }

  override forward(x: Tensor): Tensor {
    const out = this.bn2.call(this.conv2.call(this.relu.call(this.bn1.call(this.conv1.call(x)))))
    const identity = this.downsample === null ? x : this.downsample.call(x)
    return this.relu.call(add(out, identity))
  }
}

export interface ResNetOptions extends DTypeOption {
  numClasses?: number
}

/**
 * torchvision's ResNet with BasicBlocks: a 7×7 stride-2 stem, a 3×3 stride-2 max pool with
 * padding 1, four stages (the first block of stages 2-4 halves the size, its shortcut a 1×1
 * stride-2 convolution and batch norm), global average pooling and a linear classifier. Its
 * state-dict keys and shapes are torchvision's, and so is its initialisation: convolutions
 * Kaiming-normal (fan out, ReLU gain), batch norms ones and zeros, the classifier PyTorch's
 * Linear default.
 */
export class ResNet extends Module {
  // Assigned in the constructor in torchvision's order, which is the registration order.
  conv1: Conv2d
  bn1: BatchNorm2d
  relu: ReLU
  maxpool: MaxPool2d
  layer1: Sequential
  layer2: Sequential
  layer3: Sequential
  layer4: Sequential
  avgpool: AdaptiveAvgPool2d
  fc: Linear

  constructor(layers: readonly [number, number, number, number], { numClasses = 1000, dtype }: ResNetOptions = {}) {
    super()
    const d = { dtype }
    let inPlanes = 64
    const stage = (planes: number, blocks: number, stride: number): Sequential => {
      const downsample = stride !== 1 || inPlanes !== planes
        ? new Sequential(new Conv2d(inPlanes, planes, 1, { stride, bias: false, ...d }), new BatchNorm2d(planes, d))
        : null
      const list = [new BasicBlock(inPlanes, planes, stride, downsample, d)]
      inPlanes = planes
      for (let i = 1; i < blocks; i++) list.push(new BasicBlock(inPlanes, planes, 1, null, d))
      return new Sequential(...list)
    }
    this.conv1 = new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false, ...d })
    this.bn1 = new BatchNorm2d(64, d)
    this.relu = new ReLU()
    this.maxpool = new MaxPool2d(3, { stride: 2, padding: 1 })
    this.layer1 = stage(64, layers[0], 1)
    this.layer2 = stage(128, layers[1], 2)
    this.layer3 = stage(256, layers[2], 2)
    this.layer4 = stage(512, layers[3], 2)
    this.avgpool = new AdaptiveAvgPool2d(1)
    this.fc = new Linear(512, numClasses, d)
    for (const m of this.modules()) {
      if (m instanceof Conv2d) kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' })
      else if (m instanceof BatchNorm2d && m.weight !== null && m.bias !== null) {
        constant_(m.weight, 1)
        constant_(m.bias, 0)
      }
    }
  }

  override forward(x: Tensor): Tensor {
    let y = this.maxpool.call(this.relu.call(this.bn1.call(this.conv1.call(x))))
    y = this.layer4.call(this.layer3.call(this.layer2.call(this.layer1.call(y))))
    return this.fc.call(flatten(this.avgpool.call(y), 1))
  }
}

/** torchvision's `resnet18`: two BasicBlocks per stage (11.7M parameters with 1000 classes). */
export function resnet18(options: ResNetOptions = {}): ResNet {
  return new ResNet([2, 2, 2, 2], options)
}
