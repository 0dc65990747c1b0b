import { attr } from '../attrs.js'
import { drawBroadcastable, drawShape, real, values } from '../domain.js'
import { fmtShape, invalid } from '../errors.js'
import { clampKernel, where3 } from '../kernels/select.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { broadcastShapes } from '../shape.js'
import type { Value } from '../dispatch.js'
import { expandTo, sumTo } from './base.js'
import { ge, le } from './compare.js'

/**
 * `a` where the condition is non-zero, `b` elsewhere; the three broadcast together. The
 * condition is a constant (never differentiated). Cotangents go through `where` again with
 * an exact 0 on the branch not taken, so an inf or NaN on that side never leaks into the
 * other (0·inf would be NaN).
 *
 * That exact 0 still flows back through whatever computed the branch not taken, and IEEE
 * arithmetic keeps a NaN there a NaN: in `where(gt(x, 0), sqrt(x), 0)` at x = -1 the
 * gradient is 0 · sqrt'(-1) = 0 · NaN = NaN in reverse mode (as in PyTorch and JAX; forward
 * mode's tangent is where(c, ṫa, ṫb), which picks the 0 and gives 0, as their jvp does). The
 * cure is the double `where`: make the unsafe branch's input safe where it is not taken, so
 * its derivative there is finite and the 0 stays 0:
 *
 * ```ts
 * const safe = where(gt(x, 0), x, 1)          // any point where sqrt is smooth
 * const y = where(gt(x, 0), sqrt(safe), 0)    // gradient 0 at x <= 0, 1/(2√x) above
 * ```
 */
export const where = defineOp({
  name: 'where',
  tex: '\\frac{\\partial}{\\partial a}\\operatorname{where}(c, a, b) = [\\,c \\ne 0\\,],\\quad \\frac{\\partial}{\\partial b}\\operatorname{where}(c, a, b) = [\\,c = 0\\,]',
  arity: 3,
  constantArgs: [0],
  // On plain numbers a number, so rules that use `where` keep forward mode's scalar path.
  scalar: (c, a, b) => (c !== 0 ? a : b),
  shape: ([c, a, b]) => broadcastShapes('where', c, a, b),
  primal: ([c, a, b], _attrs, shape) => where3(c, a, b, shape),
  jvp: ({ args: [c], out }, [, ta, tb]): MaybeZero => {
    if (ta === null && tb === null) return null
    // A tangent built from a smaller branch (or zeros) still has the output's shape.
    return expandTo(where(c, ta ?? 0, tb ?? 0), shapeOf(out))
  },
  vjp: ({ args: [c, a, b] }, g, needs): MaybeZero[] => [
    null,
    needs[1] ? sumTo(where(c, g, 0), shapeOf(a)) : null,
    needs[2] ? sumTo(where(c, 0, g), shapeOf(b)) : null,
  ],
  domain: (draw) => {
    const shape = drawShape(draw)
    const pick = () => (draw.bool() ? shape : drawBroadcastable(draw, shape))
    return {
      args: [
        { shape: pick(), values: values(0, 1, { integer: true, constant: true }) },
        { shape: pick(), values: real },
        { shape: pick(), values: real },
      ],
      attrs: {},
    }
  },
  edges: [
    {
      note: 'the branch not taken gets an exact 0, never 0·g; a NaN made upstream of it stays NaN (see the double-where idiom in the doc comment)',
      args: [[1, 0], [1, 2], [3, 4]],
      torch: [[1, 0], [0, 1]],
    },
  ],
})

/** 1 where lo <= x <= hi (bounds included, as PyTorch), 0 elsewhere; a constant. */
function insideMask(x: Value, lo: number | undefined, hi: number | undefined): Value {
  const above = lo === undefined ? undefined : ge(x, lo)
  const below = hi === undefined ? undefined : le(x, hi)
  if (above !== undefined && below !== undefined) return where(above, below, 0)
  return (above ?? below)!
}

/** Limits values to [min, max] (either bound may be left out, not both). */
export const clamp = defineOp({
  name: 'clamp',
  tex: '\\frac{d}{dx}\\operatorname{clamp}(x, lo, hi) = [\\,lo \\le x \\le hi\\,]',
  arity: 1,
  elementwise: true,
  attrs: { min: attr.number().optional(), max: attr.number().optional() },
  positional: ['min', 'max'],
  shape: ([s], { min, max }) => {
    if (min === undefined && max === undefined) {
      throw invalid(`clamp: give at least one of min and max (input shape ${fmtShape(s)}).`)
    }
    return s
  },
  primal: ([x], { min, max }) => clampKernel(x, min ?? -Infinity, max ?? Infinity),
  jvp: ({ args: [x], attrs }, [t]): MaybeZero => (t === null ? null : where(insideMask(x, attrs.min, attrs.max), t, 0)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => [where(insideMask(x, attrs.min, attrs.max), g, 0)],
  domain: (draw) => {
    const choice = draw.int(0, 2)
    const min = choice === 1 ? undefined : draw.pick([-1.5, -0.5, 0])
    const max = choice === 2 ? undefined : draw.pick([0.25, 0.5, 1.5])
    const attrs: Record<string, number> = {}
    if (min !== undefined) attrs.min = min
    if (max !== undefined) attrs.max = max
    const avoid = Object.values(attrs)
    return { args: [{ shape: drawShape(draw), values: values(-2, 2, { avoid }) }], attrs }
  },
  edges: [
    { note: 'at a bound: gradient 1 (bounds count as inside, as PyTorch)', args: [[-1, 1]], attrs: { min: -1, max: 1 }, torch: [[1, 1]] },
    { note: 'min > max: the output is max everywhere and the gradient 0, as PyTorch', args: [0.5], attrs: { min: 1, max: 0 }, torch: [0] },
  ],
})
