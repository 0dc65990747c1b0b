import { positive, real, unit, values } from '../domain.js'
import { erf as erfKernel, erfc as erfcKernel } from '../kernels/erf.js'
import { add, div, mul, neg, reciprocal, square, sub } from './arithmetic.js'
import { defineUnary } from './elementwise.js'
import { gt, sign } from './compare.js'

// Each line: the scalar function, then ∂y/∂x from input x and output y (DiffRules style).
// Kinks follow PyTorch: the derivative at a kink is the one-sided value PyTorch returns.

export const abs = defineUnary({
  name: 'abs', tex: '\\frac{d}{dx}|x| = \\operatorname{sign} x', f: Math.abs, d: (x) => sign(x), values: values(-2, 2, { avoid: [0] }),
  edges: [{ note: "abs'(0) = sign(0) = 0, as PyTorch", args: [0], torch: [0] }],
})

export const exp = defineUnary({ name: 'exp', tex: '\\frac{d}{dx}e^x = e^x', f: Math.exp, d: (_x, y) => y, values: real })

export const log = defineUnary({
  name: 'log', tex: '\\frac{d}{dx}\\ln x = \\frac{1}{x}', f: Math.log, d: (x) => reciprocal(x), values: positive,
  edges: [{ note: "log'(0) = 1/0 = +inf", args: [0], torch: [Infinity] }],
})

export const log1p = defineUnary({ name: 'log1p', tex: '\\frac{d}{dx}\\ln(1 + x) = \\frac{1}{1 + x}', f: Math.log1p, d: (x) => reciprocal(add(x, 1)), values: values(-0.9, 2) })

// e^x rather than y + 1: for x << 0, y + 1 cancels to 0 where e^x is still a normal number.
export const expm1 = defineUnary({ name: 'expm1', tex: '\\frac{d}{dx}(e^x - 1) = e^x', f: Math.expm1, d: (x) => exp(x), values: real })

export const sqrt = defineUnary({
  name: 'sqrt', tex: '\\frac{d}{dx}\\sqrt{x} = \\frac{1}{2\\sqrt{x}}', f: Math.sqrt, d: (_x, y) => div(0.5, y), values: positive,
  edges: [{ note: "sqrt'(0) = 1/(2·0) = +inf, as PyTorch", args: [0], torch: [Infinity] }],
})

export const sin = defineUnary({ name: 'sin', tex: '\\frac{d}{dx}\\sin x = \\cos x', f: Math.sin, d: (x) => cos(x), values: real })

export const cos = defineUnary({ name: 'cos', tex: '\\frac{d}{dx}\\cos x = -\\sin x', f: Math.cos, d: (x) => neg(sin(x)), values: real })

export const tan = defineUnary({ name: 'tan', tex: '\\frac{d}{dx}\\tan x = 1 + \\tan^2 x', f: Math.tan, d: (_x, y) => add(1, square(y)), values: values(-1.3, 1.3) })

export const asin = defineUnary({
  name: 'asin', tex: '\\frac{d}{dx}\\arcsin x = \\frac{1}{\\sqrt{1 - x^2}}', f: Math.asin, d: (x) => reciprocal(sqrt(sub(1, square(x)))), values: unit,
  edges: [{ note: "asin'(1) = 1/√0 = +inf, as PyTorch", args: [1], torch: [Infinity] }],
})

export const acos = defineUnary({
  name: 'acos', tex: '\\frac{d}{dx}\\arccos x = -\\frac{1}{\\sqrt{1 - x^2}}', f: Math.acos, d: (x) => neg(reciprocal(sqrt(sub(1, square(x))))), values: unit,
  edges: [{ note: "acos'(1) = −1/√0 = −inf, as PyTorch", args: [1], torch: [-Infinity] }],
})

export const atan = defineUnary({ name: 'atan', tex: '\\frac{d}{dx}\\arctan x = \\frac{1}{1 + x^2}', f: Math.atan, d: (x) => reciprocal(add(1, square(x))), values: real })

export const sinh = defineUnary({ name: 'sinh', tex: '\\frac{d}{dx}\\sinh x = \\cosh x', f: Math.sinh, d: (x) => cosh(x), values: real })

