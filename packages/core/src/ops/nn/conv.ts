import { attr } from '../../attrs.js'
import type { Draw } from '../../domain.js'
import { real } from '../../domain.js'
import { fmtShape, invalid, shapeMismatch } from '../../errors.js'
import {
  conv2dInputGradKernel,
  conv2dKernel,
  conv2dWeightGradKernel,
  type ConvGeometry,
} from '../../kernels/conv.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import type { Shape } from '../../shape.js'
import { Tensor } from '../../tensor.js'
import { expand, reshape, sum } from '../base.js'
import { addAll, atLeast, expectRank, pair } from './common.js'

// conv2d and its two gradients form a closed family (the gradients are internal ops, so
// convTranspose2d, whose rules use them, lives here too). All three are partial derivatives of
// one trilinear form T(x, W, gy) = Σ x_pad[n,c,i·s+p·d,j·s+q·d] · W[o,c,p,q] · gy[n,o,i,j]
// (c running over o's group):
//   conv2d(x, W)            = ∂T/∂gy
//   conv2dInputGrad(gy, W)  = ∂T/∂x   (a transposed convolution)
//   conv2dWeightGrad(x, gy) = ∂T/∂W
// so the VJP of each is written with the other two and every order of derivative stays
// inside the family, each member with its own im2col + matrix-product kernel.

const convAttrs = {
  stride: attr.int().default(1),
  padding: attr.int().default(0),
  dilation: attr.int().default(1),
  groups: attr.int().default(1),
}

/** The attrs every member of the family passes on to the others. */
export interface ConvParams {
  stride: number
  padding: number
  dilation: number
  groups: number
}

const convParams = ({ stride, padding, dilation, groups }: ConvParams): ConvParams => ({ stride, padding, dilation, groups })

/** Output size of one spatial dim: floor((in + 2·pad − dilation·(k − 1) − 1) / stride) + 1. */
function outSize(size: number, k: number, { stride, padding, dilation }: ConvParams): number {
  return Math.floor((size + 2 * padding - dilation * (k - 1) - 1) / stride) + 1
}

/**
 * The geometry of a convolution of an input [n, c, h, w] with a weight [o, c/groups, kh, kw],
 * checked: `describe` names the op's arguments in messages.
 */
function geometry(op: string, [n, c, h, w]: Shape, [o, cw, kh, kw]: Shape, p: ConvParams, describe: () => string): ConvGeometry {
  const { stride, padding, dilation, groups } = p
  atLeast(op, 'stride', stride, 1)
  atLeast(op, 'padding', padding, 0)
  atLeast(op, 'dilation', dilation, 1)
  atLeast(op, 'groups', groups, 1)
  if (c % groups !== 0 || o % groups !== 0) {
    throw shapeMismatch(`${op}: ${describe()}: groups = ${groups} must divide both the ${c} input and the ${o} output channels.`)
  }
  if (c / groups !== cw) {
    throw shapeMismatch(`${op}: ${describe()}: the input has ${c} channels, so with groups = ${groups} the weight must have ${c / groups} per group, got ${cw}.`)
  }
  const spanH = dilation * (kh - 1) + 1
  const spanW = dilation * (kw - 1) + 1
  if (h + 2 * padding < spanH || w + 2 * padding < spanW) {
    throw shapeMismatch(
      `${op}: ${describe()}: the ${kh}x${kw} kernel (spanning ${spanH}x${spanW} with dilation ${dilation}) is larger than the padded ${h + 2 * padding}x${w + 2 * padding} input.`,
    )
  }
  return { n, c, h, w, o, kh, kw, stride, padding, dilation, groups, oh: outSize(h, kh, p), ow: outSize(w, kw, p) }
}

function conv2dGeometry(shapes: readonly Shape[], p: ConvParams): ConvGeometry {
  const [xs, ws, bs] = shapes
  const describe = () => `input ${fmtShape(xs)}, weight ${fmtShape(ws)}${bs ? `, bias ${fmtShape(bs)}` : ''}`
  expectRank('conv2d', 'the input', xs, 4, '[N, C, H, W]')
  expectRank('conv2d', 'the weight', ws, 4, '[Cout, Cin / groups, kh, kw]')
  const g = geometry('conv2d', xs, ws, p, describe)
  if (bs !== undefined && (bs.length !== 1 || bs[0] !== g.o)) {
    throw shapeMismatch(`conv2d: ${describe()}: the bias must have shape [${g.o}] (one per output channel).`)
  }
  return g
}

