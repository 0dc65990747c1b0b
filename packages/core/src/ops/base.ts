import { attr } from '../attrs.js'
import type { Value } from '../dispatch.js'
import { drawDims, drawShape, real } from '../domain.js'
import { fmtShape, invalid, shapeMismatch } from '../errors.js'
import { sumDims } from '../kernels/reduce.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { normalizeDims, reducedShape, sameShape, sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

// The base layer of the ops: what broadcasting and reductions are written with. `sum`,
// `reshape` and `expand` are each other's derivatives (expand's VJP sums, sum's VJP expands),
// and `sumTo` / `expandTo` (broadcasting's cotangent and tangent) are made of them, so they
// live in one module that imports no other op module. The elementwise builders sit on this
// layer, and the op families on the builders: every module under ops/ imports only downward.

/** Resolves one -1 in a target shape and checks the element count. */
function resolveReshape(from: readonly number[], target: readonly number[]): number[] {
  const free = target.filter((d) => d === -1).length
  if (free > 1 || target.some((d) => d < -1)) throw invalid(`reshape: shape ${fmtShape(target)} may hold at most one -1 and no other negative size.`)
  const known = target.reduce((p, d) => (d === -1 ? p : p * d), 1)
  const n = sizeOf(from)
  const out = target.map((d) => (d === -1 ? (known === 0 ? 0 : n / known) : d))
  if (sizeOf(out) !== n || !out.every(Number.isInteger)) {
    throw invalid(`reshape: cannot reshape a tensor of shape ${fmtShape(from)} (${n} elements) to ${fmtShape(target)}.`)
  }
  return out
}

export const reshape = defineOp({
  name: 'reshape',
  tex: '\\frac{\\partial\\,\\mathrm{out}_k}{\\partial x_k} = 1 \\text{ (row-major order kept)}',
  arity: 1,
  attrs: { shape: attr.ints() },
  positional: ['shape'],
  shape: ([s], { shape }) => resolveReshape(s, shape),
  // A contiguous tensor reshapes as a view of the same storage; otherwise it is packed first.
  primal: ([x], _attrs, shape) =>
    x.isContiguous ? new Tensor(x.storage, shape, undefined, x.offset) : Tensor.fromArray(x.contiguousData(), shape),
  jvp: ({ out }, [t]): MaybeZero => (t === null ? null : reshape(t, { shape: [...shapeOf(out)] })),
  vjp: ({ args: [x] }, g): MaybeZero[] => [reshape(g, { shape: [...shapeOf(x)] })],
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const target = draw.bool() ? [sizeOf(shape)] : [...shape].reverse()
    if (target.length > 0 && draw.bool()) target[draw.int(0, target.length - 1)] = -1
    return { args: [{ shape, values: real }], attrs: { shape: target } }
  },
})

/** Broadcasts to `shape` as a view: stride 0 along stretched and new leading dims. */
export const expand = defineOp({
  name: 'expand',
  tex: '\\frac{\\partial\\,\\mathrm{out}_{i}}{\\partial x_{j}} = [\\,j = i \\text{ with stretched dims at } 0\\,] \\;\\Rightarrow\\; \\bar x = \\textstyle\\sum_{\\text{stretched}} \\bar{\\mathrm{out}}',
  arity: 1,
  attrs: { shape: attr.ints() },
  positional: ['shape'],
  shape: ([s], { shape }) => {
    const lead = shape.length - s.length
    const fail = () => shapeMismatch(`expand: cannot expand shape ${fmtShape(s)} to ${fmtShape(shape)}; only dims of size 1 can grow.`)
    if (lead < 0) throw fail()
    return shape.map((d, i) => {
      const own = i < lead ? undefined : s[i - lead]
      if (d === -1) {
        if (own === undefined) throw fail()
        return own
      }
      // -1 keeps a dim; any other negative size is a mistake, as in PyTorch.
      if (d < 0) throw invalid(`expand: size ${d} in ${fmtShape(shape)} is negative; use -1 to keep a dim, or a size >= 0.`)
      if (own !== undefined && own !== 1 && own !== d) throw fail()
      return d
    })
  },
  primal: ([x], _attrs, shape) => {
    const lead = shape.length - x.rank
    const strides = shape.map((_, i) => (i < lead || x.shape[i - lead] === 1 ? 0 : x.strides[i - lead]))
    return new Tensor(x.storage, shape, strides, x.offset)
  },
  jvp: ({ out }, [t]): MaybeZero => (t === null ? null : expand(t, { shape: [...shapeOf(out)] })),
  vjp: ({ args: [x] }, g): MaybeZero[] => [sumTo(g, shapeOf(x))],
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const target = [...(draw.bool() ? [draw.int(1, 3)] : []), ...shape.map((d) => (d === 1 ? draw.int(1, 3) : d))]
    const input = shape.map((d, i) => (draw.bool() ? 1 : target[target.length - shape.length + i] ?? d))
    return { args: [{ shape: input, values: real }], attrs: { shape: target } }
  },
})

