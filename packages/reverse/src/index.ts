// @ad/reverse: reverse-mode automatic differentiation with a PyTorch-shaped tensor API.

// Every op's free function (and the rest of @ad/core); the names below shadow core's.
export * from '@ad/core'

export { Tensor } from './api/tensor.js'
export { Node, type Node as GradFn, type Hook, type SavedTensor } from './engine/node.js'
export { tensor, zeros, ones, full, arange, rand, randn, eye, linspace, zerosLike, onesLike, type CreateOptions, type TensorOptions } from './api/create.js'
export { noGrad, enableGrad, isGradEnabled } from './engine/mode.js'
export { autograd, type GradOptions } from './api/autograd.js'
export { type BackwardOptions } from './engine/backward.js'
export { grad, valueAndGrad, vjp, jacrev, hessian, hessianVectorProduct, type TransformOptions } from './api/transforms.js'
export { detectAnomaly } from './debug/anomaly.js'
export { checkpoint } from './api/checkpoint.js'
export { incrementVersion } from './inplace/versions.js'
export { walkGraph, toDot, type DotOptions } from './debug/graph.js'
export { tapeStats, type TapeStats } from './debug/stats.js'

import { installInplaceMethods } from './inplace/inplace.js'
import { installTracing } from './engine/interpreter.js'

installTracing()
installInplaceMethods()
