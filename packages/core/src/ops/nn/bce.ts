import { values, drawShape, type Draw } from '../../domain.js'
import { allocate } from '../../dtype.js'
import { fmtShape, shapeMismatch } from '../../errors.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import { sameShape, sizeOf, type Shape } from '../../shape.js'
import { Tensor } from '../../tensor.js'
import type { Value } from '../../dispatch.js'
import { div, mul, sub } from '../arithmetic.js'
import { sum } from '../base.js'
import { maximum } from '../binary.js'
import { sigmoid } from '../unary.js'

// The binary cross-entropies, as torch.nn.functional's, mean-reduced, the target a constant
// of the input's shape (probabilities in [0, 1], soft targets allowed).

function sameShapeLoss(op: string, [xs, ts]: readonly Shape[]): Shape {
  if (!sameShape(xs, ts)) {
    throw shapeMismatch(`${op}: the target ${fmtShape(ts)} must have the input's shape ${fmtShape(xs)}.`)
  }
  return []
}

/** Each log is clamped at −100, as PyTorch: a probability of exactly 0 or 1 costs at most 100. */
const clampedLog = (v: number): number => Math.max(Math.log(v), -100)

/** The smallest p(1 − p) PyTorch divides by in the gradient (its EPSILON). */
const EPSILON = 1e-12

/**
 * ∂ℓ/∂p = (p − y) / max(p(1 − p), 1e-12) / N: PyTorch's gradient, the clamp keeping it finite
 * at p = 0 or 1 (where it is 0 when the target agrees). Written with core ops, so it
 * differentiates again to (p² − 2py + y) / (p(1 − p))² / N away from the clamp.
 */
function bceGradient(p: Value, y: Value): Value {
  return div(div(sub(p, y), maximum(mul(p, sub(1, p)), EPSILON)), sizeOf(shapeOf(p)))
}

/** mean(−(y·log p + (1 − y)·log(1 − p))), each log clamped at −100: input p, target y (a constant). */
export const binaryCrossEntropy = defineOp({
  name: 'binaryCrossEntropy',
  arity: 2,
  constantArgs: [1],
  shape: (shapes) => sameShapeLoss('binaryCrossEntropy', shapes),
  primal: ([p, y]) => {
    const ps = p.contiguousData()
    const ys = y.contiguousData()
    let total = 0
    for (let i = 0; i < ps.length; i++) total -= ys[i] * clampedLog(ps[i]) + (1 - ys[i]) * clampedLog(1 - ps[i])
    const out = allocate(p.dtype, 1)
    out[0] = total / ps.length
    return Tensor.fromArray(out, [])
  },
  jvp: ({ args: [p, y] }, [tp]): MaybeZero => (tp === null ? null : sum(mul(bceGradient(p, y), tp))),
  vjp: ({ args: [p, y] }, g, needs): MaybeZero[] => [needs[0] ? mul(bceGradient(p, y), g) : null, null],
  domain: (draw: Draw) => {
    const shape = drawShape(draw, 0, 3)
    return { args: [{ shape, values: values(0.05, 0.95) }, { shape, values: values(0, 1, { constant: true }) }], attrs: {} }
  },
  edges: [
    {
      note: 'each log clamped at −100: a probability of exactly 0 or 1 that matches its target costs 0, gradient 0 ((p − y)/max(p(1 − p), 1e-12))',
      args: [[0, 1], [0, 1]],
      torch: [[0, 0]],
    },
  ],
  tex: '\\frac{\\partial \\ell}{\\partial p_i} = \\frac{1}{N}\\,\\frac{p_i - y_i}{\\max(p_i(1 - p_i), 10^{-12})}',
})

/** sigmoid(x) − y over N: the gradient of binaryCrossEntropyWithLogits, written with core ops. */
function logitsGradient(x: Value, y: Value): Value {
  return div(sub(sigmoid(x), y), sizeOf(shapeOf(x)))
}

/**
 * binaryCrossEntropy(sigmoid(x), y) computed stably from the logits x, as PyTorch:
 * mean(max(x, 0) − x·y + log(1 + e^(−|x|))), never forming sigmoid(x) or its log.
 */
export const binaryCrossEntropyWithLogits = defineOp({
  name: 'binaryCrossEntropyWithLogits',
  arity: 2,
  constantArgs: [1],
  shape: (shapes) => sameShapeLoss('binaryCrossEntropyWithLogits', shapes),
  primal: ([x, y]) => {
    const xs = x.contiguousData()
    const ys = y.contiguousData()
    let total = 0
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i]
      total += Math.max(v, 0) - v * ys[i] + Math.log1p(Math.exp(-Math.abs(v)))
    }
    const out = allocate(x.dtype, 1)
    out[0] = total / xs.length
    return Tensor.fromArray(out, [])
  },
  jvp: ({ args: [x, y] }, [tx]): MaybeZero => (tx === null ? null : sum(mul(logitsGradient(x, y), tx))),
  vjp: ({ args: [x, y] }, g, needs): MaybeZero[] => [needs[0] ? mul(logitsGradient(x, y), g) : null, null],
  domain: (draw: Draw) => {
    const shape = drawShape(draw, 0, 3)
    return { args: [{ shape, values: values(-4, 4) }, { shape, values: values(0, 1, { constant: true }) }], attrs: {} }
  },
  edges: [
    {
      note: 'stable at large logits: log(1 + e^(−|x|)) never overflows, and the gradient (sigmoid(x) − y)/N saturates at ±1/N',
      args: [[-800, 800], [1, 0]],
      torch: [[-0.5, 0.5]],
    },
  ],
  tex: '\\frac{\\partial \\ell}{\\partial x_i} = \\frac{1}{N}\\big(\\sigma(x_i) - y_i\\big)',
})
