import { attr } from '../attrs.js'
import { drawDims, drawShape, real, values } from '../domain.js'
import { fmtShape, invalid } from '../errors.js'
import { normDims, varianceDims } from '../kernels/reduce.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { normalizeDims, reducedShape, type Shape } from '../shape.js'
import type { Value } from '../dispatch.js'
import { div, mul, sub } from './arithmetic.js'
import { countOf, keepDims, sum } from './base.js'
import { eq, sign } from './compare.js'
import { where } from './select.js'
import { abs } from './unary.js'
import { pow } from './binary.js'
import { mean } from './reduce.js'

// Spread and size over several dims. Each rule is the partial ∂out/∂x (of x's shape), then
// the usual reduction plumbing: the VJP scales the un-reduced cotangent by it, the JVP sums
// the tangent times it over the reduced dims.

/** How a rule applies a partial of x's shape: the cotangent times it, or the tangent times it summed. */
function vjpOf(g: Value, partial: Value, xs: Shape, nd: number[], keepdim: boolean): Value {
  return mul(keepDims(g, xs, nd, keepdim), partial)
}

function jvpOf(t: Value, partial: Value, nd: number[], keepdim: boolean): Value {
  return sum(mul(t, partial), { dims: nd, keepdim })
}

const spreadAttrs = { dims: attr.ints().optional(), correction: attr.number().default(1), keepdim: attr.bool().default(false) }

/**
 * Shapes with at least 2 elements along every dim (n − correction > 0). Values distinct: std
 * has a cone at constant data (like |x| at 0), where finite differences are wrong.
 */
function spreadDomain(draw: Parameters<Parameters<typeof defineOp>[0]['domain']>[0]) {
  const shape = drawShape(draw, 1, 3).map((n) => Math.max(n, 2))
  const attrs: Record<string, unknown> = draw.bool() ? {} : { dims: drawDims(draw, shape.length), keepdim: draw.bool() }
  if (draw.bool()) attrs.correction = draw.pick([0, 1])
  return { args: [{ shape, values: real }], attrs, distinct: true }
}

/**
 * (x − mean)·2/(n − correction), the partial of the variance: exactly 0 for constant data,
 * as PyTorch (never 0/0).
 */
function centered(x: Value, nd: number[]): Value {
  return sub(x, mean(x, { dims: nd, keepdim: true }))
}

/** The variance over dims with Bessel's correction (default 1, as torch.var). */
const variance = defineOp({
  name: 'var',
  arity: 1,
  attrs: spreadAttrs,
  positional: ['dims', 'correction', 'keepdim'],
  shape: ([s], { dims, keepdim }) => reducedShape(s, normalizeDims('var', dims, s.length), keepdim),
  primal: ([x], { dims, correction }, shape) => varianceDims(x, normalizeDims('var', dims, x.rank), correction, shape, false),
  jvp: ({ args: [x], attrs }, [t]): MaybeZero => {
    if (t === null) return null
    const xs = shapeOf(x)
    const nd = normalizeDims('var', attrs.dims, xs.length)
    return jvpOf(t, mul(centered(x, nd), 2 / (countOf(xs, nd) - attrs.correction)), nd, attrs.keepdim)
  },
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    const nd = normalizeDims('var', attrs.dims, xs.length)
    return [vjpOf(g, mul(centered(x, nd), 2 / (countOf(xs, nd) - attrs.correction)), xs, nd, attrs.keepdim)]
  },
  domain: spreadDomain,
  edges: [{ note: 'constant data: gradient 0, as PyTorch (x − mean is exactly 0)', args: [[2, 2, 2]], torch: [[0, 0, 0]] }],
  tex: '\\frac{\\partial}{\\partial x_i}\\operatorname{var} x = \\frac{2\\,(x_i - \\bar x)}{n - c}',
})

// `var` is a reserved word, so the binding has another name; the export (and the free
// function and method every engine makes from it) is `var`, as the op is named.
export { variance as var }

/**
 * (x − mean)/((n − correction)·std), with std replaced by 1 where it is 0: there every
 * x − mean is 0, so the gradient is 0 rather than 0/0 (the SPEC's convention for constant data).
 */
function stdPartial(x: Value, out: Value, nd: number[], keepdim: boolean, correction: number): Value {
  const xs = shapeOf(x)
  const s = keepDims(out, xs, nd, keepdim)
  const safe = where(eq(s, 0), 1, s)
  return div(centered(x, nd), mul(safe, countOf(xs, nd) - correction))
}

