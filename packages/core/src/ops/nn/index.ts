// The nn functional ops, and the helper ops their gradients are written with.
export * from './softmax.js'
export * from './linear.js'
export * from './conv.js'
export * from './pool.js'
export * from './batchnorm.js'
export * from './loss.js'
export * from './layernorm.js'
