import { attr } from '../../attrs.js'
import { real, type Draw } from '../../domain.js'
import { fmtShape, invalid, shapeMismatch } from '../../errors.js'
import { conv2dInputGradKernel, type ConvGeometry } from '../../kernels/conv.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import type { Shape } from '../../shape.js'
import { Tensor } from '../../tensor.js'
import { expand, sum } from '../base.js'
import { addAll, atLeast, expectRank } from './common.js'
import { biasView, conv2d, conv2dWeightGrad, geometry } from './conv.js'

// The transposed convolution, as torch.nn.functional.conv_transpose2d: the adjoint of conv2d
// in its input. With weight [Cin, Cout, kh, kw] read as a conv2d weight (Cin outputs from
// Cout inputs), convTranspose2d(x, W) is conv2dInputGrad(x, W) onto an output of
//   Hout = (H − 1)·stride − 2·padding + kh + outputPadding
// (outputPadding picks among the sizes a strided conv2d maps onto H). So the three of
// conv.ts's family give its rules: its JVP is itself, its VJP conv2d (input) and
// conv2dWeightGrad (weight).

const attrs = { stride: attr.int().default(1), padding: attr.int().default(0), outputPadding: attr.int().default(0) }

interface TransposeParams {
  stride: number
  padding: number
  outputPadding: number
}

/** Output size of one spatial dim. */
const outSize = (size: number, k: number, { stride, padding, outputPadding }: TransposeParams): number =>
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
  const oh = outSize(h, ws[2], p)
  const ow = outSize(w, ws[3], p)
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
  attrs,
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
