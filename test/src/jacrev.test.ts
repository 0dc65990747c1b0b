// jacrev sends the rows of the identity through one backward pass as a batch of
// cotangents (a leading dim; reverse/src/engine/batched.ts). For every registered
// differentiable op, at points of its domain, the batched Jacobian must equal the rows that
// one pullback per output element gives, exactly: the batch only regroups the same
// arithmetic (elementwise rules on k times larger problems, other rules once per row). The
// one difference allowed is the sign of a zero: where an input broadcasts over a dim of
// size 1 that the output has in front, one pullback sums that dim away (0 + -0 = +0) while
// the batch, whose inputs are lifted to the output's rank, has nothing to sum there.
import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { apply, listOps } from '@ad/core/internal'
import { assemble, drawPoint, materialize, primalArgs } from '@ad/check/harness'
import * as R from '@ad/reverse'

const seed = 20261205
const runs = 4

function rowsByPullback(f: (...xs: unknown[]) => unknown, x: unknown[], i: number): Float64Array {
  const [out, pullback] = R.vjp(f, ...x)
  const y = out as R.Tensor
  const xi = x[i]
  const inSize = typeof xi === 'number' ? 1 : (xi as R.Tensor).size
  const rows = new Float64Array(y.size * inSize)
  for (let k = 0; k < y.size; k++) {
    const u = new Float64Array(y.size)
    u[k] = 1
    const g = pullback(R.tensor(u, { shape: y.shape }))[i] as R.Tensor | number
    rows.set(typeof g === 'number' ? [g] : g.contiguousData(), k * inSize)
  }
  return rows
}

describe(`jacrev's batched rows equal one pullback per row, bit for bit (seed ${seed})`, () => {
  for (const op of listOps()) {
    if (!op.differentiable) continue
    test(op.name, () => {
      let checked = 0
      fc.assert(
        fc.property(fc.gen(), (gen) => {
          const point = drawPoint(gen, op)
          const primals = primalArgs(point)
          const x = primals.map((a) => materialize(a, a.data))
          const f = (...xs: unknown[]) => apply(point.op, assemble(point, xs), point.attrs)
          for (let i = 0; i < x.length; i++) {
            const J = R.jacrev(f, { argnums: i })(...x) as R.Tensor
            const want = rowsByPullback(f, x, i)
            const got = J.contiguousData()
            expect(got.length).toBe(want.length)
            const differ = want.findIndex((w, j) => !(w === got[j] || (Number.isNaN(w) && Number.isNaN(got[j]))))
            expect(differ, `${op.name}, argument ${i}: element ${differ} is ${got[differ]}, one pullback gives ${want[differ]}`).toBe(-1)
            checked++
          }
        }),
        { seed, numRuns: runs, endOnFailure: true },
      )
      expect(checked).toBeGreaterThan(0)
    })
  }
})