/** The standard deviation: the square root of `var` (same attrs). */
export const std = defineOp({
  name: 'std',
  arity: 1,
  attrs: spreadAttrs,
  positional: ['dims', 'correction', 'keepdim'],
  shape: ([s], { dims, keepdim }) => reducedShape(s, normalizeDims('std', dims, s.length), keepdim),
  primal: ([x], { dims, correction }, shape) => varianceDims(x, normalizeDims('std', dims, x.rank), correction, shape, true),
  jvp: ({ args: [x], out, attrs }, [t]): MaybeZero => {
    if (t === null) return null
    const nd = normalizeDims('std', attrs.dims, shapeOf(x).length)
    return jvpOf(t, stdPartial(x, out, nd, attrs.keepdim, attrs.correction), nd, attrs.keepdim)
  },
  vjp: ({ args: [x], out, attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    const nd = normalizeDims('std', attrs.dims, xs.length)
    return [vjpOf(g, stdPartial(x, out, nd, attrs.keepdim, attrs.correction), xs, nd, attrs.keepdim)]
  },
  domain: spreadDomain,
  edges: [{ note: 'constant data: gradient 0 where √ would give 0/0 (the mathematical limit along constant data; PyTorch 1.13 gives NaN)', args: [[2, 2, 2]], torch: [[0, 0, 0]] }],
  tex: '\\frac{\\partial}{\\partial x_i}\\operatorname{std} x = \\frac{x_i - \\bar x}{(n - c)\\,\\operatorname{std} x}',
})

function checkP(p: number, s: Shape): void {
  if (!(p > 0)) throw invalid(`norm: p must be a positive number or Infinity, got ${p} (shape ${fmtShape(s)}).`)
}

/**
 * ∂‖x‖_p/∂x = sign(x)·|x|^(p−1) / ‖x‖^(p−1), as torch.linalg.vector_norm: 0 at the zero
 * vector (the norm replaced by 1 where it is 0, and every sign(x) is 0 there), |x|^(p−1)
 * taken on |x| replaced by 1 at zeros (for p < 1 it is infinite there; sign(0) = 0 keeps
 * those elements at 0). p = 1 is sign(x), p = 2 is x/‖x‖; p = ∞ shares the gradient equally
 * among the elements of largest |x|.
 */
function normPartial(x: Value, out: Value, nd: number[], keepdim: boolean, p: number): Value {
  const xs = shapeOf(x)
  const n = keepDims(out, xs, nd, keepdim)
  if (p === 1) return sign(x)
  const safeNorm = where(eq(n, 0), 1, n)
  if (p === 2) return div(x, safeNorm)
  if (p === Infinity) {
    const ties = eq(abs(x), n)
    return div(mul(sign(x), ties), sum(ties, { dims: nd, keepdim: true }))
  }
  const safeAbs = where(eq(x, 0), 1, abs(x))
  return mul(sign(x), pow(div(safeAbs, safeNorm), p - 1))
}

/** The vector p-norm over dims (all by default), p > 0 or Infinity (torch.linalg.vector_norm). */
export const norm = defineOp({
  name: 'norm',
  arity: 1,
  attrs: { p: attr.number().default(2), dims: attr.ints().optional(), keepdim: attr.bool().default(false) },
  positional: ['p', 'dims', 'keepdim'],
  shape: ([s], { p, dims, keepdim }) => (checkP(p, s), reducedShape(s, normalizeDims('norm', dims, s.length), keepdim)),
  primal: ([x], { p, dims }, shape) => normDims(x, normalizeDims('norm', dims, x.rank), p, shape),
  jvp: ({ args: [x], out, attrs }, [t]): MaybeZero => {
    if (t === null) return null
    const nd = normalizeDims('norm', attrs.dims, shapeOf(x).length)
    return jvpOf(t, normPartial(x, out, nd, attrs.keepdim, attrs.p), nd, attrs.keepdim)
  },
  vjp: ({ args: [x], out, attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    const nd = normalizeDims('norm', attrs.dims, xs.length)
    return [vjpOf(g, normPartial(x, out, nd, attrs.keepdim, attrs.p), xs, nd, attrs.keepdim)]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const p = draw.pick([2, 1, 3, 0.5, 1.5, Infinity])
    const attrs: Record<string, unknown> = draw.bool() ? { p } : { p, dims: drawDims(draw, shape.length), keepdim: draw.bool() }
    // |x| has a kink at 0, and p = ∞ one wherever two |x| tie (kept apart by `distinct`).
    return { args: [{ shape, values: values(-2, 2, { avoid: [0] }) }], attrs, distinct: p === Infinity }
  },
  edges: [
    { note: 'the zero vector: gradient 0, as torch.linalg.vector_norm', args: [[0, 0]], torch: [[0, 0]] },
    { note: 'p = 1 at a zero element: sign(0) = 0', args: [[0, -2]], attrs: { p: 1 }, torch: [[0, -1]] },
    { note: 'p = ∞: ties of the largest |x| share the gradient equally', args: [[1, -1, 0.5]], attrs: { p: Infinity }, torch: [[0.5, -0.5, 0]] },
  ],
  tex: '\\frac{\\partial}{\\partial x_i}\\lVert x \\rVert_p = \\operatorname{sign}(x_i)\\,\\frac{|x_i|^{p-1}}{\\lVert x \\rVert_p^{p-1}}',
})
