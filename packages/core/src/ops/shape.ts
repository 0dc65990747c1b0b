import { attr } from '../attrs.js'
import { drawShape, real } from '../domain.js'
import { fmtShape, invalid, shapeMismatch } from '../errors.js'
import type { Value } from '../dispatch.js'
import { catKernel } from '../kernels/cat.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { Tensor } from '../tensor.js'
import { reshape } from './base.js'
import { checkDim, zerosLike } from './util.js'

// ---------------------------------------------------------------------------------------
// permute, squeeze, unsqueeze, index, slice (views), cat, stack

/** The permutation `dims` of a tensor of `shape`, normalised; each dim exactly once. */
function permutation(s: readonly number[], dims: readonly number[]): number[] {
  const fail = () =>
    invalid(`permute: dims ${JSON.stringify(dims)} must list each dim of a tensor of shape ${fmtShape(s)} exactly once.`)
  if (dims.length !== s.length) throw fail()
  const out = dims.map((d) => checkDim('permute', d, s))
  if (new Set(out).size !== out.length) throw fail()
  return out
}

/** Reorders dims as a view: the strides are permuted, nothing is copied. */
export const permute = defineOp({
  name: 'permute',
  tex: '\\frac{\\partial\\,\\mathrm{out}_{i_{\\pi(0)} \\dots i_{\\pi(k)}}}{\\partial x_{i_0 \\dots i_k}} = 1 \\;\\Rightarrow\\; \\bar x = \\bar{\\mathrm{out}} \\text{ permuted by } \\pi^{-1}',
  arity: 1,
  attrs: { dims: attr.ints() },
  positional: ['dims'],
  shape: ([s], { dims }) => permutation(s, dims).map((d) => s[d]),
  primal: ([x], { dims }, shape) =>
    new Tensor(x.storage, shape, permutation(x.shape, dims).map((d) => x.strides[d]), x.offset),
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : permute(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const p = permutation(shapeOf(x), attrs.dims)
    const inverse = new Array<number>(p.length)
    p.forEach((d, i) => (inverse[d] = i))
    return [permute(g, { dims: inverse })]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 4)
    const rest = shape.map((_, i) => i)
    const dims: number[] = []
    while (rest.length > 0) {
      const d = rest.splice(draw.int(0, rest.length - 1), 1)[0]
      dims.push(draw.bool() ? d : d - shape.length)
    }
    return { args: [{ shape, values: real }], attrs: { dims } }
  },
})

/** The dims squeeze keeps: all but the given size-1 dim (all size-1 dims without one). */
function squeezeKeeps(s: readonly number[], dim: number | undefined): number[] {
  const d = dim === undefined ? undefined : checkDim('squeeze', dim, s)
  const keep: number[] = []
  for (let i = 0; i < s.length; i++) if (s[i] !== 1 || (d !== undefined && d !== i)) keep.push(i)
  return keep
}

/** Drops a dim of size 1 (a dim of another size is left alone, as in PyTorch); a view. */
export const squeeze = defineOp({
  name: 'squeeze',
  tex: '\\frac{\\partial\\,\\mathrm{out}}{\\partial x} = I \\text{ (a size-1 dim dropped)}',
  arity: 1,
  attrs: { dim: attr.int().optional() },
  positional: ['dim'],
  shape: ([s], { dim }) => squeezeKeeps(s, dim).map((i) => s[i]),
  primal: ([x], { dim }, shape) =>
    new Tensor(x.storage, shape, squeezeKeeps(x.shape, dim).map((i) => x.strides[i]), x.offset),
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : squeeze(t, attrs)),
  vjp: ({ args: [x] }, g): MaybeZero[] => [reshape(g, { shape: [...shapeOf(x)] })],
  domain: (draw) => {
    const shape = drawShape(draw, 0, 4).map((d) => (draw.bool() ? 1 : d))
    const r = Math.max(shape.length, 1)
    return { args: [{ shape, values: real }], attrs: draw.int(0, 3) === 0 ? {} : { dim: draw.int(-r, r - 1) } }
  },
})