/** A [Cout] bias as [1, Cout, 1, 1], to broadcast over NCHW. */
const biasView = (b: MaybeZero, o: number): MaybeZero => (b === null ? null : reshape(b, { shape: [1, o, 1, 1] }))

/** 2-D cross-correlation, NCHW input, [Cout, Cin / groups, kh, kw] weight, optional [Cout] bias. */
export const conv2d = defineOp({
  name: 'conv2d',
  tex: 'y = x \\star W + b:\\quad \\bar x = \\bar y \\star^{\\top} W,\\quad \\bar W = x \\star \\bar y,\\quad \\bar b = \\textstyle\\sum \\bar y',
  arity: [2, 3],
  attrs: convAttrs,
  positional: ['stride', 'padding', 'dilation', 'groups'],
  shape: (shapes, attrs) => {
    const g = conv2dGeometry(shapes, attrs)
    return [g.n, g.o, g.oh, g.ow]
  },
  primal: ([x, w, b], attrs) => conv2dKernel(conv2dGeometry([x.shape, w.shape, b?.shape].filter((s) => s !== undefined), attrs), x, w, b),
  jvp: ({ args: [x, w], out, attrs }, [tx, tw, tb]): MaybeZero => {
    const outShape = shapeOf(out)
    const t = addAll([
      tx === null ? null : conv2d(tx, w, attrs),
      tw === null ? null : conv2d(x, tw, attrs),
      biasView(tb ?? null, outShape[1]),
    ])
    // A tangent from the bias alone still has the output's shape.
    return t !== null && tx === null && tw === null ? expand(t, { shape: [...outShape] }) : t
  },
  vjp: ({ args: [x, w], attrs }, g, needs): MaybeZero[] => {
    const [, , h, wd] = shapeOf(x)
    const [, , kh, kw] = shapeOf(w)
    const p = convParams(attrs)
    return [
      needs[0] ? conv2dInputGrad(g, w, { ...p, inputSize: [h, wd] }) : null,
      needs[1] ? conv2dWeightGrad(x, g, { ...p, kernelSize: [kh, kw] }) : null,
      needs[2] ? sum(g, { dims: [0, 2, 3] }) : null,
    ]
  },
  domain: (draw) => {
    const s = drawConv(draw)
    const args = [
      { shape: [s.n, s.c, s.h, s.w], values: real },
      { shape: [s.o, s.c / s.groups, s.kh, s.kw], values: real },
    ]
    if (draw.bool()) args.push({ shape: [s.o], values: real })
    return { args, attrs: s.attrs }
  },
  edges: [
    {
      note: 'cross-correlation (no kernel flip), floor on the output size: input rows and columns past the last full window get 0, as PyTorch',
      args: [[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], [[[[1, 1], [1, 1]]]]],
      attrs: { stride: 2 },
      torch: [[[[[1, 1, 0], [1, 1, 0], [0, 0, 0]]]], [[[[1, 2], [4, 5]]]]],
    },
    {
      note: 'dilation spaces the taps (a 2x2 kernel with dilation 2 reads the corners of a 3x3 window); groups = channels is a depthwise convolution',
      args: [[[[[1, 2, 3], [4, 5, 6], [7, 8, 9]], [[1, 0, 0], [0, 0, 0], [0, 0, 2]]]], [[[[1, 1], [1, 1]]], [[[1, 2], [3, 4]]]]],
      attrs: { dilation: 2, groups: 2 },
      torch: [[[[[1, 0, 1], [0, 0, 0], [1, 0, 1]], [[1, 0, 2], [0, 0, 0], [3, 0, 4]]]], [[[[1, 3], [7, 9]]], [[[1, 0], [0, 2]]]]],
    },
  ],
})

/**
 * A small convolution for the property suite: at most 2 images, 4x4 pixels, 3x3 kernels, and
 * 1-2 channels per group in 1-2 groups (so grouped and depthwise cases both come up).
 */
