import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { exactExponential, exactFixed, formatExponential, formatFixed } from './decimal.js'

// Expected strings are Python's: '{:.Nf}'.format(x) and '{:.Ne}'.format(x) round the exact
// binary value of the double, ties to even.
describe("Python's fixed notation", () => {
  it('rounds exact ties to even, where toFixed rounds them away from zero', () => {
    expect(formatFixed(0.03125, 4)).toBe('0.0312') // (0.03125).toFixed(4) is '0.0313'
    expect(formatFixed(0.09375, 4)).toBe('0.0938')
    expect(formatFixed(0.5, 0)).toBe('0')
    expect(formatFixed(1.5, 0)).toBe('2')
    expect(formatFixed(2.5, 0)).toBe('2')
    expect(formatFixed(0.125, 2)).toBe('0.12')
    expect(formatFixed(0.375, 2)).toBe('0.38')
  })

  it('rounds the exact binary value: 1.00005 and 2.675 are not ties', () => {
    // 1.00005 is stored as 1.0000500000000001..., 2.675 as 2.67499999999999982236431605997495353221893310546875
    expect(formatFixed(1.00005, 4)).toBe('1.0001')
    expect(formatFixed(2.675, 2)).toBe('2.67')
    expect(formatFixed(0.1, 20)).toBe('0.10000000000000000555')
  })

  it('keeps the sign of negative zero and of negatives that round to zero', () => {
    expect(formatFixed(-0, 4)).toBe('-0.0000')
    expect(formatFixed(-0.00001, 4)).toBe('-0.0000')
    expect(formatFixed(-0.5, 0)).toBe('-0')
    expect(formatFixed(0, 0)).toBe('0')
  })

  it('writes large numbers in full, and non-finite values as Python does', () => {
    expect(formatFixed(1e22, 2)).toBe('10000000000000000000000.00')
    expect(formatFixed(123456789, 1)).toBe('123456789.0')
    expect(formatFixed(NaN, 4)).toBe('nan')
    expect(formatFixed(Infinity, 4)).toBe('inf')
    expect(formatFixed(-Infinity, 0)).toBe('-inf')
  })
})

describe("Python's scientific notation", () => {
  it('one leading digit, then the digits, then a signed exponent of at least two digits', () => {
    expect(formatExponential(1e-8, 4)).toBe('1.0000e-08')
    expect(formatExponential(1e8, 4)).toBe('1.0000e+08')
    expect(formatExponential(12345, 2)).toBe('1.23e+04')
    expect(formatExponential(-0.000123456, 3)).toBe('-1.235e-04')
    expect(formatExponential(1e-300, 2)).toBe('1.00e-300')
    expect(formatExponential(5e-324, 3)).toBe('4.941e-324') // the smallest subnormal, 4.9406564584124654e-324
    expect(formatExponential(123, 0)).toBe('1e+02')
  })

  it('rounds ties to even and carries into the exponent', () => {
    expect(formatExponential(1.25, 1)).toBe('1.2e+00') // (1.25).toExponential(1) is '1.3e+0'
    expect(formatExponential(1.35, 1)).toBe('1.4e+00') // 1.35 is stored just above the tie
    expect(formatExponential(9.9999999, 4)).toBe('1.0000e+01')
    expect(formatExponential(-999.96, 3)).toBe('-1.000e+03')
  })

  it('zeros and non-finite values', () => {
    expect(formatExponential(0, 4)).toBe('0.0000e+00')
    expect(formatExponential(-0, 4)).toBe('-0.0000e+00')
    expect(formatExponential(NaN, 4)).toBe('nan')
    expect(formatExponential(-Infinity, 4)).toBe('-inf')
  })
})

describe('the shortcut through toFixed / toExponential', () => {
  // Away from ties JavaScript rounds correctly, so it must agree with the exact expansion
  // everywhere; values built as odd multiples of 2^-k are ties (or near them) at many digits.
  const doubles = fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.double({ min: -1e3, max: 1e3, noNaN: true }),
    fc.tuple(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), fc.integer({ min: 0, max: 30 })).map(([m, k]) => (2 * m + 1) / 2 ** k),
  )

  it('agrees with the exact expansion', () => {
    fc.assert(
      fc.property(doubles, fc.integer({ min: 0, max: 12 }), (x, digits) => {
        expect(formatFixed(x, digits)).toBe(exactFixed(x, digits))
        expect(formatExponential(x, digits)).toBe(exactExponential(x, digits))
      }),
      { numRuns: 2000, seed: 7 },
    )
  })
})
