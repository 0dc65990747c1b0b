// The op families. Each file declares its ops; declaring one registers it everywhere.
export * from './unary.js'
export * from './binary.js'
export * from './compare.js'
export * from './reduce.js'
export * from './shape.js'
export * from './linalg.js'
export * from './select.js'
export * from './nn/index.js'
