import { real, values, drawBroadcastable, drawShape, type Draw } from '../../domain.js'
import { tensor } from '../../create.js'
import type { DType } from '../../dtype.js'
import { allocate } from '../../dtype.js'
import { fmtShape, invalid, shapeMismatch } from '../../errors.js'
import { mapBinary } from '../../kernels/elementwise.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import { broadcastShapes, sameShape, sizeOf, type Shape } from '../../shape.js'
import { Tensor, type NestedArray } from '../../tensor.js'
import type { Value } from '../../dispatch.js'
import { div, mul, neg, sub } from '../arithmetic.js'
import { reshape, sum, sumTo } from '../base.js'
import { eq } from '../compare.js'
import { softmax } from './softmax.js'
import { addAll } from './common.js'

/**
 * Mean of (input − target)². The two broadcast against each other as in PyTorch (which
 * warns when they differ); the mean is over the broadcast shape.
 */
export const mseLoss = defineOp({
  name: 'mseLoss',
  tex: '\\frac{\\partial}{\\partial a_i}\\frac{1}{n}\\sum_j (a_j - b_j)^2 = \\frac{2}{n}(a_i - b_i)',
  arity: 2,
  shape: ([a, b]) => {
    broadcastShapes('mseLoss', a, b)
    return []
  },
  primal: ([a, b]) => {
    let s = 0
    let n: number
    if (a.isContiguous && b.isContiguous && sameShape(a.shape, b.shape)) {
      const x = a.contiguousData()
      const y = b.contiguousData()
      n = x.length
      for (let i = 0; i < n; i++) {
        const d = x[i] - y[i]
        s += d * d
      }
    } else {
      const shape = broadcastShapes('mseLoss', a.shape, b.shape)
      const d = mapBinary(a, b, shape, (x, y) => (x - y) * (x - y)).contiguousData()
      n = d.length
      for (let i = 0; i < n; i++) s += d[i]
    }
    const out = allocate(a.dtype, 1)
    out[0] = s / n
    return Tensor.fromArray(out, [])
  },
  jvp: ({ args: [a, b] }, [ta, tb]): MaybeZero => {
    const t = addAll([ta, tb === null ? null : neg(tb)])
    if (t === null) return null
    const d = sub(a, b)
    return mul(sum(mul(d, t)), 2 / sizeOf(shapeOf(d)))
  },
  vjp: ({ args: [a, b] }, g, needs): MaybeZero[] => {
    const d = sub(a, b)
    const scaled = mul(d, mul(g, 2 / sizeOf(shapeOf(d))))
    return [needs[0] ? sumTo(scaled, shapeOf(a)) : null, needs[1] ? sumTo(neg(scaled), shapeOf(b)) : null]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const other = draw.int(0, 3) === 0 ? drawBroadcastable(draw, shape) : shape
    const [sa, sb] = draw.bool() ? [shape, other] : [other, shape]
    return { args: [{ shape: sa, values: real }, { shape: sb, values: real }], attrs: {} }
  },
  edges: [{ note: 'input and target broadcast (PyTorch warns); both receive a gradient' }],
})

/** Reads class indices [N] and checks them against C classes; `op` names the loss in messages. */
function classIndices(target: Tensor, c: number, op = 'crossEntropy'): Int32Array {
  const t = target.contiguousData()
  const idx = new Int32Array(t.length)
  for (let i = 0; i < t.length; i++) {
    const k = t[i]
    if (!Number.isInteger(k) || k < 0 || k >= c) {
      throw invalid(`${op}: target ${i} is ${k}; class targets must be integers in [0, ${c - 1}] for ${c} classes.`)
    }
    idx[i] = k
  }
  return idx
}

/**
 * The one-hot matrix [N, C] of the targets, in the logits' dtype. Targets are a constant
 * argument, so their values are read directly when they are a tensor or an array; a target
 * tracked by an engine goes through `eq` (a comparison, so still a constant).
 */
function oneHot(target: Value | NestedArray, n: number, c: number, dtype: DType, op = 'crossEntropy'): Value {
  if (target instanceof Tensor || Array.isArray(target) || typeof target === 'number') {
    const t = target instanceof Tensor ? target : tensor(target as NestedArray)
    const idx = classIndices(t, c, op)
    const out = allocate(dtype, n * c)
    for (let i = 0; i < n; i++) out[i * c + idx[i]] = 1
    return Tensor.fromArray(out, [n, c])
  }
  const classes = tensor([Array.from({ length: c }, (_, k) => k)], { dtype })
  return eq(reshape(target, { shape: [n, 1] }), classes)
}

/** The scalar shape of a loss of scores [N, C] against class targets [N], checked. */
function classLossShape(op: string, what: string, [xs, ts]: readonly Shape[]): Shape {
  if (xs.length !== 2) throw shapeMismatch(`${op}: the ${what} must be 2-D [N, C], got shape ${fmtShape(xs)}.`)
  if (ts.length !== 1 || ts[0] !== xs[0]) {
    throw shapeMismatch(`${op}: ${what} ${fmtShape(xs)} need targets of shape [${xs[0]}] (one class index per row), got ${fmtShape(ts)}.`)
  }
  if (xs[1] === 0) throw shapeMismatch(`${op}: ${what} ${fmtShape(xs)} have no classes.`)
  return []
}