/** Inserts a dim of size 1 at `dim` in [-(rank+1), rank]; a view. */
export const unsqueeze = defineOp({
  name: 'unsqueeze',
  tex: '\\frac{\\partial\\,\\mathrm{out}}{\\partial x} = I \\text{ (a size-1 dim inserted)}',
  arity: 1,
  attrs: { dim: attr.int() },
  positional: ['dim'],
  shape: ([s], { dim }) => {
    const d = checkDim('unsqueeze', dim, s, s.length + 1)
    return [...s.slice(0, d), 1, ...s.slice(d)]
  },
  primal: ([x], { dim }, shape) => {
    const d = checkDim('unsqueeze', dim, x.shape, x.rank + 1)
    // Any stride serves a dim of size 1; this one keeps a contiguous tensor contiguous.
    const stride = d < x.rank ? x.strides[d] * x.shape[d] : 1
    return new Tensor(x.storage, shape, [...x.strides.slice(0, d), stride, ...x.strides.slice(d)], x.offset)
  },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : unsqueeze(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    return [squeeze(g, { dim: checkDim('unsqueeze', attrs.dim, xs, xs.length + 1) })]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const r = shape.length + 1
    return { args: [{ shape, values: real }], attrs: { dim: draw.int(-r, r - 1) } }
  },
})

/** The position `index` selects along dim 0 of a tensor of shape `s`. */
function checkIndex(s: readonly number[], index: number): number {
  if (s.length === 0) throw invalid('index: cannot index a 0-dim tensor (shape []); it has no dim 0.')
  const n = s[0]
  if (index < -n || index >= n) {
    throw invalid(`index: index ${index} is out of range [${-n}, ${n - 1}] for dim 0 of a tensor of shape ${fmtShape(s)}.`)
  }
  return index < 0 ? index + n : index
}

/**
 * Puts `g` (the cotangent of a part of `x`) back at rows [start, start + len·step) of dim
 * `dim`, every `step`-th row, zeros elsewhere: the transpose of a slice. Written with core
 * ops (cat with constant zeros, reshape, slice), so it is differentiable again and runs in
 * every engine. A step > 1 interleaves zero rows: [len, 1] ++ zeros [len, step-1] along a
 * new dim, then merged into len·step rows.
 */
function embedSlice(g: Value, xShape: readonly number[], dim: number, start: number, len: number, step: number): Value {
  if (len === 0) return zerosLike(g, xShape)
  const gs = shapeOf(g)
  let body = g
  let extent = len
  if (step > 1) {
    const pad = zerosLike(g, [...gs.slice(0, dim + 1), step - 1, ...gs.slice(dim + 1)])
    const spread = cat([unsqueeze(g, { dim: dim + 1 }), pad], { dim: dim + 1 })
    body = reshape(spread, { shape: [...gs.slice(0, dim), len * step, ...gs.slice(dim + 1)] })
    extent = len * step
    const room = xShape[dim] - start
    if (extent > room) {
      body = slice(body, { dim, start: 0, end: room }) // only zeros are cut
      extent = room
    }
  }
  const parts: Value[] = []
  const rows = (n: number) => zerosLike(g, [...gs.slice(0, dim), n, ...gs.slice(dim + 1)])
  if (start > 0) parts.push(rows(start))
  parts.push(body)
  const after = xShape[dim] - start - extent
  if (after > 0) parts.push(rows(after))
  return parts.length === 1 ? body : cat(parts, { dim })
}

/** Selects one position along dim 0, dropping that dim; negative counts from the end. A view. */
export const index = defineOp({
  name: 'index',
  tex: '\\frac{\\partial\\,\\mathrm{out}_{j}}{\\partial x_{i, j}} = [\\,i = \\mathrm{index}\\,]',
  arity: 1,
  attrs: { index: attr.int() },
  positional: ['index'],
  shape: ([s], { index }) => (checkIndex(s, index), s.slice(1)),
  primal: ([x], { index }, shape) =>
    new Tensor(x.storage, shape, x.strides.slice(1), x.offset + checkIndex(x.shape, index) * x.strides[0]),
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : index(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    return [embedSlice(unsqueeze(g, { dim: 0 }), xs, 0, checkIndex(xs, attrs.index), 1, 1)]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 1, 3)
    return { args: [{ shape, values: real }], attrs: { index: draw.int(-shape[0], shape[0] - 1) } }
  },
})