/** The attrs of `sum` and `mean`. */
export const reduceAttrs = { dims: attr.ints().optional(), keepdim: attr.bool().default(false) }

export const sum = defineOp({
  name: 'sum',
  tex: '\\frac{\\partial}{\\partial x_i}\\sum_j x_j = 1',
  arity: 1,
  attrs: reduceAttrs,
  positional: ['dims', 'keepdim'],
  shape: ([s], { dims, keepdim }) => reducedShape(s, normalizeDims('sum', dims, s.length), keepdim),
  primal: ([x], { dims }, shape) => sumDims(x, normalizeDims('sum', dims, x.rank), shape),
  reduce: { dims: (s, { dims }) => normalizeDims('sum', dims, s.length), init: 0, combine: (acc, x) => acc + x },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : sum(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => [unreduce(g, shapeOf(x), attrs.dims, attrs.keepdim)],
  domain: (draw) => {
    const shape = drawShape(draw, 0, 4)
    const attrs = draw.bool() ? {} : { dims: drawDims(draw, shape.length), keepdim: draw.bool() }
    return { args: [{ shape, values: real }], attrs }
  },
})

// ---------------------------------------------------------------------------------------
// Broadcasting helpers: not ops, but what every broadcasting op's rules are written with.

/**
 * Sums a broadcast cotangent back to an input's shape: over the leading dims broadcasting
 * added and over dims where the input had size 1. The transpose of `expandTo`.
 */
export function sumTo(g: Value, shape: Shape): Value {
  const from = shapeOf(g)
  if (sameShape(from, shape)) return g
  const lead = from.length - shape.length
  const dims: number[] = []
  for (let i = 0; i < from.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && from[i] !== 1)) dims.push(i)
  }
  const summed = dims.length ? sum(g, { dims, keepdim: true }) : g
  return sameShape(shapeOf(summed), shape) ? summed : reshape(summed, { shape: [...shape] })
}

/** Broadcasts a value to `shape` (a view where the engine allows). */
export function expandTo(v: Value, shape: Shape): Value {
  return sameShape(shapeOf(v), shape) ? v : expand(v, { shape: [...shape] })
}

/**
 * A reduced value brought back to the input's shape: un-drop the reduced dims, then expand.
 * The VJP of every reduction starts here.
 */
export function unreduce(g: Value, inputShape: readonly number[], dims: readonly number[] | undefined, keepdim: boolean): Value {
  const all = normalizeDims('unreduce', dims, inputShape.length)
  const kept = reducedShape(inputShape, all, true)
  const shaped = keepdim ? g : reshape(g, { shape: kept })
  return expandTo(shaped, inputShape)
}

/** How many elements each output of a reduction over `dims` (normalised) gathers. */
export function countOf(shape: readonly number[], dims: readonly number[]): number {
  let n = 1
  for (const d of dims) if (d < shape.length) n *= shape[d]
  return n
}

/** A reduced value reshaped so that it broadcasts against the input (reduced dims kept as 1). */
export function keepDims(v: Value, inputShape: readonly number[], dims: readonly number[], keepdim: boolean): Value {
  return keepdim ? v : reshape(v, { shape: reducedShape(inputShape, dims, true) })
}
