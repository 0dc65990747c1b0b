// High-precision references (decimal.js, 60 significant digits) for the functions whose
// naive float formulas overflow, underflow or cancel. Each gives the value and the derivative,
// computed from the maths, not from ad's formulas.
import { Decimal } from 'decimal.js'

export const D = Decimal.clone({ precision: 60, minE: -9e15, maxE: 9e15 })
export type Dec = InstanceType<typeof D>

const one = new D(1)

/**
 * A double's exact value. `new D(x)` reads x's shortest decimal form (-0.999999), which is not
 * the double ad computes with (-0.99999899999999997...): near a pole that alone is a 1e-11 error.
 */
export function exact(x: number): Dec {
  if (!Number.isFinite(x) || x === 0) return new D(x)
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const hi = view.getUint32(0)
  const lo = view.getUint32(4)
  const biased = (hi >>> 20) & 0x7ff
  const fraction = new D(hi & 0xfffff).times(2 ** 32).plus(lo)
  // Normal: (2^52 + f) · 2^(e − 1075); subnormal: f · 2^(−1074).
  const mantissa = biased === 0 ? fraction : fraction.plus(new D(2).pow(52))
  const value = mantissa.times(new D(2).pow(biased === 0 ? -1074 : biased - 1075))
  return x < 0 ? value.neg() : value
}
const half = new D(0.5)

export const sigmoid = (x: Dec): Dec => one.div(one.plus(x.neg().exp()))

/** log(1 + x) and e^x − 1 by their series near 0, where 1 + x would round to 1 even at 60 digits. */
export const log1p = (x: Dec): Dec => (x.abs().lt(1e-20) ? x.minus(x.pow(2).div(2)).plus(x.pow(3).div(3)) : x.plus(1).ln())
export const expm1 = (x: Dec): Dec => (x.abs().lt(1e-20) ? x.plus(x.pow(2).div(2)).plus(x.pow(3).div(6)) : x.exp().minus(1))

/** log(1 + e^x), with log1p so that e^x below 1e-60 is not lost. */
export const softplus = (x: Dec): Dec => (x.isPos() ? x.plus(log1p(x.neg().exp())) : log1p(x.exp()))

/** erf by its Taylor series for |x| < 3 and by erfc's continued fraction beyond (both converge fast there). */
export function erf(x: Dec): Dec {
  if (x.isNeg()) return erf(x.neg()).neg()
  if (x.lt(3)) {
    // erf x = 2/√π Σ (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x
    let sum = x
    const x2 = x.times(x)
    for (let n = 1; n < 400; n++) {
      term = term.times(x2).neg().div(n)
      const add = term.div(2 * n + 1)
      sum = sum.plus(add)
      if (add.abs().lt(new D(10).pow(-70))) break
    }
    return sum.times(2).div(D.acos(-1).sqrt())
  }
  return one.minus(erfc(x))
}

/** erfc for x ≥ 3: e^{-x²}/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), evaluated bottom-up. */
export function erfc(x: Dec): Dec {
  let f = x
  for (let k = 200; k >= 1; k--) f = x.plus(new D(k).div(2).div(f))
  return x.times(x).neg().exp().div(D.acos(-1).sqrt()).div(f)
}

/** Φ, the standard normal CDF, and φ, its density. */
export const normalCdf = (x: Dec): Dec => (x.lt(-3) ? erfc(x.neg().div(D.sqrt(2))).times(half) : half.times(one.plus(erf(x.div(D.sqrt(2))))))
export const normalPdf = (x: Dec): Dec => x.times(x).neg().div(2).exp().div(D.acos(-1).times(2).sqrt())

/** log Σ e^{x_i} and its gradient, the softmax. */
export function logsumexp(xs: readonly Dec[]): Dec {
  const m = D.max(...xs)
  return xs.reduce((s, x) => s.plus(x.minus(m).exp()), new D(0)).ln().plus(m)
}
export const softmax = (xs: readonly Dec[]): Dec[] => {
  const l = logsumexp(xs)
  return xs.map((x) => x.minus(l).exp())
}
