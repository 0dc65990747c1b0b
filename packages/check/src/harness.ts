// @ad/check/harness: the machinery under checkOp and checkGrads, for the cross-validation suite
// and its CLIs (`test/`): fast-check's draws behind core's `Draw`, points sampled from an op's
// domain, central differences, the checks at one point and over a domain, the crosscheck table.
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
