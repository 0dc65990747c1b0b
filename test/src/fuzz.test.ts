import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as forward from '@ad/forward'
import * as reverse from '@ad/reverse'
import { formatReport, fuzz } from './fuzz/run.js'
import { edgeNumber } from './fuzz/hostile.js'

describe('hostile calls (pnpm fuzz runs more)', () => {
  it('every call returns a sound result or throws an AdError with its code', () => {
    // 6,000 calls take a few seconds; `pnpm fuzz --runs 200000` is the long version.
    const report = fuzz(6000, 20261205)
    expect(report.causes, formatReport(report)).toEqual([])
  })

  it('nested arrays that tensor() accepts read back as they were given (model: the array itself)', () => {
    const rect = fc
      .array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })
      .chain((shape) => nestedOf(shape))
    fc.assert(
      fc.property(rect, fc.constantFrom(forward, reverse), fc.constantFrom('float64', 'float32'), (data, m, dtype) => {
        const t = m.tensor(data as never, { dtype: dtype as 'float64' })
        const round = dtype === 'float32' ? Math.fround : (v: number) => v
        expect(t.tolist()).toEqual(mapNested(data, round))
      }),
      { numRuns: 200, seed: 7 },
    )
  })
})

function nestedOf(shape: readonly number[]): fc.Arbitrary<unknown> {
  if (shape.length === 0) return edgeNumber
  return fc.array(nestedOf(shape.slice(1)), { minLength: shape[0], maxLength: shape[0] })
}

function mapNested(x: unknown, f: (v: number) => number): unknown {
  return Array.isArray(x) ? x.map((v) => mapNested(v, f)) : f(x as number)
}

describe('the oracle', () => {
  it('reports what is not an AdError, a malformed tensor and a valid call refused', async () => {
    const { runCall } = await import('./fuzz/oracle.js')
    const typeError = runCall({ target: 't', code: 'x', run: () => (null as unknown as { a: number }).a })
    expect(typeError?.cause).toMatch(/^TypeError/)
    const bad = reverse.zeros([2])
    Object.defineProperty(bad, 'shape', { value: [3] })
    expect(runCall({ target: 't', code: 'x', run: () => bad })?.cause).toMatch(/size N but shape/)
    expect(runCall({ target: 't', code: 'x', run: () => reverse.zeros([-1]), mustSucceed: true })?.cause).toMatch(/valid call was refused/)
    expect(runCall({ target: 't', code: 'x', run: () => reverse.zeros([-1]) })).toBeUndefined()
  })
})