/** Python's slice bounds: [start, start + len·step) clamped into [0, n]. */
function sliceBounds(s: readonly number[], dim: number, start: number, end: number, step: number) {
  if (s.length === 0) throw invalid('slice: cannot slice a 0-dim tensor (shape []).')
  const d = checkDim('slice', dim, s)
  if (step < 1) throw invalid(`slice: step must be a positive integer, got ${step} (shape ${fmtShape(s)}).`)
  const n = s[d]
  const clamp = (v: number) => (v < 0 ? Math.max(v + n, 0) : Math.min(v, n))
  const lo = clamp(start)
  const hi = clamp(end)
  return { d, lo, len: hi > lo ? Math.ceil((hi - lo) / step) : 0 }
}

/** Positions start, start+step, … before end along `dim` (bounds as in Python); a view. */
export const slice = defineOp({
  name: 'slice',
  tex: '\\frac{\\partial\\,\\mathrm{out}_k}{\\partial x_i} = [\\,i = \\mathrm{start} + k\\cdot\\mathrm{step}\\,]',
  arity: 1,
  attrs: { dim: attr.int(), start: attr.int(), end: attr.int(), step: attr.int().default(1) },
  positional: ['dim', 'start', 'end', 'step'],
  shape: ([s], { dim, start, end, step }) => {
    const { d, len } = sliceBounds(s, dim, start, end, step)
    return s.map((n, i) => (i === d ? len : n))
  },
  primal: ([x], { dim, start, end, step }, shape) => {
    const { d, lo } = sliceBounds(x.shape, dim, start, end, step)
    const strides = x.strides.map((st, i) => (i === d ? st * step : st))
    return new Tensor(x.storage, shape, strides, x.offset + lo * x.strides[d])
  },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : slice(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    const { d, lo, len } = sliceBounds(xs, attrs.dim, attrs.start, attrs.end, attrs.step)
    return [embedSlice(g, xs, d, lo, len, attrs.step)]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 1, 3)
    const r = shape.length
    const dim = draw.int(-r, r - 1)
    const n = shape[dim < 0 ? dim + r : dim]
    return {
      args: [{ shape, values: real }],
      attrs: { dim, start: draw.int(-n - 1, n), end: draw.int(-n - 1, n + 1), step: draw.int(1, 3) },
    }
  },
})

/** Checks cat's inputs and returns the normalised dim. */
function catDim(shapes: readonly (readonly number[])[], dim: number): number {
  const first = shapes[0]
  if (first.length === 0) {
    throw invalid('cat: zero-dimensional tensors cannot be concatenated; unsqueeze them first or use stack.')
  }
  const d = checkDim('cat', dim, first)
  for (const s of shapes) {
    if (s.length !== first.length || s.some((n, i) => i !== d && n !== first[i])) {
      throw shapeMismatch(
        `cat: shapes ${shapes.map(fmtShape).join(', ')} cannot be concatenated along dim ${dim}; ` +
          'they must have the same rank and agree on every other dim.',
      )
    }
  }
  return d
}

/** Fills the missing tangents of a list op with zeros of each argument's shape. */
function withZeros(args: readonly Value[], tangents: readonly MaybeZero[], like: Value): Value[] | null {
  if (tangents.every((t) => t === null)) return null
  return tangents.map((t, i) => t ?? zerosLike(like, shapeOf(args[i])))
}

