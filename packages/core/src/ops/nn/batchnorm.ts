import { attr } from '../../attrs.js'
import { real, type Draw } from '../../domain.js'
import { allocate } from '../../dtype.js'
import { fmtShape, invalid, shapeMismatch } from '../../errors.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import type { Shape } from '../../shape.js'
import { Tensor } from '../../tensor.js'
import type { Value } from '../../dispatch.js'
import { expandTo, reshape, sum } from '../base.js'
import { mul } from '../arithmetic.js'
import { addAll } from './common.js'
import { normalized, project } from './normalize.js'

// Training-mode batch normalization: each channel (dim 1) is normalized with the mean and
// the biased variance of its values over every other dim (N, H, W), then scaled and shifted:
// y = x̂·w + b (normalize.ts has x̂ and its derivative).

function checkShapes([xs, ws, bs]: readonly Shape[]): void {
  const describe = () => `input ${fmtShape(xs)}, weight ${fmtShape(ws)}, bias ${fmtShape(bs)}`
  if (xs.length < 2) throw shapeMismatch(`batchNorm: ${describe()}: the input must be [N, C, ...] (NCHW), at least 2-D.`)
  const c = xs[1]
  if (ws.length !== 1 || ws[0] !== c || bs.length !== 1 || bs[0] !== c) {
    throw shapeMismatch(`batchNorm: ${describe()}: the weight and the bias must have shape [${c}] (one per channel).`)
  }
  const count = xs[0] * xs.slice(2).reduce((p, d) => p * d, 1)
  if (count < 2) {
    throw invalid(`batchNorm: ${describe()}: training mode needs more than one value per channel to compute a variance; got ${count}.`)
  }
}

/** The dims statistics are taken over: all but the channel dim. */
const statDims = (rank: number): number[] => [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)]

/** A per-channel [C] value as [1, C, 1, ...] to broadcast against the input. */
const channelView = (v: Value, rank: number, c: number): Value =>
  reshape(v, { shape: [1, c, ...Array<number>(rank - 2).fill(1)] })

/** Batch normalization in training mode: args input [N, C, ...], weight [C], bias [C]. */
export const batchNorm = defineOp({
  name: 'batchNorm',
  tex: '\\hat x = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}:\\quad \\bar x = \\frac{\\gamma}{\\sqrt{\\sigma^2 + \\epsilon}}\\Bigl(\\bar y - \\overline{\\bar y} - \\hat x\\,\\overline{\\bar y \\hat x}\\Bigr)',
  arity: 3,
  attrs: { eps: attr.number().default(1e-5) },
  positional: ['eps'],
  shape: (shapes, { eps }) => {
    if (!(eps >= 0)) throw invalid(`batchNorm: 'eps' must be a non-negative number, got ${eps}.`)
    checkShapes(shapes)
    return shapes[0]
  },
  primal: ([x, w, b], { eps }, outShape) => {
    const xs = x.contiguousData()
    const ws = w.contiguousData()
    const bs = b.contiguousData()
    const n = x.shape[0]
    const c = x.shape[1]
    const inner = n * c === 0 ? 0 : x.size / (n * c)
    const count = n * inner
    const out = allocate(x.dtype, x.size)
    for (let ch = 0; ch < c; ch++) {
      // Two passes (mean, then squared deviations): no cancellation from E[x²] − E[x]².
      let s = 0
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * inner
        for (let j = 0; j < inner; j++) s += xs[base + j]
      }
      const mu = s / count
      let ss = 0
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * inner
        for (let j = 0; j < inner; j++) {
          const d = xs[base + j] - mu
          ss += d * d
        }
      }
      const scale = ws[ch] / Math.sqrt(ss / count + eps)
      const shift = bs[ch] - mu * scale
      for (let i = 0; i < n; i++) {
        const base = (i * c + ch) * inner
        for (let j = 0; j < inner; j++) out[base + j] = xs[base + j] * scale + shift
      }
    }
    return Tensor.fromArray(out, outShape)
  },
  jvp: ({ args: [x, w], out, attrs }, [tx, tw, tb]): MaybeZero => {
    if (tx === null && tw === null && tb === null) return null
    const rank = shapeOf(x).length
    const c = shapeOf(x)[1]
    const nx = normalized(x, statDims(rank), attrs.eps)
    const t = addAll([
      tx === null ? null : mul(channelView(w, rank, c), project(nx, tx)),
      tw === null ? null : mul(channelView(tw, rank, c), nx.xhat),
      tb === null ? null : channelView(tb, rank, c),
    ])
    return t === null ? null : expandTo(t, shapeOf(out))
  },
  vjp: ({ args: [x, w], attrs }, g, needs): MaybeZero[] => {
    const rank = shapeOf(x).length
    const c = shapeOf(x)[1]
    const nx = normalized(x, statDims(rank), attrs.eps)
    const { dims, xhat } = nx
    return [
      needs[0] ? project(nx, mul(g, channelView(w, rank, c))) : null,
      needs[1] ? sum(mul(g, xhat), { dims }) : null,
      needs[2] ? sum(g, { dims }) : null,
    ]
  },
  domain: (draw: Draw) => {
    const c = draw.int(1, 3)
    const spatial = Array.from({ length: draw.int(0, 2) }, () => draw.int(1, 3))
    const inner = spatial.reduce((p, d) => p * d, 1)
    const n = draw.int(inner >= 2 ? 1 : 2, 3)
    const eps = draw.pick([undefined, 1e-3, 0.1])
    return {
      args: [
        { shape: [n, c, ...spatial], values: real },
        { shape: [c], values: real },
        { shape: [c], values: real },
      ],
      attrs: eps === undefined ? {} : { eps },
    }
  },
  edges: [{ note: 'biased variance (divides by N·H·W); more than one value per channel is required, as in PyTorch' }],
})
