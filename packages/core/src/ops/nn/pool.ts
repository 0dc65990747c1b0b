import { attr } from '../../attrs.js'
import type { Draw } from '../../domain.js'
import { real } from '../../domain.js'
import { fmtShape, invalid, shapeMismatch } from '../../errors.js'
import {
  avgPoolGradKernel,
  avgPoolKernel,
  gatherAt,
  maxPoolArgmax,
  scatterAt,
  type PoolGeometry,
} from '../../kernels/pool.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import { sameShape, sizeOf, type Shape } from '../../shape.js'
import { atLeast, pair } from './common.js'

// Pools over the last two dims of an NCHW (or CHW) tensor, floor mode, the stride defaulting
// to the kernel size, `padding` (at most half the kernel, as PyTorch) on every side: maxPool2d
// pads with −inf (a padded slot is never a maximum), avgPool2d with zeros that count in the
// divisor k² (PyTorch's default count_include_pad).
//
// maxPool2d routes values (and derivatives) through each window's argmax, so it is written
// with two helper ops that take the pool's input `x` only to locate the argmaxes (a constant
// argument: the argmax is piecewise constant in x, so no gradient flows into it):
//   maxPool2dGather(x, v)  picks v at the argmax of each window of x   (maxPool2d(x) = maxPool2dGather(x, x))
//   maxPool2dGrad(x, gy)   adds gy at the argmax of each window of x    (the transpose of the gather)
// Each is linear in its second argument and the VJP of one is the other.
// avgPool2d is linear; its transpose is avgPool2dGrad, and they are each other's VJP.

const poolAttrs = { kernelSize: attr.int(), stride: attr.int().optional(), padding: attr.int().default(0) }

interface PoolParams {
  kernelSize: number
  stride: number | undefined
  padding: number
}

function poolGeometry(op: string, shape: Shape, { kernelSize, stride, padding }: PoolParams): PoolGeometry {
  const k = atLeast(op, 'kernelSize', kernelSize, 1)
  const s = stride === undefined ? k : atLeast(op, 'stride', stride, 1)
  const pad = atLeast(op, 'padding', padding, 0)
  if (2 * pad > k) throw invalid(`${op}: 'padding' ${pad} must be at most half the kernel size ${k}, as in PyTorch.`)
  if (shape.length !== 3 && shape.length !== 4) {
    throw shapeMismatch(`${op}: the input must be 4-D [N, C, H, W] (or 3-D [C, H, W]), got shape ${fmtShape(shape)}.`)
  }
  const h = shape[shape.length - 2]
  const w = shape[shape.length - 1]
  if (h + 2 * pad < k || w + 2 * pad < k) {
    throw shapeMismatch(`${op}: the ${k}x${k} window is larger than the ${h}x${w} input of shape ${fmtShape(shape)} padded by ${pad}.`)
  }
  const planes = sizeOf(shape.slice(0, -2))
  const oh = Math.floor((h + 2 * pad - k) / s) + 1
  const ow = Math.floor((w + 2 * pad - k) / s) + 1
  return { planes, h, w, k, stride: s, padding: pad, oh, ow }
}

const pooledShape = (shape: Shape, g: PoolGeometry): number[] => [...shape.slice(0, -2), g.oh, g.ow]

/** For the helpers taking (input-shaped, output-shaped) arguments: checks the second one. */
function checkPooled(op: string, what: string, input: Shape, given: Shape, g: PoolGeometry): void {
  const expected = pooledShape(input, g)
  if (!sameShape(given, expected)) {
    throw shapeMismatch(`${op}: for an input of shape ${fmtShape(input)}, ${what} must have shape ${fmtShape(expected)}, got ${fmtShape(given)}.`)
  }
}

function drawPool(draw: Draw) {
  const k = draw.int(1, 3)
  const stride = draw.bool() ? undefined : draw.int(1, 3)
  const padding = draw.int(0, Math.floor(k / 2))
  const least = Math.max(1, k - 2 * padding)
  const shape = [...(draw.bool() ? [draw.int(1, 2)] : []), draw.int(1, 2), draw.int(least, 5), draw.int(least, 5)]
  const attrs: Record<string, unknown> = { kernelSize: k }
  if (stride !== undefined) attrs.stride = stride
  if (padding !== 0 || draw.bool()) attrs.padding = padding
  const g = poolGeometry('pool', shape, { kernelSize: k, stride, padding })
  return { shape, attrs, pooled: pooledShape(shape, g) }
}