function drawConv(draw: Draw) {
  const n = draw.int(1, 2)
  const groups = draw.int(1, 2)
  const c = groups * draw.int(1, 2)
  const o = groups * draw.int(1, 2)
  const kh = draw.int(1, 3)
  const kw = draw.int(1, 3)
  const p: ConvParams = { stride: draw.int(1, 2), padding: draw.int(0, 1), dilation: draw.int(1, 2), groups }
  const h = draw.int(Math.max(1, p.dilation * (kh - 1) + 1 - 2 * p.padding), 4 + p.dilation)
  const w = draw.int(Math.max(1, p.dilation * (kw - 1) + 1 - 2 * p.padding), 4 + p.dilation)
  const attrs: Record<string, unknown> = {}
  for (const [key, fallback] of [['stride', 1], ['padding', 0], ['dilation', 1], ['groups', 1]] as const) {
    if (p[key] !== fallback || draw.bool()) attrs[key] = p[key]
  }
  return { n, c, o, kh, kw, h, w, groups, oh: outSize(h, kh, p), ow: outSize(w, kw, p), attrs }
}

function inputGradGeometry([gs, ws]: readonly Shape[], p: ConvParams, inputSize: readonly number[]): ConvGeometry {
  const op = 'conv2dInputGrad'
  const describe = () => `output gradient ${fmtShape(gs)}, weight ${fmtShape(ws)}, inputSize ${fmtShape(inputSize)}`
  expectRank(op, 'the output gradient', gs, 4, '[N, Cout, Hout, Wout]')
  expectRank(op, 'the weight', ws, 4, '[Cout, Cin / groups, kh, kw]')
  const [h, w] = pair(op, 'inputSize', inputSize)
  const g = geometry(op, [gs[0], ws[1] * p.groups, h, w], ws, p, describe)
  if (gs[1] !== g.o || gs[2] !== g.oh || gs[3] !== g.ow) {
    throw shapeMismatch(`${op}: ${describe()}: the output gradient must have shape ${fmtShape([g.n, g.o, g.oh, g.ow])}.`)
  }
  return g
}

/**
 * The gradient of conv2d with respect to its input: a transposed convolution of the output
 * gradient `gy` [N, Cout, Hout, Wout] with the weight, onto an input of `inputSize` [H, W]
 * (needed because the floor in conv2d's output size loses it).
 */
const conv2dInputGrad = defineOp({
  name: 'conv2dInputGrad',
  tex: '\\bar x = \\bar y \\star^{\\top} W \\text{ is linear in } \\bar y \\text{ and } W:\\; \\frac{\\partial \\bar x}{\\partial \\bar y} = (\\cdot \\star^{\\top} W),\\; \\frac{\\partial \\bar x}{\\partial W} = (\\bar y \\star^{\\top} \\cdot)',
  internal: true,
  arity: 2,
  attrs: { ...convAttrs, inputSize: attr.ints() },
  positional: ['stride', 'padding', 'dilation', 'groups', 'inputSize'],
  shape: (shapes, attrs) => {
    const g = inputGradGeometry(shapes, attrs, attrs.inputSize)
    return [g.n, g.c, g.h, g.w]
  },
  primal: ([gy, w], attrs) => conv2dInputGradKernel(inputGradGeometry([gy.shape, w.shape], attrs, attrs.inputSize), gy, w),
  jvp: ({ args: [gy, w], attrs }, [tg, tw]): MaybeZero =>
    addAll([tg === null ? null : conv2dInputGrad(tg, w, attrs), tw === null ? null : conv2dInputGrad(gy, tw, attrs)]),
  vjp: ({ args: [gy, w], attrs }, ct, needs): MaybeZero[] => {
    const [, , kh, kw] = shapeOf(w)
    const p = convParams(attrs)
    return [needs[0] ? conv2d(ct, w, p) : null, needs[1] ? conv2dWeightGrad(ct, gy, { ...p, kernelSize: [kh, kw] }) : null]
  },
  domain: (draw) => {
    const s = drawConv(draw)
    return {
      args: [
        { shape: [s.n, s.o, s.oh, s.ow], values: real },
        { shape: [s.o, s.c / s.groups, s.kh, s.kw], values: real },
      ],
      attrs: { ...s.attrs, inputSize: [s.h, s.w] },
    }
  },
})

function weightGradGeometry([xs, gs]: readonly Shape[], p: ConvParams, kernelSize: readonly number[]): ConvGeometry {
  const op = 'conv2dWeightGrad'
  const describe = () => `input ${fmtShape(xs)}, output gradient ${fmtShape(gs)}, kernelSize ${fmtShape(kernelSize)}`
  expectRank(op, 'the input', xs, 4, '[N, C, H, W]')
  expectRank(op, 'the output gradient', gs, 4, '[N, Cout, Hout, Wout]')
  const [kh, kw] = pair(op, 'kernelSize', kernelSize)
  const g = geometry(op, xs, [gs[1], xs[1] / p.groups, kh, kw], p, describe)
  if (gs[0] !== g.n || gs[2] !== g.oh || gs[3] !== g.ow) {
    throw shapeMismatch(`${op}: ${describe()}: the output gradient must have shape ${fmtShape([g.n, g.o, g.oh, g.ow])}.`)
  }
  return g
}

