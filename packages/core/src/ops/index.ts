// The ops, layer by layer: each module imports only from the modules listed before it (a
// test imports each one alone). Every export here is an op: it becomes a tensor method and
// a free function of both engines (helpers live in base.ts, util.ts and the builders).
export { reshape, expand, sum } from './base.js'
export * from './arithmetic.js'
export * from './compare.js'
export * from './select.js'
export * from './unary.js'
export * from './rounding.js'
export * from './binary.js'
export * from './activation.js'
export * from './reduce.js'
export * from './shape.js'
export * from './rearrange.js'
export * from './indexing.js'
export * from './linalg.js'
export * from './nn/index.js'