/** maxPool2d's rule, which its two helper ops (the JVP's gather, the VJP's scatter) share. */
const maxNote =
  'the whole gradient of a window goes to its maximum, the first one in row-major order on ties ' +
  '(PyTorch picks the same element); overlapping windows (stride < kernelSize) add up at a shared maximum'

/** Window maxima. */
export const maxPool2d = defineOp({
  name: 'maxPool2d',
  tex: '\\frac{\\partial\\,\\mathrm{out}_w}{\\partial x_i} = [\\,i = \\text{first argmax of window } w\\,]',
  arity: 1,
  attrs: poolAttrs,
  positional: ['kernelSize', 'stride', 'padding'],
  shape: ([s], attrs) => pooledShape(s, poolGeometry('maxPool2d', s, attrs)),
  primal: ([x], attrs, outShape) => {
    const g = poolGeometry('maxPool2d', x.shape, attrs)
    return gatherAt(g, maxPoolArgmax(g, x), x, outShape)
  },
  jvp: ({ args: [x], attrs }, [t]): MaybeZero => (t === null ? null : maxPool2dGather(x, t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => [maxPool2dGrad(x, g, attrs)],
  domain: (draw) => {
    const { shape, attrs } = drawPool(draw)
    return { args: [{ shape, values: real }], attrs, distinct: true }
  },
  edges: [
    { note: 'a tie in a window: the whole gradient to its first maximum in row-major order, as PyTorch', args: [[[[[1, 1], [1, 1]]]]], attrs: { kernelSize: 2 }, torch: [[[[[1, 0], [0, 0]]]]] },
    { note: 'overlapping windows (stride < kernelSize) add up at a shared maximum', args: [[[[[1, 3, 1], [0, 0, 0]]]]], attrs: { kernelSize: 2, stride: 1 }, torch: [[[[[0, 2, 0], [0, 0, 0]]]]] },
    { note: 'the padding is −inf, never a maximum, even of negative values', args: [[[[[-1, -2], [-3, -4]]]]], attrs: { kernelSize: 2, padding: 1 }, torch: [[[[[1, 1], [1, 1]]]]] },
  ],
})

/** v at the argmax of each pooling window of x (x and v share a shape). */
const maxPool2dGather = defineOp({
  name: 'maxPool2dGather',
  tex: '\\frac{\\partial\\,\\mathrm{out}_w}{\\partial v_i} = [\\,i = \\text{argmax of window } w \\text{ of } x\\,] \\text{ (x constant)}',
  internal: true,
  arity: 2,
  attrs: poolAttrs,
  positional: ['kernelSize', 'stride', 'padding'],
  constantArgs: [0],
  shape: ([xs, vs], attrs) => {
    const g = poolGeometry('maxPool2dGather', xs, attrs)
    if (!sameShape(xs, vs)) {
      throw shapeMismatch(`maxPool2dGather: the values ${fmtShape(vs)} must have the shape of the input ${fmtShape(xs)}.`)
    }
    return pooledShape(xs, g)
  },
  primal: ([x, v], attrs, outShape) => {
    const g = poolGeometry('maxPool2dGather', x.shape, attrs)
    return gatherAt(g, maxPoolArgmax(g, x), v, outShape)
  },
  jvp: ({ args: [x], attrs }, [, t]): MaybeZero => (t === null ? null : maxPool2dGather(x, t, attrs)),
  vjp: ({ args: [x], attrs }, g, needs): MaybeZero[] => [null, needs[1] ? maxPool2dGrad(x, g, attrs) : null],
  domain: (draw) => {
    const { shape, attrs } = drawPool(draw)
    // x only locates the maxima (a constant): the op is linear in v, so v needs no spacing.
    return { args: [{ shape, values: { ...real, constant: true } }, { shape, values: real }], attrs }
  },
  edges: [{ note: `maxPool2d's JVP: ${maxNote}` }],
})

/** gy (pooled shape) added at the argmax of each pooling window of x: maxPool2d's input gradient. */
const maxPool2dGrad = defineOp({
  name: 'maxPool2dGrad',
  tex: '\\frac{\\partial\\,\\bar x_i}{\\partial \\bar y_w} = [\\,i = \\text{argmax of window } w\\,] \\text{ (linear in } \\bar y)',
  internal: true,
  arity: 2,
  attrs: poolAttrs,
  positional: ['kernelSize', 'stride', 'padding'],
  constantArgs: [0],
  shape: ([xs, gs], attrs) => {
    const g = poolGeometry('maxPool2dGrad', xs, attrs)
    checkPooled('maxPool2dGrad', 'the output gradient', xs, gs, g)
    return xs
  },
  primal: ([x, gy], attrs, outShape) => {
    const g = poolGeometry('maxPool2dGrad', x.shape, attrs)
    return scatterAt(g, maxPoolArgmax(g, x), gy, outShape)
  },
  jvp: ({ args: [x], attrs }, [, t]): MaybeZero => (t === null ? null : maxPool2dGrad(x, t, attrs)),
  vjp: ({ args: [x], attrs }, ct, needs): MaybeZero[] => [null, needs[1] ? maxPool2dGather(x, ct, attrs) : null],
  domain: (draw) => {
    const { shape, attrs, pooled } = drawPool(draw)
    return { args: [{ shape, values: { ...real, constant: true } }, { shape: pooled, values: real }], attrs }
  },
  edges: [{ note: `maxPool2d's VJP: ${maxNote}` }],
})

/** Window means, the padding counted as zeros in the divisor k² (PyTorch's default). */
export const avgPool2d = defineOp({
  name: 'avgPool2d',
  tex: '\\frac{\\partial\\,\\mathrm{out}_w}{\\partial x_i} = \\frac{[\\,i \\in w\\,]}{k_h k_w}',
  arity: 1,
  attrs: poolAttrs,
  positional: ['kernelSize', 'stride', 'padding'],
  shape: ([s], attrs) => pooledShape(s, poolGeometry('avgPool2d', s, attrs)),
  primal: ([x], attrs, outShape) =>
    avgPoolKernel(poolGeometry('avgPool2d', x.shape, attrs), x, outShape),
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : avgPool2d(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const s = shapeOf(x)
    return [avgPool2dGrad(g, { ...attrs, inputSize: [s[s.length - 2], s[s.length - 1]] })]
  },
  domain: (draw) => {
    const { shape, attrs } = drawPool(draw)
    return { args: [{ shape, values: real }], attrs }
  },
  edges: [
    {
      note: 'floor mode: rows and columns past the last full window get 0, as PyTorch',
      args: [[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]]],
      attrs: { kernelSize: 2 },
      torch: [[[[[0.25, 0.25, 0], [0.25, 0.25, 0], [0, 0, 0]]]]],
    },
    {
      note: 'the padding counts in the divisor (count_include_pad, PyTorch\'s default): a corner window of one pixel divides it by k²',
      args: [[[[[1, 2], [3, 4]]]]],
      attrs: { kernelSize: 2, padding: 1 },
      torch: [[[[[0.25, 0.25], [0.25, 0.25]]]]],
    },
  ],
})

/**
 * The transpose of avgPool2d: each element of gy (pooled shape) divided by kernelSize² and
 * spread over its window (the part inside an input of `inputSize` [H, W]); overlapping
 * windows add up.
 */
const avgPool2dGrad = defineOp({
  name: 'avgPool2dGrad',
  tex: '\\frac{\\partial\\,\\bar x_i}{\\partial \\bar y_w} = \\frac{[\\,i \\in w\\,]}{k_h k_w} \\text{ (linear in } \\bar y)',
  internal: true,
  arity: 1,
  attrs: { ...poolAttrs, inputSize: attr.ints() },
  positional: ['kernelSize', 'stride', 'padding', 'inputSize'],
  shape: ([gs], attrs) => {
    const op = 'avgPool2dGrad'
    if (gs.length !== 3 && gs.length !== 4) {
      throw shapeMismatch(`${op}: the output gradient must be 4-D [N, C, Hout, Wout] (or 3-D), got shape ${fmtShape(gs)}.`)
    }
    const input = [...gs.slice(0, -2), ...pair(op, 'inputSize', attrs.inputSize)]
    checkPooled(op, 'the output gradient', input, gs, poolGeometry(op, input, attrs))
    return input
  },
  primal: ([gy], attrs, outShape) =>
    avgPoolGradKernel(poolGeometry('avgPool2dGrad', outShape, attrs), gy, outShape),
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : avgPool2dGrad(t, attrs)),
  vjp: ({ attrs: { kernelSize, stride, padding } }, ct): MaybeZero[] => [avgPool2d(ct, { kernelSize, stride, padding })],
  domain: (draw) => {
    const { shape, attrs, pooled } = drawPool(draw)
    return { args: [{ shape: pooled, values: real }], attrs: { ...attrs, inputSize: shape.slice(-2) } }
  },
})
