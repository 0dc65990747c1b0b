import { describe, expect, it } from 'vitest'
import { formatRows, sweep } from './stability/sweep.js'

describe('numerical stability from ±1e-300 to ±1e4 (`pnpm stability` prints the table)', () => {
  const { rows, missing } = sweep()

  it('sweeps every function the issue names (each op is registered)', () => {
    expect(missing).toEqual([])
  })

  it('every value and gradient is finite where the exact one is', () => {
    expect(rows.filter((r) => r.nonFinite > 0), formatRows(rows)).toEqual([])
  })

  it('every value and gradient is within 4e-12 of decimal.js, relatively', () => {
    // The worst inputs are |x| = 1e4, where softmax = e^(x − lse) inherits the absolute error
    // of x − lse (an ulp of 1e4, 1.8e-12) as a relative one; every other case is within a few
    // ulps (1e-15). Cases whose exact answer cancels terms of size 1 are measured against that
    // size (see `scale` in the sweep).
    const bad = rows.filter((r) => !(r.value <= 4e-12 && r.grad <= 4e-12))
    expect(bad, formatRows(rows)).toEqual([])
  })
})
