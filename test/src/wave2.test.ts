// PyTorch's answers for the second wave of ops (conformance/wave2/, copied from
// ../shared/conformance/wave2/), while that wave lands op by op from two branches: every
// case whose ops (and their attributes) are all registered runs here in both engines, Hessians included. When the
// last op of the wave lands, the file moves up to conformance/ (every case, no filter) and
// this test goes.
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { getOp, hasOp } from '@ad/core'
import { loadEngines } from '@ad/check'
import { runCases } from './cases/runner.js'
import { loadCaseFile, type Expr } from './cases/format.js'

const file = fileURLToPath(new URL('../../conformance/wave2/public-wave2.json', import.meta.url))

/** Whether every op of `expr` is registered and knows every attribute the case gives it (conv2d's `dilation` is wave 2 too). */
function ready(expr: Expr): boolean {
  if (!('op' in expr)) return true
  if (!hasOp(expr.op)) return false
  const schema = getOp(expr.op).attrs ?? {}
  return Object.keys(expr.attrs ?? {}).every((k) => k in schema) && expr.args.every(ready)
}

describe('wave-2 case files, for the wave-2 ops registered so far', () => {
  const { cases } = loadCaseFile(file)
  const runnable = cases.filter((c) => ready((c as { expr: Expr }).expr))

  test(`${runnable.length} of ${cases.length} cases have every op registered, and pass in both engines`, () => {
    expect(runnable.length).toBeGreaterThan(0)
    const results = runCases(runnable, loadEngines(), { skipHessian: false })
    const failures = results.filter((r) => r.problems.length > 0).map((r) => `${r.id}: ${r.problems.join('; ')}`)
    expect(failures).toEqual([])
  })
})
