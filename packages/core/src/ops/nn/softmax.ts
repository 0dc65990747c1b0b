import { attr } from '../../attrs.js'
import { drawShape, values, type Draw } from '../../domain.js'
import { allocate } from '../../dtype.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import { normalizeDim, type Shape } from '../../shape.js'
import { Tensor } from '../../tensor.js'
import type { Value } from '../../dispatch.js'
import { mul, sub } from '../arithmetic.js'
import { sum } from '../base.js'
import { exp } from '../unary.js'

/**
 * Runs `row(src, dst, base, n, stride)` over every 1-D slice along `dim` of a contiguous
 * tensor: `base` is the slice's first element, `n` its length, `stride` the step between
 * its elements.
 */
function alongDim(
  x: Tensor,
  dim: number,
  row: (src: Float64Array | Float32Array, dst: Float64Array | Float32Array, base: number, n: number, stride: number) => void,
): Tensor {
  const src = x.contiguousData()
  const dst = allocate(x.dtype, src.length)
  const shape = x.shape
  if (shape.length === 0) {
    row(src, dst, 0, 1, 1)
    return Tensor.fromArray(dst, shape)
  }
  const n = shape[dim]
  let inner = 1
  for (let d = dim + 1; d < shape.length; d++) inner *= shape[d]
  const outer = n === 0 ? 0 : src.length / (n * inner)
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) row(src, dst, o * n * inner + i, n, inner)
  }
  return Tensor.fromArray(dst, shape)
}

/** The max of a slice, or NaN when the slice holds one (so NaN propagates instead of being skipped). */
function sliceMax(src: Float64Array | Float32Array, base: number, n: number, stride: number): number {
  let m = -Infinity
  for (let k = 0, p = base; k < n; k++, p += stride) {
    const v = src[p]
    if (v > m) m = v
    else if (v !== v) return NaN
  }
  return m
}

function softmaxRow(src: Float64Array | Float32Array, dst: Float64Array | Float32Array, base: number, n: number, stride: number): void {
  const m = sliceMax(src, base, n, stride)
  // All -inf: subtracting the max would give NaN; exp(-inf) terms are exactly 0 anyway.
  const shift = m === -Infinity ? 0 : m
  let s = 0
  for (let k = 0, p = base; k < n; k++, p += stride) {
    const e = Math.exp(src[p] - shift)
    dst[p] = e
    s += e
  }
  const inv = 1 / s
  for (let k = 0, p = base; k < n; k++, p += stride) dst[p] *= inv
}

function logSoftmaxRow(src: Float64Array | Float32Array, dst: Float64Array | Float32Array, base: number, n: number, stride: number): void {
  const m = sliceMax(src, base, n, stride)
  const shift = m === -Infinity ? 0 : m
  let s = 0
  for (let k = 0, p = base; k < n; k++, p += stride) s += Math.exp(src[p] - shift)
  const lse = shift + Math.log(s)
  for (let k = 0, p = base; k < n; k++, p += stride) dst[p] = src[p] - lse
}

/** `dim` as the reduction rules take it (a 0-dim tensor reduces over no dims). */
function dimsOf(shape: Shape, dim: number): number[] | undefined {
  return shape.length === 0 ? undefined : [normalizeDim('softmax', dim, shape.length)]
}

function sumAlong(v: Value, shape: Shape, dim: number): Value {
  return sum(v, { dims: dimsOf(shape, dim), keepdim: true })
}

/** y·(v − Σ_dim y·v): softmax's Jacobian (symmetric) applied to v, with y the softmax. */
function softmaxJacobian(y: Value, v: Value, dim: number): Value {
  return mul(y, sub(v, sumAlong(mul(y, v), shapeOf(y), dim)))
}

function domain(draw: Draw) {
  const shape = drawShape(draw, 1, 3)
  const rank = shape.length
  const dim = draw.int(-rank, rank - 1)
  return { args: [{ shape, values: values(-3, 3) }], attrs: { dim } }
}

/** exp(x) / Σ_dim exp(x), computed as exp(x − max) / Σ exp(x − max) so it never overflows. */
export const softmax = defineOp({
  name: 'softmax',
  tex: '\\frac{\\partial s_i}{\\partial x_j} = s_i\\,([\\,i = j\\,] - s_j)',
  arity: 1,
  attrs: { dim: attr.int() },
  positional: ['dim'],
  shape: ([s], { dim }) => {
    normalizeDim('softmax', dim, s.length)
    return s
  },
  primal: ([x], { dim }) => alongDim(x, normalizeDim('softmax', dim, x.rank), softmaxRow),
  jvp: ({ out, attrs }, [t]): MaybeZero => (t === null ? null : softmaxJacobian(out, t, attrs.dim)),
  vjp: ({ out, attrs }, g): MaybeZero[] => [softmaxJacobian(out, g, attrs.dim)],
  domain,
})

/** x − logsumexp_dim(x), with the max subtracted first so it never overflows. */
export const logSoftmax = defineOp({
  name: 'logSoftmax',
  tex: '\\frac{\\partial\\,\\ell_i}{\\partial x_j} = [\\,i = j\\,] - \\operatorname{softmax}(x)_j',
  arity: 1,
  attrs: { dim: attr.int() },
  positional: ['dim'],
  shape: ([s], { dim }) => {
    normalizeDim('logSoftmax', dim, s.length)
    return s
  },
  primal: ([x], { dim }) => alongDim(x, normalizeDim('logSoftmax', dim, x.rank), logSoftmaxRow),
  // The softmax is exp(out); the Jacobian is I − 1·softmaxᵀ along dim.
  jvp: ({ out, attrs: { dim } }, [t]): MaybeZero =>
    t === null ? null : sub(t, sumAlong(mul(exp(out), t), shapeOf(out), dim)),
  vjp: ({ out, attrs: { dim } }, g): MaybeZero[] => [sub(g, mul(exp(out), sumAlong(g, shapeOf(out), dim)))],
  domain,
})
