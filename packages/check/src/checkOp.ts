import type { Op, OpFunction } from '@ad/core'
import { runOp, type Metrics, type OpFailure } from './checks.js'
import { loadEngines } from './engines.js'
import { CheckError, invalidUse } from './errors.js'

export interface CheckOpOptions {
  /** Points to draw from the op's domain (default 100, as `pnpm crosscheck`). */
  runs?: number
  /** fast-check's seed; default a fresh one, printed in the report so a failure replays. */
  seed?: number
  /** Stop shrinking a counterexample after this long (default 5 s) or this many candidates (default 500), whichever comes first. */
  shrinkMillis?: number
  maxShrinks?: number
  /** Throw a `CheckError` (carrying the report) when a check fails, instead of returning the report. */
  throwOnFailure?: boolean
}

export interface CheckOpReport {
  op: string
  ok: boolean
  differentiable: boolean
  seed: number
  runs: number
  /** Points checked before the first failure (or all of them), and points the domain's constraints rejected. */
  points: number
  skipped: number
  /**
   * The worst relative error of each comparison over those points, NaN where it does not
   * apply (see `Metrics` and `TOLERANCE` for what each is relative to, and its bound).
   */
  worst: Metrics
  /** The shrunk counterexample and the call that replays it. */
  failure?: OpFailure
  millis: number
}

/**
 * Runs the cross-validation properties of `pnpm crosscheck` on one op: at points drawn from
 * the op's declared `domain` with fast-check, forward's JVP against reverse's VJP (one
 * scalar <u, J v> per point, along random directions), each against central differences,
 * float32 kernels and derivatives against float64, forward's chunked `grad` and reverse's
 * `createGraph` gradient against the plain VJP, and no gradient for `constantArgs`.
 *
 * Takes what `defineOp` returns (or an `Op`, e.g. `getOp('sin')`), so a user's own op gets
 * the same checks as the built-in ones:
 *
 * ```ts
 * const cube = defineOp({ name: 'cube', arity: 1, ... })
 * const report = checkOp(cube, { runs: 200 })
 * if (!report.ok) console.log(report.failure.message)   // or checkOp(cube, { throwOnFailure: true })
 * ```
 *
 * Returns a report; a failure is data, not an exception, unless `throwOnFailure` is set
 * (then a `CheckError` whose `report` is this report). Replay a failure with
 * `checkOp(op, { seed: report.seed })`: the same draws, the same shrinking, the same counterexample.
 */
export function checkOp(op: Op | OpFunction, options: CheckOpOptions = {}): CheckOpReport {
  const target = resolveOp(op)
  const runs = options.runs ?? 100
  if (!Number.isSafeInteger(runs) || runs < 1) throw invalidUse(`checkOp: runs must be a positive integer, got ${String(options.runs)}.`)
  const seed = options.seed ?? (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 1
  const report = runOp(target, loadEngines(), {
    seed,
    runs,
    shrinkMillis: options.shrinkMillis,
    maxShrinks: options.maxShrinks ?? 500,
    replay: (s) => `checkOp(${target.name}, { seed: ${s} })`,
  })
  const result: CheckOpReport = {
    op: target.name,
    ok: report.failure === undefined,
    differentiable: report.differentiable,
    seed,
    runs,
    points: report.points,
    skipped: report.skipped,
    worst: report.worst,
    failure: report.failure,
    millis: report.millis,
  }
  if (!result.ok && options.throwOnFailure === true) throw new CheckError(`checkOp: ${report.failure!.message}`, result)
  return result
}

function resolveOp(op: Op | OpFunction): Op {
  const candidate = typeof op === 'function' ? (op as OpFunction).op : op
  if (typeof candidate !== 'object' || candidate === null || typeof candidate.name !== 'string' || typeof candidate.domain !== 'function') {
    throw invalidUse('checkOp: expects an op, as `defineOp` returns it (or `getOp(name)`).')
  }
  return candidate as Op
}
