// The nn functional ops (the helper ops their gradients are written with are internal: not exported).
export * from './softmax.js'
export * from './linear.js'
export * from './conv.js'
export * from './pool.js'
export * from './batchnorm.js'
export * from './loss.js'
export * from './layernorm.js'
export * from './bce.js'