/** The targets drawn for a class loss: n rows of c scores in [lo, hi], one class index per row. */
function drawClassLoss(draw: Draw, lo: number, hi: number) {
  const n = draw.int(1, 3)
  const c = draw.int(1, 4)
  return {
    args: [
      { shape: [n, c], values: values(lo, hi) },
      { shape: [n], values: values(0, c - 1, { integer: true, constant: true }) },
    ],
    attrs: {},
  }
}

/** softmax(logits) − onehot(target), divided by N: the gradient of the loss w.r.t. the logits. */
function lossGradient(x: Value, target: Value): Value {
  const [n, c] = shapeOf(x)
  const dtype: DType = typeof x === 'number' ? 'float64' : x.dtype
  return div(sub(softmax(x, { dim: 1 }), oneHot(target, n, c, dtype)), n)
}

/**
 * Mean over the batch of −log softmax(logits)[target]: logits [N, C], target [N] class
 * indices (a constant argument). Computed as logsumexp(row) − row[target], max-shifted.
 */
export const crossEntropy = defineOp({
  name: 'crossEntropy',
  tex: '\\frac{\\partial}{\\partial z_{nc}}\\Bigl(-\\frac{1}{N}\\sum_n \\ln \\operatorname{softmax}(z_n)_{t_n}\\Bigr) = \\frac{1}{N}\\bigl(\\operatorname{softmax}(z_n)_c - [\\,c = t_n\\,]\\bigr)',
  arity: 2,
  constantArgs: [1],
  shape: (shapes) => classLossShape('crossEntropy', 'logits', shapes),
  primal: ([x, target]) => {
    const [n, c] = x.shape
    const xs = x.contiguousData()
    const idx = classIndices(target, c)
    let total = 0
    for (let i = 0; i < n; i++) {
      const base = i * c
      let m = -Infinity
      for (let k = 0; k < c; k++) if (xs[base + k] > m || xs[base + k] !== xs[base + k]) m = xs[base + k]
      const shift = m === -Infinity ? 0 : m
      let s = 0
      for (let k = 0; k < c; k++) s += Math.exp(xs[base + k] - shift)
      total += shift + Math.log(s) - xs[base + idx[i]]
    }
    const out = allocate(x.dtype, 1)
    out[0] = total / n
    return Tensor.fromArray(out, [])
  },
  jvp: ({ args: [x, target] }, [tx]): MaybeZero => (tx === null ? null : sum(mul(lossGradient(x, target), tx))),
  vjp: ({ args: [x, target] }, g, needs): MaybeZero[] => [needs[0] ? mul(lossGradient(x, target), g) : null, null],
  domain: (draw) => drawClassLoss(draw, -3, 3),
  edges: [{ note: 'targets are class indices, a constant (no gradient); mean over the batch' }],
})

/** −onehot(target)/N: the gradient of nllLoss, a constant (the loss is linear in its input). */
function nllGradient(x: Value, target: Value): Value {
  const [n, c] = shapeOf(x)
  const dtype: DType = typeof x === 'number' ? 'float64' : x.dtype
  return div(oneHot(target, n, c, dtype, 'nllLoss'), -n)
}

/**
 * The negative log-likelihood, as torch.nn.functional.nll_loss: the mean over the batch of
 * −input[i, target[i]], input [N, C] log-probabilities (logSoftmax's output), target [N]
 * class indices (a constant argument).
 */
export const nllLoss = defineOp({
  name: 'nllLoss',
  arity: 2,
  constantArgs: [1],
  shape: (shapes) => classLossShape('nllLoss', 'log-probabilities', shapes),
  primal: ([x, target]) => {
    const [n, c] = x.shape
    const xs = x.contiguousData()
    const idx = classIndices(target, c, 'nllLoss')
    let total = 0
    for (let i = 0; i < n; i++) total += xs[i * c + idx[i]]
    const out = allocate(x.dtype, 1)
    out[0] = -total / n
    return Tensor.fromArray(out, [])
  },
  jvp: ({ args: [x, target] }, [tx]): MaybeZero => (tx === null ? null : sum(mul(nllGradient(x, target), tx))),
  vjp: ({ args: [x, target] }, g, needs): MaybeZero[] => [needs[0] ? mul(nllGradient(x, target), g) : null, null],
  domain: (draw) => drawClassLoss(draw, -4, 0),
  edges: [{ note: 'linear in the log-probabilities: the gradient is −1/N at each target, 0 elsewhere; targets are a constant' }],
  tex: '\\frac{\\partial \\ell}{\\partial x_{ic}} = -\\frac{1}{N}[c = t_i]',
})