/**
 * The gradient of conv2d with respect to its weight: the correlation of the input `x`
 * [N, C, H, W] with the output gradient `gy` [N, Cout, Hout, Wout], summed over the batch,
 * shaped [Cout, C / groups, ...kernelSize].
 */
const conv2dWeightGrad = defineOp({
  name: 'conv2dWeightGrad',
  tex: '\\bar W = x \\star \\bar y \\text{ is linear in } x \\text{ and } \\bar y:\\; \\frac{\\partial \\bar W}{\\partial x} = (\\cdot \\star \\bar y),\\; \\frac{\\partial \\bar W}{\\partial \\bar y} = (x \\star \\cdot)',
  internal: true,
  arity: 2,
  attrs: { ...convAttrs, kernelSize: attr.ints() },
  positional: ['stride', 'padding', 'dilation', 'groups', 'kernelSize'],
  shape: (shapes, attrs) => {
    const g = weightGradGeometry(shapes, attrs, attrs.kernelSize)
    return [g.o, g.c / g.groups, g.kh, g.kw]
  },
  primal: ([x, gy], attrs) => conv2dWeightGradKernel(weightGradGeometry([x.shape, gy.shape], attrs, attrs.kernelSize), x, gy),
  jvp: ({ args: [x, gy], attrs }, [tx, tg]): MaybeZero =>
    addAll([tx === null ? null : conv2dWeightGrad(tx, gy, attrs), tg === null ? null : conv2dWeightGrad(x, tg, attrs)]),
  vjp: ({ args: [x, gy], attrs }, ct, needs): MaybeZero[] => {
    const [, , h, w] = shapeOf(x)
    const p = convParams(attrs)
    return [needs[0] ? conv2dInputGrad(gy, ct, { ...p, inputSize: [h, w] }) : null, needs[1] ? conv2d(x, ct, p) : null]
  },
  domain: (draw) => {
    const s = drawConv(draw)
    return {
      args: [
        { shape: [s.n, s.c, s.h, s.w], values: real },
        { shape: [s.n, s.o, s.oh, s.ow], values: real },
      ],
      attrs: { ...s.attrs, kernelSize: [s.kh, s.kw] },
    }
  },
})

// ---------------------------------------------------------------------------------------
// The transposed convolution, as torch.nn.functional.conv_transpose2d: the adjoint of conv2d
// in its input. With weight [Cin, Cout, kh, kw] read as a conv2d weight (Cin outputs from
// Cout inputs), convTranspose2d(x, W) is conv2dInputGrad(x, W) onto an output of
//   Hout = (H − 1)·stride − 2·padding + kh + outputPadding
// (outputPadding picks among the sizes a strided conv2d maps onto H). So the three of
// conv.ts's family give its rules: its JVP is itself, its VJP conv2d (input) and
// conv2dWeightGrad (weight).

const transposeAttrs = { stride: attr.int().default(1), padding: attr.int().default(0), outputPadding: attr.int().default(0) }

interface TransposeParams {
  stride: number
  padding: number
  outputPadding: number
}

/** Output size of one spatial dim. */
const transposedSize = (size: number, k: number, { stride, padding, outputPadding }: TransposeParams): number =>
  (size - 1) * stride - 2 * padding + k + outputPadding

