import { attr } from '../attrs.js'
import { drawDims, drawShape, real, values } from '../domain.js'
import { fmtShape, invalid } from '../errors.js'
import { logsumexpDims, maxAlong, prodAll, prodOthersAlongLast, sumDims } from '../kernels/reduce.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { allocate, type DType } from '../dtype.js'
import { normalizeDims, reducedShape, sizeOf } from '../shape.js'
import { Tensor } from '../tensor.js'
import type { Value } from '../dispatch.js'
import { div, mul, sub } from './arithmetic.js'
import { reduceAttrs, reshape, sum, unreduce } from './base.js'
import { eq } from './compare.js'
import { where } from './select.js'
import { exp } from './unary.js'
import { checkDim, dtypeOfValue, positionsAlong } from './util.js'

// ---------------------------------------------------------------------------------------
// mean, prod, max, logsumexp, argmax

/** How many elements each output of a reduction over `dims` (normalised) gathers. */
function countOf(shape: readonly number[], dims: readonly number[]): number {
  let n = 1
  for (const d of dims) if (d < shape.length) n *= shape[d]
  return n
}

/** A reduced value reshaped so that it broadcasts against the input (reduced dims kept as 1). */
function keepDims(v: Value, inputShape: readonly number[], dims: readonly number[], keepdim: boolean): Value {
  return keepdim ? v : reshape(v, { shape: reducedShape(inputShape, dims, true) })
}

export const mean = defineOp({
  name: 'mean',
  arity: 1,
  attrs: reduceAttrs,
  positional: ['dims', 'keepdim'],
  shape: ([s], { dims, keepdim }) => reducedShape(s, normalizeDims('mean', dims, s.length), keepdim),
  primal: ([x], { dims }, shape) => {
    const nd = normalizeDims('mean', dims, x.rank)
    const out = sumDims(x, nd, shape) // a fresh buffer, so dividing in place is safe
    const n = countOf(x.shape, nd)
    const data = out.storage.data
    // Divide (not multiply by 1/n) so exact means stay exact; 0/0 gives NaN as PyTorch.
    for (let i = 0; i < data.length; i++) data[i] /= n
    return out
  },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : mean(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    const n = countOf(xs, normalizeDims('mean', attrs.dims, xs.length))
    return [unreduce(div(g, n), xs, attrs.dims, attrs.keepdim)]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 4)
    const attrs = draw.bool() ? {} : { dims: drawDims(draw, shape.length), keepdim: draw.bool() }
    return { args: [{ shape, values: real }], attrs }
  },
})

/**
 * Along the last dim, the product of the other elements: out[..., i] = ∏_{j≠i} x[..., j].
 * It is the gradient of `prod`, computed without dividing (so exact at zeros). Its Jacobian
 * is then prod's Hessian, J[i][j] = ∏_{k≠i,j} x_k (0 on the diagonal), which is symmetric:
 * the JVP and the VJP are the same product by J, built again from `prodOthers` (on a tensor
 * one dim larger), so every higher derivative is exact at zeros too.
 */
export const prodOthers = defineOp({
  name: 'prodOthers',
  arity: 1,
  shape: ([s]) => {
    if (s.length === 0) throw invalid('prodOthers: expects a tensor of at least one dim (it works along the last); reshape a 0-dim one to [1].')
    return s
  },
  primal: ([x]) => prodOthersAlongLast(x),
  jvp: ({ args: [x] }, [t]): MaybeZero => (t === null ? null : timesProdHessian(x, t)),
  vjp: ({ args: [x] }, g): MaybeZero[] => [timesProdHessian(x, g)],
  domain: (draw) => ({ args: [{ shape: drawShape(draw, 1, 3, 4), values: values(-1.5, 1.5) }], attrs: {} }),
  tex: '\\frac{\\partial}{\\partial x_j} \\prod_{k \\ne i} x_k = \\prod_{k \\ne i, j} x_k \\; (j \\ne i)',
})

/**
 * Σ_{j≠i} v[..., j] ∏_{k≠i,j} x[..., k] along the last dim (n long): J·v for the Jacobian J
 * of `prodOthers`. Row i of an [n, n] block is x with x_i set to 1; `prodOthers` of that
 * row gives ∏_{k≠i,j} x_k at column j ≠ i; the diagonal is set to 0. The identity mask is a
 * constant, so only x and v carry derivatives.
 */
function timesProdHessian(x: Value, v: Value): Value {
  const s = shapeOf(x)
  const n = s[s.length - 1]
  const rowShape = [...s.slice(0, -1), 1, n]
  const diagonal = identity(n, dtypeOfValue(x))
  const rows = where(diagonal, 1, reshape(x, { shape: rowShape })) // broadcast to [..., n, n]
  const pairs = where(diagonal, 0, prodOthers(rows))
  return sum(mul(pairs, reshape(v, { shape: rowShape })), { dims: [s.length] })
}

/** The n × n identity, a constant mask. */
function identity(n: number, dtype: DType): Tensor {
  const data = allocate(dtype, n * n)
  for (let i = 0; i < n; i++) data[i * n + i] = 1
  return Tensor.fromArray(data, [n, n])
}

/** ∂prod/∂x: the product of the other elements, over all of x's elements. */
function gradOfProd(x: Value): Value {
  const s = shapeOf(x)
  return reshape(prodOthers(reshape(x, { shape: [sizeOf(s)] })), { shape: s })
}

