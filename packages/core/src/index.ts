// @ad/core: the op registry, tensors and kernels of ad. This entry point is what users call:
// creation, every user-facing op, errors, printing, and what declaring an op takes
// (`defineOp` / `defineUnary` / `defineBinary`, attrs, domains, shape helpers, rule
// helpers). What the engines are built with is in `@ad/core/internal`.
// Checks for packages built on ad (@ad/nn's options and arguments), with ad's error messages.
export { AdError, describeValue, expectFunction, optionsOf, type ErrorCode } from './errors.js'
export type { Argnums } from './argnums.js'
export type { DType, FloatArray } from './dtype.js'
export { Tensor, Storage, type NestedArray } from './tensor.js'
export { setPrintOptions, type PrintOptions } from './print/index.js'
export { broadcastShapes, normalizeDim, normalizeDims, sizeOf, sameShape, type Shape } from './shape.js'
export { tensor, zeros, ones, full, arange, rand, randn, eye, linspace, zerosLike, onesLike, MAX_RANK, type ShapedLike, type TensorLike, type CreateOptions, type TensorOptions } from './create.js'
export { manualSeed, mulberry32 } from './random.js'
export { attr, Attr, type AttrSchema, type AttrsOf, type AttrsInput } from './attrs.js'
export * from './domain.js'
export type { Value } from './dispatch.js'
export {
  defineOp, shapeOf,
  type Op, type OpSpec, type OpFunction, type RuleContext, type MaybeZero, type Input, type Edge, type Reduction,
  type Arity, type MethodParam, type NoAttrs,
} from './op.js'
export type { OpMethods, OpMethod, UntypedOps } from './methods.js'
export { sumTo, expandTo } from './ops/base.js'
export { gemmBackend, setGemmBackend, type GemmBackend } from './kernels/gemm.js'
export { defineUnary, defineBinary, type UnarySpec, type BinarySpec } from './ops/elementwise.js'
// Every op declared without `internal: true` (helper ops of other ops' gradients are not exported).
export * from './ops/index.js'

import { Tensor } from './tensor.js'
import { installOpMethods } from './methods.js'
import './ops/index.js'

installOpMethods(Tensor.prototype)
