// @ad/check: derivative checks for ad.
//
// For users: `checkOp(op)` runs the cross-validation properties on an op (a built-in one or
// your own from `defineOp`), `checkGrads(f, inputs)` checks any function's derivatives
// against central differences, as PyTorch's `gradcheck` and JAX's `check_grads`.
export { checkOp, type CheckOpOptions, type CheckOpReport } from './checkOp.js'
export { checkGrads, type CheckGradsOptions, type CheckGradsReport, type GradcheckEntry, type GradcheckElement, type Mode } from './checkGrads.js'
export { CheckError } from './errors.js'

// The harness both are built on, for the cross-validation suite and its CLIs (`test/`):
// fast-check's draws behind core's `Draw`, points sampled from an op's domain, central
// differences, the checks at one point and over a domain, the crosscheck table.
export { drawFrom, drawDoubles, drawIntegers, drawOption, drawSeed, type Gen } from './draw.js'
export {
  avoidMargin, assemble, cotangent, describePoint, drawPoint, materialize, primalArgs, LAYOUTS,
  type Layout, type Point, type PointArg,
} from './sample.js'
export {
  centralDifference, centralDifferences, exactStep, maxDisplacement, stepScale, EPS32, EPS64, FD_STEP, ROUNDING_ULPS,
  type Difference, type Differences, type Probe,
} from './fd.js'
export {
  checkPoint, runOp, CheckFailure, METRIC_NAMES, TOLERANCE,
  type Metrics, type OpFailure, type OpReport, type RunOptions,
} from './checks.js'
export { loadEngines, type Engines, type ForwardEngine, type ReverseEngine, type Fn } from './engines.js'
export { formatSummary, formatTable } from './report.js'
export { allFinite, dense, fmtShape, maxAbs, sameShape, toTensor, type Dense } from './values.js'