export const prod = defineOp({
  name: 'prod',
  arity: 1,
  shape: () => [],
  primal: ([x]) => prodAll(x),
  jvp: ({ args: [x] }, [t]): MaybeZero => (t === null ? null : sum(mul(t, gradOfProd(x)))),
  vjp: ({ args: [x] }, g): MaybeZero[] => [mul(g, gradOfProd(x))],
  domain: (draw) => ({ args: [{ shape: drawShape(draw, 0, 2, 3), values: values(-1.5, 1.5, { avoid: [0] }) }], attrs: {} }),
  edges: [
    { note: 'one zero: it gets the product of the others, the rest 0, as PyTorch', args: [[0, 2, 3]], torch: [[6, 0, 0]] },
    { note: 'two zeros or more: every gradient is 0', args: [[0, 2, 0]], torch: [[0, 0, 0]] },
  ],
})

/** Checks the one dim of max/argmax and that it is not empty. */
function reduceOneDim(op: string, s: readonly number[], dim: number): number {
  const d = checkDim(op, dim, s)
  if (s.length > 0 && s[d] === 0) {
    throw invalid(`${op}: cannot reduce over dim ${dim} of size 0 (shape ${fmtShape(s)}); it has no maximum.`)
  }
  return d
}

function oneDimShape(op: string, s: readonly number[], dim: number, keepdim: boolean): number[] {
  const d = reduceOneDim(op, s, dim)
  return s.length === 0 ? [] : reducedShape(s, [d], keepdim)
}

/**
 * A 0/1 mask of x's shape with a 1 at the first maximum along `dim`: where max sends its
 * gradient. Built from argmax (a constant) and positions of x's dtype, so the mask never
 * promotes a float32 gradient.
 */
function firstMaxMask(x: Value, dim: number): Value {
  const s = shapeOf(x)
  const at = argmax(x, { dim, keepdim: true })
  return eq(positionsAlong(s[dim], dim, s.length, dtypeOfValue(x)), at)
}

export const max = defineOp({
  name: 'max',
  arity: 1,
  attrs: { dim: attr.int(), keepdim: attr.bool().default(false) },
  positional: ['dim', 'keepdim'],
  shape: ([s], { dim, keepdim }) => oneDimShape('max', s, dim, keepdim),
  primal: ([x], { dim }, shape) => maxAlong(x, reduceOneDim('max', x.shape, dim), shape, 'values'),
  jvp: ({ args: [x], attrs }, [t]): MaybeZero => {
    if (t === null || shapeOf(x).length === 0) return t
    const d = checkDim('max', attrs.dim, shapeOf(x))
    return sum(where(firstMaxMask(x, d), t, 0), { dims: [d], keepdim: attrs.keepdim })
  },
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    if (xs.length === 0) return [g]
    const d = checkDim('max', attrs.dim, xs)
    return [where(firstMaxMask(x, d), keepDims(g, xs, [d], attrs.keepdim), 0)]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const r = Math.max(shape.length, 1)
    return { args: [{ shape, values: real }], attrs: { dim: draw.int(-r, r - 1), keepdim: draw.bool() }, distinct: true }
  },
  edges: [
    {
      note: 'ties: the whole gradient to the first maximal element along dim (the index torch.max(x, dim) returns)',
      args: [[1, 3, 3]],
      attrs: { dim: 0 },
      torch: [[0, 1, 0]],
    },
  ],
})

export const logsumexp = defineOp({
  name: 'logsumexp',
  arity: 1,
  attrs: { dims: attr.ints(), keepdim: attr.bool().default(false) },
  positional: ['dims', 'keepdim'],
  shape: ([s], { dims, keepdim }) => reducedShape(s, normalizeDims('logsumexp', dims, s.length), keepdim),
  primal: ([x], { dims }, shape) => logsumexpDims(x, normalizeDims('logsumexp', dims, x.rank), shape),
  // ∂/∂x = exp(x - out): the softmax over the reduced dims.
  jvp: ({ args: [x], out, attrs }, [t]): MaybeZero => {
    if (t === null) return null
    const xs = shapeOf(x)
    const nd = normalizeDims('logsumexp', attrs.dims, xs.length)
    const softmax = exp(sub(x, keepDims(out, xs, nd, attrs.keepdim)))
    return sum(mul(t, softmax), { dims: nd, keepdim: attrs.keepdim })
  },
  vjp: ({ args: [x], out, attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    const nd = normalizeDims('logsumexp', attrs.dims, xs.length)
    const softmax = exp(sub(x, keepDims(out, xs, nd, attrs.keepdim)))
    return [mul(keepDims(g, xs, nd, attrs.keepdim), softmax)]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 4)
    return { args: [{ shape, values: values(-3, 3) }], attrs: { dims: drawDims(draw, shape.length), keepdim: draw.bool() } }
  },
  edges: [
    { note: 'a slice of all −inf: the gradient exp(x − out) is exp(−inf + inf) = NaN, as PyTorch', args: [[-Infinity, -Infinity]], attrs: { dims: [0] }, torch: [[NaN, NaN]] },
  ],
})

/** Index of the first maximum along `dim`, as a float tensor of the input's dtype. Not differentiable. */
export const argmax = defineOp({
  name: 'argmax',
  arity: 1,
  attrs: { dim: attr.int(), keepdim: attr.bool().default(false) },
  positional: ['dim', 'keepdim'],
  shape: ([s], { dim, keepdim }) => oneDimShape('argmax', s, dim, keepdim),
  primal: ([x], { dim }, shape) => maxAlong(x, reduceOneDim('argmax', x.shape, dim), shape, 'indices'),
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const r = Math.max(shape.length, 1)
    return { args: [{ shape, values: real }], attrs: { dim: draw.int(-r, r - 1), keepdim: draw.bool() }, distinct: true }
  },
})
