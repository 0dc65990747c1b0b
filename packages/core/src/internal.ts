// @ad/core/internal: what the engines (@ad/forward, @ad/reverse) and @ad/check are built
// with. Not for users: these names may change with any release. Loading this entry loads
// @ad/core too (the ops are registered and the tensor methods installed).
import './index.js'

export { TRACE, freshLevel, interpreterOf, topInterpreter, type Interpreter, type Traced } from './dispatch.js'
export { getOp, opById, hasOp, listOps, opFunction, apply, evaluate, isTraced, toTensors } from './op.js'
export { installOpMethods } from './methods.js'
export { unreduce } from './ops/base.js'
export { formatTensor, INSPECT, type Printable } from './print/index.js'
export { openPool, closePool, poolMark, issuedSince, recycle, POOLED_MIN_ELEMENTS } from './buffers.js'
export { resolveArgnums } from './argnums.js'
