import { attr } from '../attrs.js'
import { drawShape, values } from '../domain.js'
import { eye } from '../create.js'
import { scanAlong } from '../kernels/scan.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import type { Value } from '../dispatch.js'
import { mul } from './arithmetic.js'
import { sum } from './base.js'
import { where } from './select.js'
import { permute, unsqueeze } from './shape.js'
import { flip, triu } from './rearrange.js'
import { checkDim, dtypeOfValue } from './util.js'

function scanDomain(draw: Parameters<Parameters<typeof defineOp>[0]['domain']>[0], bound: number) {
  const shape = drawShape(draw, 0, 3)
  const r = Math.max(shape.length, 1)
  return { args: [{ shape, values: values(-bound, bound) }], attrs: { dim: draw.int(-r, r - 1) } }
}

/** Running sums along `dim` (torch.cumsum). Its transpose is the running sum from the end: flip, cumsum, flip. */
export const cumsum = defineOp({
  name: 'cumsum',
  arity: 1,
  attrs: { dim: attr.int() },
  positional: ['dim'],
  shape: ([s], { dim }) => (checkDim('cumsum', dim, s), s),
  primal: ([x], { dim }) => scanAlong(x, checkDim('cumsum', dim, x.shape), false),
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : cumsum(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    if (xs.length === 0) return [g]
    const dims = [checkDim('cumsum', attrs.dim, xs)]
    return [flip(cumsum(flip(g, { dims }), attrs), { dims })]
  },
  domain: (draw) => scanDomain(draw, 2),
  tex: '\\frac{\\partial}{\\partial x_i}\\sum_{j \\le k} x_j = [\\,i \\le k\\,]',
})

/** The permutation that moves `dim` last, and its inverse. */
function moveLast(rank: number, dim: number): [number[], number[]] {
  const order = [...Array(rank).keys()].filter((d) => d !== dim).concat(dim)
  const inverse = new Array<number>(rank)
  order.forEach((d, i) => (inverse[d] = i))
  return [order, inverse]
}

/**
 * T[…, i, k] = ∂y_k/∂x_i = Π_{j ≤ k, j ≠ i} x_j for k ≥ i (0 below): the running products of
 * n copies of x (dim moved last), copy i with x_i replaced by 1, upper triangle kept. No
 * division, so it is exact at zeros, and made of registry ops (cumprod again, where, triu),
 * so second derivatives are exact too. It costs n times the input; PyTorch divides where it
 * can instead, which is cheaper and not exact at zeros.
 */
function cumprodJacobian(xl: Value, n: number): Value {
  const diagonal = eye(n, { dtype: dtypeOfValue(xl) })
  const copies = where(diagonal, 1, unsqueeze(xl, { dim: -2 }))
  return triu(cumprod(copies, { dim: -1 }))
}

/** Running products along `dim` (torch.cumprod), with derivatives exact at zeros. */
export const cumprod = defineOp({
  name: 'cumprod',
  arity: 1,
  attrs: { dim: attr.int() },
  positional: ['dim'],
  shape: ([s], { dim }) => (checkDim('cumprod', dim, s), s),
  primal: ([x], { dim }) => scanAlong(x, checkDim('cumprod', dim, x.shape), true),
  jvp: ({ args: [x], attrs }, [t]): MaybeZero => {
    const xs = shapeOf(x)
    if (t === null || xs.length === 0) return t
    const [order, inverse] = moveLast(xs.length, checkDim('cumprod', attrs.dim, xs))
    const jac = cumprodJacobian(permute(x, { dims: order }), xs[order[order.length - 1]])
    // ẏ_k = Σ_i ṫ_i·T[i, k]
    const tl = unsqueeze(permute(t, { dims: order }), { dim: -1 })
    return permute(sum(mul(jac, tl), { dims: [-2] }), { dims: inverse })
  },
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    if (xs.length === 0) return [g]
    const [order, inverse] = moveLast(xs.length, checkDim('cumprod', attrs.dim, xs))
    const jac = cumprodJacobian(permute(x, { dims: order }), xs[order[order.length - 1]])
    // x̄_i = Σ_k T[i, k]·ḡ_k
    const gl = unsqueeze(permute(g, { dims: order }), { dim: -2 })
    return [permute(sum(mul(jac, gl), { dims: [-1] }), { dims: inverse })]
  },
  domain: (draw) => scanDomain(draw, 1.5),
  edges: [
    { note: 'a zero: exact, as PyTorch (the gradient of the sum of cumprod([2, 0, 3]))', args: [[2, 0, 3]], attrs: { dim: 0 }, torch: [[1, 8, 0]] },
    { note: 'two zeros: still exact, no 0/0', args: [[0, 2, 0]], attrs: { dim: 0 }, torch: [[3, 0, 0]] },
  ],
  tex: '\\frac{\\partial y_k}{\\partial x_i} = [\\,i \\le k\\,] \\prod_{j \\le k,\\, j \\ne i} x_j',
})