/** The geometry of the conv2d this op is the adjoint of: its "input" is our output. */
function transposeGeometry(shapes: readonly Shape[], p: TransposeParams): ConvGeometry {
  const op = 'convTranspose2d'
  const [xs, ws, bs] = shapes
  const describe = () => `input ${fmtShape(xs)}, weight ${fmtShape(ws)}${bs ? `, bias ${fmtShape(bs)}` : ''}`
  expectRank(op, 'the input', xs, 4, '[N, Cin, H, W]')
  expectRank(op, 'the weight', ws, 4, '[Cin, Cout, kh, kw]')
  atLeast(op, 'stride', p.stride, 1)
  atLeast(op, 'padding', p.padding, 0)
  atLeast(op, 'outputPadding', p.outputPadding, 0)
  if (p.outputPadding >= p.stride) {
    throw invalid(`${op}: 'outputPadding' ${p.outputPadding} must be smaller than the stride ${p.stride}, as in PyTorch.`)
  }
  const [n, cin, h, w] = xs
  if (ws[0] !== cin) throw shapeMismatch(`${op}: ${describe()}: the input has ${cin} channels but the weight expects ${ws[0]} (its first dim).`)
  const oh = transposedSize(h, ws[2], p)
  const ow = transposedSize(w, ws[3], p)
  if (oh < 1 || ow < 1) throw shapeMismatch(`${op}: ${describe()}: the output would be ${oh}x${ow}; reduce the padding.`)
  if (bs !== undefined && (bs.length !== 1 || bs[0] !== ws[1])) {
    throw shapeMismatch(`${op}: ${describe()}: the bias must have shape [${ws[1]}] (one per output channel).`)
  }
  return geometry(op, [n, ws[1], oh, ow], ws, { stride: p.stride, padding: p.padding, dilation: 1, groups: 1 }, describe)
}

/** Transposed 2-D convolution: input [N, Cin, H, W], weight [Cin, Cout, kh, kw], optional bias [Cout]. */
export const convTranspose2d = defineOp({
  name: 'convTranspose2d',
  arity: [2, 3],
  attrs: transposeAttrs,
  positional: ['stride', 'padding', 'outputPadding'],
  shape: (shapes, p) => {
    const g = transposeGeometry(shapes, p)
    return [g.n, g.c, g.h, g.w]
  },
  primal: ([x, w, b], p, outShape) => {
    const g = transposeGeometry([x.shape, w.shape], p)
    const out = conv2dInputGradKernel(g, x, w)
    if (b === undefined) return out
    const data = out.contiguousData()
    const bs = b.contiguousData()
    const plane = g.h * g.w
    for (let i = 0; i < g.n * g.c; i++) {
      const v = bs[i % g.c]
      for (let j = i * plane; j < (i + 1) * plane; j++) data[j] += v
    }
    return Tensor.fromArray(data, outShape)
  },
  jvp: ({ args: [x, w], out, attrs: p }, [tx, tw, tb]): MaybeZero => {
    const outShape = shapeOf(out)
    const t = addAll([
      tx === null ? null : convTranspose2d(tx, w, p),
      tw === null ? null : convTranspose2d(x, tw, p),
      biasView(tb ?? null, outShape[1]),
    ])
    // A tangent from the bias alone still has the output's shape.
    return t !== null && tx === null && tw === null ? expand(t, { shape: [...outShape] }) : t
  },
  vjp: ({ args: [x, w], attrs: { stride, padding } }, g, needs): MaybeZero[] => {
    const [, , kh, kw] = shapeOf(w)
    return [
      needs[0] ? conv2d(g, w, { stride, padding }) : null,
      needs[1] ? conv2dWeightGrad(g, x, { stride, padding, kernelSize: [kh, kw] }) : null,
      needs[2] ? sum(g, { dims: [0, 2, 3] }) : null,
    ]
  },
  domain: (draw: Draw) => {
    const kh = draw.int(1, 3)
    const kw = draw.int(1, 3)
    const p = { stride: draw.int(1, 3), padding: draw.int(0, 1), outputPadding: 0 }
    p.outputPadding = draw.int(0, p.stride - 1)
    // at least one output row and column: (h − 1)·s + k + outputPadding > 2·padding
    const least = (k: number) => Math.max(1, Math.ceil((2 * p.padding - k - p.outputPadding + 1) / p.stride) + 1)
    const [n, cin, cout] = [draw.int(1, 2), draw.int(1, 2), draw.int(1, 2)]
    const args = [
      { shape: [n, cin, draw.int(least(kh), 3), draw.int(least(kw), 3)], values: real },
      { shape: [cin, cout, kh, kw], values: real },
    ]
    if (draw.bool()) args.push({ shape: [cout], values: real })
    return { args, attrs: p }
  },
  edges: [
    {
      note: 'each input pixel adds the kernel, scaled, at stride spacing; outputPadding adds rows and columns only the bias reaches (gradient 0 from them)',
      args: [[[[[1, 2]]]], [[[[1, 10]]]], [5]],
      attrs: { stride: 2, outputPadding: 1 },
      torch: [[[[[11, 11]]]], [[[[3, 3]]]], [10]],
    },
  ],
  tex: '\\frac{\\partial y_{n,o,i,j}}{\\partial x_{n,c,a,b}} = W_{c,o,\\,i + p - a s,\\,j + p - b s}',
})
