import { attr } from '../attrs.js'
import { drawShape, real, values } from '../domain.js'
import { fmtShape, invalid, shapeMismatch } from '../errors.js'
import { gatherKernel, readIndices, scatterAddKernel } from '../kernels/indexing.js'
import { remap } from '../kernels/remap.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import type { Shape } from '../shape.js'
import type { Value } from '../dispatch.js'
import { expand, reshape } from './base.js'
import { pad } from './rearrange.js'
import { checkDim, zerosLike } from './util.js'

// Index arguments are constants of integer values (float tensors, or Int32Array data): they
// are read as positions by the kernels, checked there (INVALID_ARGUMENT when not an integer
// in range), and never differentiated. The rules pass them on as values, so gather's
// gradient is a scatterAdd of the same index, and the other way round.

/** Checks gather's shapes (PyTorch's rule): same rank, and the index no larger than x off `dim`. */
function gatherShape(op: string, x: Shape, index: Shape, dim: number): number {
  const d = checkDim(op, dim, x)
  if (index.length !== x.length || index.some((n, i) => i !== d && n > x[i])) {
    throw shapeMismatch(
      `${op}: an index of shape ${fmtShape(index)} does not fit an input of shape ${fmtShape(x)} along dim ${dim}; ` +
        'it needs the same rank and no dim (but dim) larger than the input.',
    )
  }
  return d
}

/** The amounts that pad a value of shape `from` out to `to` with zeros at the end of each dim (pad's order: last dim first). */
function padTo(from: Shape, to: Shape): number[] {
  const amounts: number[] = []
  for (let i = from.length - 1; i >= 0; i--) amounts.push(0, to[i] - from[i])
  return amounts
}

/** Pads `v` with zeros up to `shape` (or crops, for negative amounts), or leaves it when it already has it. */
function fitTo(v: Value, shape: Shape): Value {
  const s = shapeOf(v)
  return s.every((n, i) => n === shape[i]) ? v : pad(v, { pad: padTo(s, shape) })
}

/** Index of gather's and scatterAdd's domains: shape no larger than `like` off `dim`, values in [0, n). */
function drawIndexShape(draw: Parameters<Parameters<typeof defineOp>[0]['domain']>[0], like: Shape, dim: number): number[] {
  return like.map((n, i) => (i === dim ? draw.int(1, 4) : draw.int(1, n)))
}

/** out[…, i, …] = x[…, index[…, i, …], …] along `dim` (torch.gather). Gradient: scatterAdd into zeros. */
export const gather = defineOp({
  name: 'gather',
  arity: 2,
  attrs: { dim: attr.int() },
  methodOrder: ['dim', 1],
  constantArgs: [1],
  shape: ([x, index], { dim }) => (gatherShape('gather', x, index, dim), [...index]),
  primal: ([x, index], { dim }, shape) => {
    const d = gatherShape('gather', x.shape, index.shape, dim)
    return gatherKernel(x, d, readIndices('gather', index, x.rank === 0 ? 1 : x.shape[d], dim), shape)
  },
  jvp: ({ args: [, index], attrs }, [t]): MaybeZero => (t === null ? null : gather(t, index, attrs)),
  vjp: ({ args: [x, index], attrs }, g): MaybeZero[] => [scatterAdd(zerosLike(g, shapeOf(x)), index, g, attrs), null],
  domain: (draw) => {
    const shape = drawShape(draw, 1, 3)
    const dim = draw.int(-shape.length, shape.length - 1)
    const d = dim < 0 ? dim + shape.length : dim
    const index = drawIndexShape(draw, shape, d)
    return {
      args: [{ shape, values: real }, { shape: index, values: values(0, shape[d] - 1, { integer: true, constant: true }) }],
      attrs: { dim },
    }
  },
  edges: [
    { note: 'a repeated index: the gradients of its picks add up', args: [[1, 2, 3], [0, 0, 2]], attrs: { dim: 0 }, torch: [[2, 0, 1]] },
  ],
  tex: '\\frac{\\partial\\, \\mathrm{out}_{\\dots i \\dots}}{\\partial x_{\\dots j \\dots}} = [\\,j = \\mathrm{index}_{\\dots i \\dots}\\,]',
})

/** The index of indexSelect laid along `dim` and expanded to `shape`: the same selection as a gather index. */
function selectionIndex(index: Value, shape: Shape, dim: number): Value {
  const along = shape.map((n, i) => (i === dim ? n : 1))
  return expand(reshape(index, { shape: along }), { shape: [...shape] })
}

function selectShape(x: Shape, index: Shape, dim: number): number {
  const d = checkDim('indexSelect', dim, x)
  if (index.length > 1) throw invalid(`indexSelect: the index must be 1-D (or 0-dim), got shape ${fmtShape(index)} for an input of shape ${fmtShape(x)}.`)
  return d
}

