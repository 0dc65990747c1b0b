import { real, values } from '../domain.js'
import { add, div, mul, neg, square, sub } from './arithmetic.js'
import { defineBinary } from './elementwise.js'
import { eq, ge, gt, lt } from './compare.js'
import { where } from './select.js'
import { log } from './unary.js'
import { floor } from './rounding.js'

// Each op: the scalar function, then ∂y/∂a and ∂y/∂b from inputs a, b and output y.

export const pow = defineBinary({
  name: 'pow',
  tex: '\\frac{\\partial}{\\partial a}a^p = p\\,a^{p-1},\\quad \\frac{\\partial}{\\partial p}a^p = a^p \\ln a',
  // Squares skip Math.pow's general path: V8's pow (fdlibm) returns x·x itself for y = 2,
  // so this is the same to the bit (checked on random bit patterns, ±0, ±inf and NaN).
  f: (a, b) => (b === 2 ? a * a : Math.pow(a, b)),
  // b·a^(b-1); the exponent's partial y·log(a) is only formed when the exponent needs a
  // derivative, so a constant integer exponent works with negative bases. At base 0 both
  // follow PyTorch: ∂/∂a is 0 for p = 0 (not 0·0^-1 = NaN), and ∂/∂p is 0 for p ≥ 0 (not
  // 0·log 0 = NaN). A number exponent (x.pow(2)) decides its case without a mask.
  da: (a, b) =>
    typeof b === 'number'
      ? b === 0 ? 0 : mul(b, pow(a, b - 1))
      : where(eq(b, 0), 0, mul(b, pow(a, sub(b, 1)))),
  db: (a, b, y) => where(mul(eq(a, 0), ge(b, 0)), 0, mul(y, log(a))),
  values: (draw) =>
    draw.bool()
      ? [values(0.2, 3), real]
      : [values(-2, 2, { avoid: [0] }), values(-3, 3, { integer: true, constant: true })],
  // At base 0, ∂/∂a = p·0^(p−1), with the exponent a constant as in x.pow(p).
  edges: [
    { note: 'p > 1: p·0^(p−1) = 0', args: [0, 2], wrt: [0], torch: [0] },
    { note: 'p = 1: 1·0^0 = 1', args: [0, 1], wrt: [0], torch: [1] },
    { note: '0 < p < 1: p·0^(p−1) = +inf', args: [0, 0.5], wrt: [0], torch: [Infinity] },
    { note: 'p < 0: p·0^(p−1) = −inf (p = −1)', args: [0, -1], wrt: [0], torch: [-Infinity] },
    { note: 'p = 0: 0, as PyTorch (not 0·0^(−1))', args: [0, 0], wrt: [0], torch: [0] },
    { note: '∂/∂p at base 0, p ≥ 0: 0, as PyTorch (not 0·log 0)', args: [0, 2], wrt: [1], torch: [0] },
    { note: 'a negative base with an integer exponent: 3·(−2)² = 12, no log(base) taken', args: [-2, 3], wrt: [0], torch: [12] },
  ],
})

export const maximum = defineBinary({
  name: 'maximum',
  tex: '\\frac{\\partial}{\\partial a}\\max(a, b) = [\\,a > b\\,] + \\tfrac{1}{2}[\\,a = b\\,]',
  f: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.max(a, b)),
  // Ties send half the gradient to each side, as PyTorch does.
  da: (a, b) => add(gt(a, b), mul(eq(a, b), 0.5)),
  db: (a, b) => add(lt(a, b), mul(eq(a, b), 0.5)),
  values: [real, real],
  distinct: true,
  edges: [{ note: 'a tie: half the gradient to each input, as PyTorch', args: [1, 1], torch: [0.5, 0.5] }],
})

export const minimum = defineBinary({
  name: 'minimum',
  tex: '\\frac{\\partial}{\\partial a}\\min(a, b) = [\\,a < b\\,] + \\tfrac{1}{2}[\\,a = b\\,]',
  f: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NaN : Math.min(a, b)),
  da: (a, b) => add(lt(a, b), mul(eq(a, b), 0.5)),
  db: (a, b) => add(gt(a, b), mul(eq(a, b), 0.5)),
  values: [real, real],
  distinct: true,
  edges: [{ note: 'a tie: half the gradient to each input, as PyTorch', args: [1, 1], torch: [0.5, 0.5] }],
})

/** atan2(y, x): the angle of the point (x, y). Its partials are x/r² and -y/r². */
export const atan2 = defineBinary({
  name: 'atan2',
  tex: '\\frac{\\partial}{\\partial y}\\operatorname{atan2}(y, x) = \\frac{x}{x^2 + y^2},\\quad \\frac{\\partial}{\\partial x}\\operatorname{atan2}(y, x) = -\\frac{y}{x^2 + y^2}',
  f: Math.atan2,
  da: (y, x) => div(x, add(square(x), square(y))),
  db: (y, x) => neg(div(y, add(square(x), square(y)))),
  values: [values(-2, 2, { avoid: [0] }), real],
  edges: [{ note: 'at the origin both partials are 0/0 = NaN, as PyTorch', args: [0, 0], torch: [NaN, NaN] }],
})

/** √(a² + b²) without overflow (Math.hypot). Partials a/y and b/y: 0/0 = NaN at the origin, as PyTorch. */
export const hypot = defineBinary({
  name: 'hypot',
  f: Math.hypot,
  da: (a, _b, y) => div(a, y),
  db: (_a, b, y) => div(b, y),
  values: [values(-2, 2, { avoid: [0] }), values(-2, 2, { avoid: [0] })],
  edges: [{ note: 'at the origin both partials are 0/0 = NaN, as PyTorch', args: [0, 0], torch: [NaN, NaN] }],
  tex: '\\frac{\\partial}{\\partial a}\\sqrt{a^2 + b^2} = \\frac{a}{\\sqrt{a^2+b^2}}',
})

/**
 * a − b·⌊a/b⌋, with the sign of the divisor (torch.remainder, Python's %): the C remainder
 * moved into b's sign. ∂/∂a = 1 and ∂/∂b = −⌊a/b⌋ (both away from the jumps at a/b ∈ ℤ,
 * where PyTorch uses the same formulas).
 */
export const remainder = defineBinary({
  name: 'remainder',
  f: (a, b) => {
    const m = a % b
    return m !== 0 && m < 0 !== b < 0 ? m + b : m
  },
  da: () => 1,
  db: (a, b) => neg(floor(div(a, b))),
  // Pairs whose quotient a/b stays strictly between two integers, so no sample straddles a jump.
  values: (draw) =>
    draw.pick([
      [values(0.1, 0.9), values(1, 2)], // a/b in (0.05, 0.9): ⌊a/b⌋ = 0
      [values(-0.9, -0.1), values(1, 2)], // (−0.9, −0.05): −1
      [values(1.2, 1.8), values(1, 1.1)], // (1.09, 1.8): 1
      [values(0.1, 0.9), values(-2, -1)], // (−0.9, −0.05): −1
    ] as const),
  edges: [
    { note: 'at a jump (a = 2b): ∂/∂a = 1, ∂/∂b = −⌊a/b⌋ = −2, as PyTorch', args: [3, 1.5], torch: [1, -2] },
    { note: 'the sign of the divisor: remainder(−1, 3) = 2; ∂/∂b = −⌊−1/3⌋ = 1', args: [-1, 3], torch: [1, 1] },
  ],
  tex: '\\frac{\\partial}{\\partial a}\\operatorname{rem}(a, b) = 1,\\quad \\frac{\\partial}{\\partial b}\\operatorname{rem}(a, b) = -\\lfloor a / b \\rfloor',
})
