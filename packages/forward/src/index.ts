// @ad/forward: forward-mode automatic differentiation over the @ad/core op registry.

// Everything a user of the core needs: creation functions, Tensor, AdError and every op's
// free function, so `import * as m from '@ad/forward'` is a complete module.
export * from '@ad/core'
export { tensor, eye, linspace, zerosLike, onesLike, type ForwardTensorOptions, type ForwardCreateOptions } from './create.js'

export { Dual } from './dual.js'
export { derivative } from './derivative.js'
export { jvp } from './jvp.js'
export { jacfwd, type JacfwdOptions } from './jacfwd.js'
export { grad, valueAndGrad, type GradOptions } from './grad.js'
export { hessian, defaultHessianChunkSize, type HessianOptions } from './hessian.js'
export { hessianVectorProduct } from './hvp.js'
export { defaultChunkSize } from './sweep.js'