/** The slices of x at the positions `index` (1-D) along `dim` (torch.index_select). One pass; gradient: scatterAdd. */
export const indexSelect = defineOp({
  name: 'indexSelect',
  arity: 2,
  attrs: { dim: attr.int() },
  methodOrder: ['dim', 1],
  constantArgs: [1],
  shape: ([x, index], { dim }) => {
    const d = selectShape(x, index, dim)
    return x.length === 0 ? [] : x.map((n, i) => (i === d ? (index.length === 0 ? 1 : index[0]) : n))
  },
  primal: ([x, index], { dim }, shape) => {
    const d = selectShape(x.shape, index.shape, dim)
    const positions = readIndices('indexSelect', index, x.rank === 0 ? 1 : x.shape[d], dim)
    return remap(x, (i) => (i === d ? positions : null), shape)
  },
  jvp: ({ args: [, index], attrs }, [t]): MaybeZero => (t === null ? null : indexSelect(t, index, attrs)),
  vjp: ({ args: [x, index], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    if (xs.length === 0) return [reshape(g, { shape: [] }), null]
    const d = selectShape(xs, shapeOf(index), attrs.dim)
    return [scatterAdd(zerosLike(g, xs), selectionIndex(index, shapeOf(g), d), g, { dim: d }), null]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 1, 3)
    const dim = draw.int(-shape.length, shape.length - 1)
    const n = shape[dim < 0 ? dim + shape.length : dim]
    return {
      args: [{ shape, values: real }, { shape: [draw.int(0, 5)], values: values(0, n - 1, { integer: true, constant: true }) }],
      attrs: { dim },
    }
  },
  edges: [
    { note: 'a repeated index: the gradients of its copies add up', args: [[1, 2, 3], [2, 2, 0]], attrs: { dim: 0 }, torch: [[1, 0, 2]] },
  ],
  tex: '\\frac{\\partial\\, \\mathrm{out}_{\\dots i \\dots}}{\\partial x_{\\dots j \\dots}} = [\\,j = \\mathrm{index}_i\\,]',
})

function scatterShape(x: Shape, index: Shape, src: Shape, dim: number): number {
  const d = gatherShape('scatterAdd', x, index, dim)
  if (src.length !== index.length || index.some((n, i) => n > src[i])) {
    throw shapeMismatch(
      `scatterAdd: src of shape ${fmtShape(src)} must have the index's rank and be at least its size ${fmtShape(index)} in every dim (input ${fmtShape(x)}).`,
    )
  }
  return d
}

/**
 * A copy of x with each src element added at the position its index names along `dim`
 * (torch.scatter_add): out[…index[…i…]…] += src[…i…]. src may be larger than the index; its
 * extra elements are not read (and get no gradient). Gradients: g to x, g gathered to src.
 */
export const scatterAdd = defineOp({
  name: 'scatterAdd',
  arity: 3,
  attrs: { dim: attr.int() },
  methodOrder: ['dim', 1, 2],
  constantArgs: [1],
  shape: ([x, index, src], { dim }) => (scatterShape(x, index, src, dim), [...x]),
  primal: ([x, index, src], { dim }) => {
    const d = scatterShape(x.shape, index.shape, src.shape, dim)
    return scatterAddKernel(x, d, readIndices('scatterAdd', index, x.rank === 0 ? 1 : x.shape[d], dim), index.shape, src)
  },
  jvp: ({ args: [x, index], attrs }, [tx, , ts]): MaybeZero => {
    if (ts === null) return tx
    const picked = fitTo(ts, shapeOf(index)) // only the src elements the index reads
    return scatterAdd(tx ?? zerosLike(ts, shapeOf(x)), index, picked, attrs)
  },
  vjp: ({ args: [, index, src], attrs }, g, needs): MaybeZero[] => [
    needs[0] ? g : null,
    null,
    needs[2] ? fitTo(gather(g, index, attrs), shapeOf(src)) : null,
  ],
  domain: (draw) => {
    const shape = drawShape(draw, 1, 3)
    const dim = draw.int(-shape.length, shape.length - 1)
    const d = dim < 0 ? dim + shape.length : dim
    const index = drawIndexShape(draw, shape, d)
    const src = index.map((n) => n + (draw.int(0, 3) === 0 ? 1 : 0))
    return {
      args: [
        { shape, values: real },
        { shape: index, values: values(0, shape[d] - 1, { integer: true, constant: true }) },
        { shape: src, values: real },
      ],
      attrs: { dim },
    }
  },
  edges: [
    {
      note: 'src elements the index does not reach get gradient 0; x gets the cotangent unchanged',
      args: [[[0, 0]], [[1]], [[5, 6]]],
      attrs: { dim: 1 },
      wrt: [0, 2],
      torch: [[[1, 1]], [[1, 0]]],
    },
  ],
  tex: '\\frac{\\partial\\, \\mathrm{out}}{\\partial x} = I,\\quad \\frac{\\partial\\, \\mathrm{out}_{\\dots j \\dots}}{\\partial\\, \\mathrm{src}_{\\dots i \\dots}} = [\\,j = \\mathrm{index}_{\\dots i \\dots}\\,]',
})
