// @ad/reverse: reverse-mode automatic differentiation with a PyTorch-shaped tensor API.

// Every op's free function (and the rest of @ad/core); the names below shadow core's.
export * from '@ad/core'

export { Tensor } from './tensor.js'
export { Node, type Node as GradFn, type Hook, type SavedTensor } from './node.js'
export { tensor, zeros, ones, full, arange, rand, randn, type CreateOptions, type TensorOptions } from './create.js'
export { noGrad, enableGrad, isGradEnabled } from './mode.js'
export { autograd, type GradOptions } from './autograd.js'
export { type BackwardOptions } from './backward.js'
export { grad, valueAndGrad, vjp, jacrev, hessian, hessianVectorProduct, type TransformOptions } from './transforms.js'
export { detectAnomaly } from './anomaly.js'
export { checkpoint } from './checkpoint.js'
export { walkGraph, toDot, type DotOptions } from './graph.js'
export { tapeStats, type TapeStats } from './stats.js'

import { installInplaceMethods } from './inplace.js'
import { installTracing } from './interpreter.js'

installTracing()
installInplaceMethods()
