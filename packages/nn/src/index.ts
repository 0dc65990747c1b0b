// @ad/nn: what a PyTorch user reaches for after autograd — modules, layers, losses,
// optimizers, schedulers, data loading, ResNet-18, and safetensors weights — built on the
// public API of @ad/reverse.

export { Module, functionalCall, type ForwardHook, type ForwardPreHook, type LoadResult } from './module.js'
export { Parameter } from './parameter.js'
export type { Loadable } from './values.js'
export * as init from './init.js'
export * as functional from './functional/index.js'
export {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, l1Loss, mseLoss, nllLoss, smoothL1Loss, type Reduction,
} from './functional/loss.js'

export { Linear } from './layers/linear.js'
export { Conv2d, ConvTranspose2d, type Conv2dLayerOptions, type ConvTranspose2dLayerOptions } from './layers/conv.js'
export { BatchNorm1d, BatchNorm2d, LayerNorm, type BatchNormOptions } from './layers/norm.js'
export { Embedding } from './layers/embedding.js'
export { Dropout, Flatten, Identity } from './layers/basic.js'
export { GELU, LeakyReLU, LogSoftmax, ReLU, SiLU, Sigmoid, Softmax, Tanh } from './layers/activation.js'
export { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './layers/pool.js'
export { ModuleList, Sequential } from './layers/container.js'
export { MultiheadAttention, type AttentionCallOptions, type MultiheadAttentionOptions } from './layers/attention.js'
export { BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss } from './layers/loss.js'

export { Optimizer, type OptimizerStateDict, type ParamGroup, type Params } from './optim/optimizer.js'
export { SGD, type SGDOptions } from './optim/sgd.js'
export { Adam, AdamW, type AdamOptions } from './optim/adam.js'
export { RMSprop, type RMSpropOptions } from './optim/rmsprop.js'
export { clipGradNorm_ } from './optim/clip.js'

export { LRScheduler, LambdaLR, StepLR, MultiStepLR, ExponentialLR } from './schedulers/scheduler.js'
export { CosineAnnealingLR } from './schedulers/cosine.js'
export { LinearLR, type LinearLROptions } from './schedulers/linear.js'
export { SequentialLR } from './schedulers/sequential.js'
export { OneCycleLR, type OneCycleLROptions } from './schedulers/onecycle.js'

export { DataLoader, TensorDataset, type Dataset, type DataLoaderOptions } from './data.js'
export * as models from './models/index.js'
export { loadSafetensors, saveSafetensors, type Safetensors } from './safetensors.js'
