import { attr } from '../attrs.js'
import { drawDims, drawShape, real, values } from '../domain.js'
import { fmtShape, invalid } from '../errors.js'
import { extremeDims, logsumexpDims, maxAlong, prodAll, prodOthersAlongLast, sumDims } from '../kernels/reduce.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { allocate, type DType } from '../dtype.js'
import { normalizeDims, reducedShape, sizeOf } from '../shape.js'
import { Tensor } from '../tensor.js'
import type { Value } from '../dispatch.js'
import { div, mul, neg, sub } from './arithmetic.js'
import { countOf, keepDims, reduceAttrs, reshape, sum, unreduce } from './base.js'
import { eq } from './compare.js'
import { where } from './select.js'
import { exp } from './unary.js'
import { checkDim, dtypeOfValue, positionsAlong } from './util.js'

// ---------------------------------------------------------------------------------------
// mean, prod, max, logsumexp, argmax

export const mean = defineOp({
  name: 'mean',
  tex: '\\frac{\\partial}{\\partial x_i}\\frac{1}{n}\\sum_j x_j = \\frac{1}{n}',
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
const prodOthers = defineOp({
  name: 'prodOthers',
  internal: true,
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
  tex: '\\frac{\\partial}{\\partial x_i}\\prod_j x_j = \\prod_{j \\ne i} x_j',
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
    throw invalid(`${op}: cannot reduce over dim ${dim} of size 0 (shape ${fmtShape(s)}); it has no extreme.`)
  }
  return d
}

function oneDimShape(op: string, s: readonly number[], dim: number, keepdim: boolean): number[] {
  const d = reduceOneDim(op, s, dim)
  return s.length === 0 ? [] : reducedShape(s, [d], keepdim)
}

/**
 * A 0/1 mask of x's shape with a 1 at the first maximum (or minimum) along `dim`: where
 * max and min send their gradient. Built from argmax (of −x for the minimum; a constant) and
 * positions of x's dtype, so the mask never promotes a float32 gradient.
 */
function firstExtremeMask(x: Value, dim: number, lowest: boolean): Value {
  const s = shapeOf(x)
  const at = argmax(lowest ? neg(x) : x, { dim, keepdim: true })
  return eq(positionsAlong(s[dim], dim, s.length, dtypeOfValue(x)), at)
}

/** `max {dim}` or `min {dim}`: the values of the extreme along one dim, the gradient to its first occurrence. */
function alongOneDim(name: 'max' | 'min', lowest: boolean) {
  const extreme = lowest ? 'minimum' : 'maximum'
  return defineOp({
    name,
    arity: 1,
    attrs: { dim: attr.int(), keepdim: attr.bool().default(false) },
    positional: ['dim', 'keepdim'],
    shape: ([s], { dim, keepdim }) => oneDimShape(name, s, dim, keepdim),
    primal: ([x], { dim }, shape) => maxAlong(x, reduceOneDim(name, x.shape, dim), shape, 'values', lowest),
    jvp: ({ args: [x], attrs }, [t]): MaybeZero => {
      if (t === null || shapeOf(x).length === 0) return t
      const d = checkDim(name, attrs.dim, shapeOf(x))
      return sum(where(firstExtremeMask(x, d, lowest), t, 0), { dims: [d], keepdim: attrs.keepdim })
    },
    vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
      const xs = shapeOf(x)
      if (xs.length === 0) return [g]
      const d = checkDim(name, attrs.dim, xs)
      return [where(firstExtremeMask(x, d, lowest), keepDims(g, xs, [d], attrs.keepdim), 0)]
    },
    domain: (draw) => {
      const shape = drawShape(draw, 0, 3)
      const r = Math.max(shape.length, 1)
      return { args: [{ shape, values: real }], attrs: { dim: draw.int(-r, r - 1), keepdim: draw.bool() }, distinct: true }
    },
    edges: [
      {
        note: `ties: the whole gradient to the first ${extreme} along dim (the index torch.${name}(x, dim) returns)`,
        args: [lowest ? [3, 1, 1] : [1, 3, 3]],
        attrs: { dim: 0 },
        torch: [[0, 1, 0]],
      },
    ],
    tex: `\\frac{\\partial}{\\partial x_i}\\${name}_j x_j = [\\,i = \\operatorname{arg${name}}_j x_j\\,]`,
  })
}

export const max = alongOneDim('max', false)

export const min = alongOneDim('min', true)

/**
 * `amax`/`amin {dims?, keepdim?}`: the extreme over several dims. Ties share the gradient
 * equally (each of k tied elements gets 1/k), as PyTorch; the mask of ties is a constant.
 */
function overDims(name: 'amax' | 'amin', lowest: boolean) {
  const ties = (x: Value, out: Value, nd: number[], keepdim: boolean): Value => {
    const xs = shapeOf(x)
    const mask = eq(x, keepDims(out, xs, nd, keepdim))
    return div(mask, sum(mask, { dims: nd, keepdim: true }))
  }
  return defineOp({
    name,
    arity: 1,
    attrs: reduceAttrs,
    positional: ['dims', 'keepdim'],
    shape: ([s], { dims, keepdim }) => {
      const nd = normalizeDims(name, dims, s.length)
      if (nd.some((d) => s[d] === 0)) throw invalid(`${name}: cannot reduce over a dim of size 0 (shape ${fmtShape(s)}); it has no extreme.`)
      return reducedShape(s, nd, keepdim)
    },
    primal: ([x], { dims }, shape) => extremeDims(x, normalizeDims(name, dims, x.rank), shape, lowest),
    reduce: {
      dims: (s, { dims }) => normalizeDims(name, dims, s.length),
      init: lowest ? Infinity : -Infinity,
      combine: lowest ? Math.min : Math.max,
    },
    jvp: ({ args: [x], out, attrs }, [t]): MaybeZero => {
      if (t === null) return null
      const nd = normalizeDims(name, attrs.dims, shapeOf(x).length)
      return sum(mul(t, ties(x, out, nd, attrs.keepdim)), { dims: nd, keepdim: attrs.keepdim })
    },
    vjp: ({ args: [x], out, attrs }, g): MaybeZero[] => {
      const xs = shapeOf(x)
      const nd = normalizeDims(name, attrs.dims, xs.length)
      return [mul(keepDims(g, xs, nd, attrs.keepdim), ties(x, out, nd, attrs.keepdim))]
    },
    domain: (draw) => {
      const shape = drawShape(draw, 0, 3)
      const attrs = draw.bool() ? {} : { dims: drawDims(draw, shape.length), keepdim: draw.bool() }
      return { args: [{ shape, values: real }], attrs, distinct: true }
    },
    edges: [
      {
        note: 'ties share the gradient equally, as PyTorch (max {dim} gives it all to the first)',
        args: [lowest ? [[1, 3, 1]] : [[1, 3, 3]]],
        torch: [lowest ? [[0.5, 0, 0.5]] : [[0, 0.5, 0.5]]],
      },
    ],
    tex: `\\frac{\\partial}{\\partial x_i}\\operatorname{${name}} x = \\frac{[\\,x_i = \\operatorname{${name}} x\\,]}{\\#\\{j : x_j = \\operatorname{${name}} x\\}}`,
  })
}

export const amax = overDims('amax', false)

export const amin = overDims('amin', true)

export const logsumexp = defineOp({
  name: 'logsumexp',
  tex: '\\frac{\\partial}{\\partial x_i}\\ln\\sum_j e^{x_j} = \\frac{e^{x_i}}{\\sum_j e^{x_j}}',
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
  tex: '\\frac{\\partial}{\\partial x}\\operatorname{argmax} x = 0 \\text{ (not differentiable: indices)}',
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
