// The cross-validation suite as tests: one per registered op, generated from the registry.
// An op added to @ad/core is covered here with no edit. Each test is a fast-check property
// over the op's declared domain (checks.ts); a failure shows the shrunk counterexample and
// the seed that replays it (`pnpm crosscheck --op NAME --seed N`).
//
// The seed is fixed so `pnpm test` is repeatable; CROSSCHECK_SEED and CROSSCHECK_RUNS change
// it (`pnpm crosscheck` draws a fresh seed each time, to explore).
import { describe, expect, test } from 'vitest'
import { listOps } from '@ad/core/internal'
import { loadEngines, runOp } from '@ad/check/harness'

const seed = Number(process.env.CROSSCHECK_SEED ?? 20240611)
const runs = Number(process.env.CROSSCHECK_RUNS ?? 100)
const engines = loadEngines()

describe(`every registered op (seed ${seed}, ${runs} points each)`, () => {
  for (const op of listOps()) {
    const what = op.differentiable ? 'forward = reverse = finite differences; float32 ≈ float64' : 'no tangent or gradient passes; float32 ≈ float64'
    test(`${op.name}: ${what}`, () => {
      const report = runOp(op, engines, { seed, runs })
      if (report.failure !== undefined) expect.fail(report.failure.message)
      expect(report.points).toBeGreaterThan(0)
    })
  }
})
