// @ad/check: derivative checks for ad.
//
// For users: `checkOp(op)` runs the cross-validation properties on an op (a built-in one or
// your own from `defineOp`), `checkGrads(f, inputs)` checks any function's derivatives
// against central differences, as PyTorch's `gradcheck` and JAX's `check_grads`.
export { checkOp, type CheckOpOptions, type CheckOpReport } from './checkOp.js'
export { checkGrads, type CheckGradsOptions, type CheckGradsReport, type GradcheckEntry, type GradcheckElement, type Mode } from './checkGrads.js'
export { CheckError } from './errors.js'

// The sampling and finite-difference harness these are built on (fast-check draws, points from
// an op's domain, central differences, the crosscheck table) lives at '@ad/check/harness': it is
// what the cross-validation suite and its CLIs use, not what a user calls.