export const cosh = defineUnary({ name: 'cosh', tex: '\\frac{d}{dx}\\cosh x = \\sinh x', f: Math.cosh, d: (x) => sinh(x), values: real })

// sech²x = 1/cosh²x rather than 1 − y²: accurate to a few ulps everywhere, where 1 − y² cancels
// to 0 from |x| ≈ 19 on (the true value there is still ~1e-16).
export const tanh = defineUnary({ name: 'tanh', tex: '\\frac{d}{dx}\\tanh x = 1 - \\tanh^2 x', f: Math.tanh, d: (x) => square(reciprocal(cosh(x))), values: real })

export const sigmoid = defineUnary({
  name: 'sigmoid',
  tex: '\\frac{d}{dx}\\sigma(x) = \\sigma(x)\\,(1 - \\sigma(x))',
  // Two branches so exp never overflows: for x < 0, e^x / (1 + e^x).
  f: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  // σ(x)σ(−x) rather than y(1 − y): 1 − y cancels to 0 for x ≳ 37, where σ(−x) is exact.
  d: (x, y) => mul(y, sigmoid(neg(x))),
  values: values(-4, 4),
})

export const relu = defineUnary({
  name: 'relu', tex: '\\frac{d}{dx}\\max(x, 0) = [\\,x > 0\\,]', f: (x) => (x > 0 ? x : 0), d: (x) => gt(x, 0), values: values(-2, 2, { avoid: [0] }),
  edges: [{ note: "relu'(0) = 0: the kink takes the flat side, as PyTorch", args: [0], torch: [0] }],
})

export const softplus = defineUnary({
  name: 'softplus',
  tex: '\\frac{d}{dx}\\ln(1 + e^x) = \\sigma(x)',
  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|): never overflows, exact for large |x|.
  f: (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))),
  d: (x) => sigmoid(x),
  values: values(-4, 4),
})

export const erf = defineUnary({
  name: 'erf', tex: '\\frac{d}{dx}\\operatorname{erf} x = \\frac{2}{\\sqrt{\\pi}}\\,e^{-x^2}', f: erfKernel, d: (x) => mul(2 / Math.sqrt(Math.PI), exp(neg(square(x)))), values: real,
})

/** 1 − erf(x), as torch.erfc: accurate where 1 − erf(x) would cancel (x ≳ 3), e.g. the normal CDF's tail. */
export const erfc = defineUnary({
  name: 'erfc', f: erfcKernel, d: (x) => mul(-2 / Math.sqrt(Math.PI), exp(neg(square(x)))), values: values(-4, 4),
  tex: '\\frac{d}{dx}\\operatorname{erfc} x = -\\tfrac{2}{\\sqrt{\\pi}}\\,e^{-x^2}',
})

export const rsqrt = defineUnary({
  name: 'rsqrt', f: (x) => 1 / Math.sqrt(x), d: (_x, y) => mul(-0.5, mul(y, square(y))), values: positive,
  edges: [{ note: "rsqrt'(0) = −½·(1/√0)³ = −inf, as PyTorch", args: [0], torch: [-Infinity] }],
  tex: '\\frac{d}{dx}\\,x^{-1/2} = -\\tfrac{1}{2}\\,x^{-3/2}',
})

export const log2 = defineUnary({
  name: 'log2', f: Math.log2, d: (x) => reciprocal(mul(x, Math.LN2)), values: positive,
  tex: '\\frac{d}{dx}\\log_2 x = \\frac{1}{x \\ln 2}',
})

export const log10 = defineUnary({
  name: 'log10', f: Math.log10, d: (x) => reciprocal(mul(x, Math.LN10)), values: positive,
  tex: '\\frac{d}{dx}\\log_{10} x = \\frac{1}{x \\ln 10}',
})

export const exp2 = defineUnary({
  name: 'exp2', f: (x) => Math.pow(2, x), d: (_x, y) => mul(y, Math.LN2), values: real,
  tex: '\\frac{d}{dx}\\,2^x = 2^x \\ln 2',
})
