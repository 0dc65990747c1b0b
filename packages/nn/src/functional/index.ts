// nn.functional: the layers' computations and the losses as functions, with PyTorch's options.
export { gelu, leakyRelu, silu } from './activation.js'
export { conv2d, type Conv2dOptions } from './conv.js'
export { dropout } from './dropout.js'
export { embedding } from './embedding.js'
export {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss, smoothL1Loss,
  type ClassLossOptions, type CrossEntropyOptions, type Reduction, type ReductionOptions,
} from './loss.js'
export { batchNorm, layerNorm, type BatchNormOptions } from './norm.js'
export { adaptiveAvgPool2d, avgPool2d, maxPool2d, type Pool2dOptions } from './pool.js'
export { flatten } from '../layers/basic.js'