/** Joins tensors along an existing dim (default 0); all other dims must agree. */
export const cat = defineOp({
  name: 'cat',
  tex: '\\frac{\\partial\\,\\mathrm{out}}{\\partial x^{(m)}} = I \\text{ on the block of } x^{(m)}',
  arity: 'list',
  attrs: { dim: attr.int().default(0) },
  positional: ['dim'],
  shape: (shapes, { dim }) => {
    const d = catDim(shapes, dim)
    const out = [...shapes[0]]
    out[d] = shapes.reduce((n, s) => n + s[d], 0)
    return out
  },
  primal: (xs, { dim }, shape) => catKernel(xs, catDim(xs.map((x) => x.shape), dim), shape),
  concat: (shapes, { dim }) => catDim(shapes, dim),
  jvp: ({ args, out, attrs }, tangents): MaybeZero => {
    const ts = withZeros(args, tangents, out)
    return ts === null ? null : cat(ts, attrs)
  },
  vjp: ({ args, attrs }, g, needs): MaybeZero[] => {
    const d = catDim(args.map(shapeOf), attrs.dim)
    let at = 0
    return args.map((x, i) => {
      const n = shapeOf(x)[d]
      at += n
      return needs[i] ? slice(g, { dim: d, start: at - n, end: at }) : null
    })
  },
  domain: (draw) => {
    const shape = drawShape(draw, 1, 3)
    const r = shape.length
    const dim = draw.int(-r, r - 1)
    const d = dim < 0 ? dim + r : dim
    const count = draw.int(1, 3)
    const args = Array.from({ length: count }, () => ({
      shape: shape.map((n, i) => (i === d ? draw.int(1, 3) : n)),
      values: real,
    }))
    return { args, attrs: draw.bool() && d === 0 ? {} : { dim } }
  },
})

/** Checks stack's inputs (one shape for all) and returns the normalised new dim. */
function stackDim(shapes: readonly (readonly number[])[], dim: number): number {
  const first = shapes[0]
  for (const s of shapes) {
    if (s.length !== first.length || s.some((n, i) => n !== first[i])) {
      throw shapeMismatch(`stack: shapes ${shapes.map(fmtShape).join(', ')} differ; stack needs tensors of one shape.`)
    }
  }
  return checkDim('stack', dim, first, first.length + 1)
}

/** Joins tensors of one shape along a new dim at `dim` in [-(rank+1), rank] (default 0). */
export const stack = defineOp({
  name: 'stack',
  tex: '\\frac{\\partial\\,\\mathrm{out}_{m}}{\\partial x^{(m)}} = I',
  arity: 'list',
  attrs: { dim: attr.int().default(0) },
  positional: ['dim'],
  shape: (shapes, { dim }) => {
    const d = stackDim(shapes, dim)
    const s = shapes[0]
    return [...s.slice(0, d), shapes.length, ...s.slice(d)]
  },
  // Each input seen as a view with a size-1 dim at `dim`, then concatenated along it.
  primal: (xs, { dim }, shape) => {
    const d = stackDim(
      xs.map((x) => x.shape),
      dim,
    )
    const lift = (x: Tensor) =>
      new Tensor(x.storage, [...x.shape.slice(0, d), 1, ...x.shape.slice(d)], [...x.strides.slice(0, d), 0, ...x.strides.slice(d)], x.offset)
    return catKernel(xs.map(lift), d, shape)
  },
  jvp: ({ args, out, attrs }, tangents): MaybeZero => {
    const ts = withZeros(args, tangents, out)
    return ts === null ? null : stack(ts, attrs)
  },
  vjp: ({ args, attrs }, g, needs): MaybeZero[] => {
    const d = stackDim(args.map(shapeOf), attrs.dim)
    return args.map((_, i) => {
      if (!needs[i]) return null
      return d === 0 ? index(g, { index: i }) : squeeze(slice(g, { dim: d, start: i, end: i + 1 }), { dim: d })
    })
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const r = shape.length + 1
    const dim = draw.int(-r, r - 1)
    const args = Array.from({ length: draw.int(1, 3) }, () => ({ shape, values: real }))
    return { args, attrs: draw.bool() && dim === 0 ? {} : { dim } }
  },
})
