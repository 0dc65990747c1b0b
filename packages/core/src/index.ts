export { AdError, describeValue, expectFunction, optionsOf, type ErrorCode } from './errors.js'
export { resolveArgnums, type Argnums } from './argnums.js'
export type { DType, FloatArray } from './dtype.js'
export { Tensor, Storage, type NestedArray } from './tensor.js'
export { openPool, closePool, poolMark, issuedSince, recycle, POOLED_MIN_ELEMENTS } from './buffers.js'
export { setPrintOptions, type PrintOptions, formatTensor, INSPECT, type Printable } from './print/index.js'
export { broadcastShapes, normalizeDim, normalizeDims, sizeOf, sameShape, type Shape } from './shape.js'
export { tensor, zeros, ones, full, arange, rand, randn, eye, linspace, zerosLike, onesLike, MAX_RANK, type ShapedLike, type TensorLike, type CreateOptions, type TensorOptions } from './create.js'
export { manualSeed, mulberry32 } from './random.js'
export { attr, Attr, type AttrSchema, type AttrsOf } from './attrs.js'
export * from './domain.js'
export { TRACE, freshLevel, interpreterOf, topInterpreter, type Interpreter, type Traced, type Value } from './dispatch.js'
export {
  defineOp, getOp, hasOp, listOps, apply, evaluate, shapeOf, isTraced, toTensors,
  type Op, type OpSpec, type OpFunction, type RuleContext, type MaybeZero, type Input, type Edge, type Reduction,
} from './op.js'
export { installOpMethods, type OpMethods } from './methods.js'
export { sumTo, expandTo, unreduce } from './ops/base.js'
export { gemmBackend, setGemmBackend, type GemmBackend } from './kernels/gemm.js'
export { defineUnary, defineBinary } from './ops/elementwise.js'
export * from './ops/index.js'

import { Tensor } from './tensor.js'
import { installOpMethods } from './methods.js'
import './ops/index.js'

installOpMethods(Tensor.prototype)
