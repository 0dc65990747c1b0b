import { attr } from '../../attrs.js'
import { real, type Draw } from '../../domain.js'
import { allocate } from '../../dtype.js'
import { fmtShape, invalid, shapeMismatch } from '../../errors.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import { sameShape, sizeOf, type Shape } from '../../shape.js'
import { Tensor } from '../../tensor.js'
import { expandTo, sumTo } from '../base.js'
import { mul } from '../arithmetic.js'
import { addAll } from './common.js'
import { normalized, project } from './normalize.js'

// Layer normalization, as torch.nn.functional.layer_norm: each run of the last
// `normalizedShape` dims is normalized with its own mean and biased variance, then scaled
// and shifted elementwise by the optional weight and bias of shape `normalizedShape`:
// y = x̂·w + b (normalize.ts has x̂ and its derivative).

function checkShapes(shapes: readonly Shape[], normalizedShape: readonly number[], eps: number): void {
  const [xs, ...rest] = shapes
  const describe = () => `input ${fmtShape(xs)}${rest.map((s, i) => `, ${i === 0 ? 'weight' : 'bias'} ${fmtShape(s)}`).join('')}, normalizedShape ${fmtShape(normalizedShape)}`
  if (!(eps >= 0)) throw invalid(`layerNorm: 'eps' must be a non-negative number, got ${eps}.`)
  if (normalizedShape.length === 0 || normalizedShape.some((d) => d < 1)) {
    throw invalid(`layerNorm: 'normalizedShape' must be a non-empty list of positive sizes, got ${fmtShape(normalizedShape)}.`)
  }
  if (xs.length < normalizedShape.length || !sameShape(xs.slice(xs.length - normalizedShape.length), normalizedShape)) {
    throw shapeMismatch(`layerNorm: ${describe()}: the input's last dims must equal normalizedShape.`)
  }
  if (rest.some((s) => !sameShape(s, normalizedShape))) {
    throw shapeMismatch(`layerNorm: ${describe()}: the weight and the bias must have the shape normalizedShape.`)
  }
}

/** The trailing dims statistics are taken over. */
const lastDims = (rank: number, k: number): number[] => Array.from({ length: k }, (_, i) => rank - k + i)

/** Layer normalization: args input [..., *normalizedShape], weight? and bias? of shape normalizedShape. */
export const layerNorm = defineOp({
  name: 'layerNorm',
  arity: [1, 3],
  attrs: { normalizedShape: attr.ints(), eps: attr.number().default(1e-5) },
  positional: ['normalizedShape', 'eps'],
  shape: (shapes, { normalizedShape, eps }) => {
    checkShapes(shapes, normalizedShape, eps)
    return shapes[0]
  },
  primal: ([x, w, b], { normalizedShape, eps }, outShape) => {
    const xs = x.contiguousData()
    const ws = w?.contiguousData()
    const bs = b?.contiguousData()
    const count = sizeOf(normalizedShape)
    const runs = x.size / count
    const out = allocate(x.dtype, x.size)
    for (let r = 0; r < runs; r++) {
      const base = r * count
      // Two passes (mean, then squared deviations): no cancellation from E[x²] − E[x]².
      let s = 0
      for (let j = 0; j < count; j++) s += xs[base + j]
      const mu = s / count
      let ss = 0
      for (let j = 0; j < count; j++) {
        const d = xs[base + j] - mu
        ss += d * d
      }
      const rstd = 1 / Math.sqrt(ss / count + eps)
      for (let j = 0; j < count; j++) {
        const v = (xs[base + j] - mu) * rstd
        out[base + j] = (ws === undefined ? v : v * ws[j]) + (bs === undefined ? 0 : bs[j])
      }
    }
    return Tensor.fromArray(out, outShape)
  },
  jvp: ({ args: [x, w], out, attrs }, [tx, tw, tb]): MaybeZero => {
    const nx = normalized(x, lastDims(shapeOf(x).length, attrs.normalizedShape.length), attrs.eps)
    const t = addAll([
      tx === null ? null : w === undefined ? project(nx, tx) : mul(w, project(nx, tx)),
      tw === null || tw === undefined ? null : mul(tw, nx.xhat),
      tb ?? null,
    ])
    return t === null ? null : expandTo(t, shapeOf(out))
  },
  vjp: ({ args: [x, w], attrs }, g, needs): MaybeZero[] => {
    const { normalizedShape } = attrs
    const nx = normalized(x, lastDims(shapeOf(x).length, normalizedShape.length), attrs.eps)
    return [
      needs[0] ? project(nx, w === undefined ? g : mul(g, w)) : null,
      needs[1] ? sumTo(mul(g, nx.xhat), normalizedShape) : null,
      needs[2] ? sumTo(g, normalizedShape) : null,
    ]
  },
  domain: (draw: Draw) => {
    const normalizedShape = Array.from({ length: draw.int(1, 2) }, () => draw.int(1, 3))
    const lead = Array.from({ length: draw.int(0, 2) }, () => draw.int(1, 3))
    const eps = draw.pick([undefined, 1e-3, 0.1])
    const affine = draw.int(0, 2)
    return {
      args: [
        { shape: [...lead, ...normalizedShape], values: real },
        ...Array.from({ length: affine }, () => ({ shape: normalizedShape, values: real })),
      ],
      attrs: eps === undefined ? { normalizedShape } : { normalizedShape, eps },
    }
  },
  edges: [
    { note: 'biased variance over the normalizedShape dims; a run of one value normalizes to 0 (variance 0, eps keeps 1/√eps finite)', args: [[[3], [-1]]], attrs: { normalizedShape: [1] }, torch: [[[0], [0]]] },
  ],
  tex: '\\frac{\\partial \\hat x_i}{\\partial x_j} = \\frac{1}{\\sigma}\\Big(\\delta_{ij} - \\frac{1}{n} - \\frac{\\hat x_i \\hat x_j}{n}\\Big),\\quad y = \\hat x \\odot w + b',
})
