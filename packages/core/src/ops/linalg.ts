import { attr } from '../attrs.js'
import { drawBroadcastable, drawShape, real } from '../domain.js'
import { fmtShape, shapeMismatch } from '../errors.js'
import { matmulKernel } from '../kernels/matmul.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { sameShape, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import { add, mul } from './arithmetic.js'
import { reshape, sum, sumTo } from './base.js'
import { unsqueeze } from './shape.js'
import { checkDim, dtypeOfValue } from './util.js'

/** Swaps two dims as a view (a 0-dim tensor accepts dims 0 and -1 and stays as it is). */
export const transpose = defineOp({
  name: 'transpose',
  tex: '\\frac{\\partial\\,\\mathrm{out}_{\\dots j \\dots i \\dots}}{\\partial x_{\\dots i \\dots j \\dots}} = 1',
  arity: 1,
  attrs: { dim0: attr.int(), dim1: attr.int() },
  positional: ['dim0', 'dim1'],
  shape: ([s], { dim0, dim1 }) => swapped(s, checkDim('transpose', dim0, s), checkDim('transpose', dim1, s)),
  primal: ([x], { dim0, dim1 }, shape) => {
    const d0 = checkDim('transpose', dim0, x.shape)
    const d1 = checkDim('transpose', dim1, x.shape)
    return new Tensor(x.storage, shape, swapped(x.strides, d0, d1), x.offset)
  },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : transpose(t, attrs)),
  vjp: ({ attrs }, g): MaybeZero[] => [transpose(g, attrs)],
  domain: (draw) => {
    const shape = drawShape(draw, 0, 4)
    const r = Math.max(shape.length, 1)
    return { args: [{ shape, values: real }], attrs: { dim0: draw.int(-r, r - 1), dim1: draw.int(-r, r - 1) } }
  },
})

function swapped(xs: readonly number[], d0: number, d1: number): number[] {
  const out = [...xs]
  if (xs.length === 0) return out
  out[d0] = xs[d1]
  out[d1] = xs[d0]
  return out
}

/**
 * matmul's shapes, PyTorch style: a 1-D first operand is a row [1, k], a 1-D second one a
 * column [k, 1]; batch dims broadcast. `promoted` is the product's shape with those 1s,
 * `out` the result's, with them dropped again.
 */
function matmulShapes(a: Shape, b: Shape): { promoted: number[]; out: number[] } {
  if (a.length === 0 || b.length === 0) {
    throw shapeMismatch(`matmul: shapes ${fmtShape(a)} and ${fmtShape(b)}: both operands must be at least 1-D; use mul for scalars.`)
  }
  const A = a.length === 1 ? [1, a[0]] : a
  const B = b.length === 1 ? [b[0], 1] : b
  const k = A[A.length - 1]
  if (B[B.length - 2] !== k) {
    throw shapeMismatch(
      `matmul: shapes ${fmtShape(a)} and ${fmtShape(b)} cannot be multiplied: the last dim of the first (${k}) must equal ` +
        `the ${b.length === 1 ? 'length of the second' : 'second-to-last dim of the second'} (${B[B.length - 2]}).`,
    )
  }
  const ba = A.slice(0, -2)
  const bb = B.slice(0, -2)
  const rank = Math.max(ba.length, bb.length)
  const batch = new Array<number>(rank)
  for (let i = 0; i < rank; i++) {
    const x = ba[i - rank + ba.length] ?? 1
    const y = bb[i - rank + bb.length] ?? 1
    if (x !== y && x !== 1 && y !== 1) {
      throw shapeMismatch(
        `matmul: the batch dims of shapes ${fmtShape(a)} and ${fmtShape(b)} cannot broadcast (${x} vs ${y}); make them equal or 1.`,
      )
    }
    batch[i] = x === 1 ? y : x
  }
  const promoted = [...batch, A[A.length - 2], B[B.length - 1]]
  const out = [...batch]
  if (a.length > 1) out.push(A[A.length - 2])
  if (b.length > 1) out.push(B[B.length - 1])
  return { promoted, out }
}

/**
 * A cotangent of a promoted operand brought back to the operand, behind `lead` (a batch of
 * cotangents' dims): batch broadcast summed (never the lead dims), the added 1 dropped.
 */
function fit(v: MaybeZero, lead: Shape, promotedShape: Shape, rank: number, shape: Shape): MaybeZero {
  if (v === null) return null
  // The operand's promoted shape aligned to the product's rank: sumTo then sums the dims
  // the operand was broadcast over, keeping them, and leaves the lead dims alone.
  const aligned = [...lead, ...new Array<number>(rank - promotedShape.length).fill(1), ...promotedShape]
  const summed = sumTo(v, aligned)
  const want = [...lead, ...shape]
  return sameShape(aligned, want) ? summed : reshape(summed, { shape: want })
}

/**
 * Matrix product with PyTorch's semantics: 1-D·1-D is a dot product (shape []), a 1-D
 * operand is a row (first) or a column (second) dropped from the result, and batch dims
 * broadcast. Inner dims that differ are a SHAPE_MISMATCH naming both shapes.
 */
export const matmul = defineOp({
  name: 'matmul',
  tex: '\\frac{\\partial (AB)}{\\partial A}: \\bar A = \\bar C B^{\\top},\\quad \\frac{\\partial (AB)}{\\partial B}: \\bar B = A^{\\top} \\bar C',
  arity: 2,
  shape: ([a, b]) => matmulShapes(a, b).out,
  primal: ([a, b], _attrs, shape) => {
    const { promoted } = matmulShapes(a.shape, b.shape)
    // 1-D operands seen as [1, k] and [k, 1] views; the product's buffer then takes the result's shape.
    const A = a.rank === 1 ? new Tensor(a.storage, [1, a.shape[0]], [0, a.strides[0]], a.offset) : a
    const B = b.rank === 1 ? new Tensor(b.storage, [b.shape[0], 1], [b.strides[0], 0], b.offset) : b
    const product = matmulKernel(A, B, promoted)
    return sameShape(promoted, shape) ? product : new Tensor(product.storage, shape)
  },
  // A[..., m, k, 1]·B[..., 1, k, n] summed over k: what a compiler fuses for small products.
  // Not in float32: the kernel accumulates it in double and rounds once, float32 ops each time.
  decompose: ([a, b]) => {
    if (dtypeOfValue(a) === 'float32' && dtypeOfValue(b) === 'float32') return null
    const as = shapeOf(a)
    const bs = shapeOf(b)
    const A = as.length === 1 ? unsqueeze(a, { dim: 0 }) : a
    const B = bs.length === 1 ? unsqueeze(b, { dim: 1 }) : b
    const product = sum(mul(unsqueeze(A, { dim: -1 }), unsqueeze(B, { dim: -3 })), { dims: [-2] })
    return reshape(product, { shape: matmulShapes(as, bs).out })
  },
  jvp: ({ args: [a, b] }, [ta, tb]): MaybeZero => {
    const da = ta === null ? null : matmul(ta, b)
    const db = tb === null ? null : matmul(a, tb)
    return da === null ? db : db === null ? da : add(da, db)
  },
  // C = A·B: dA = G·B^T, dB = A^T·G on the promoted (≥ 2-D) operands, batch broadcast summed.
  // A batch of cotangents (leading dims beyond the output's) is one more batch dim of the
  // products (batchedVjp).
  batchedVjp: true,
  vjp: ({ args: [a, b], out }, g, needs): MaybeZero[] => {
    const as = shapeOf(a)
    const bs = shapeOf(b)
    const gs = shapeOf(g)
    const lead = gs.slice(0, gs.length - shapeOf(out).length)
    const { promoted } = matmulShapes(as, bs)
    const A = as.length === 1 ? unsqueeze(a, { dim: 0 }) : a
    const B = bs.length === 1 ? unsqueeze(b, { dim: 1 }) : b
    const full = [...lead, ...promoted]
    const G = sameShape(gs, full) ? g : reshape(g, { shape: full })
    const T = { dim0: -1, dim1: -2 }
    return [
      needs[0] ? fit(matmul(G, transpose(B, T)), lead, shapeOf(A), promoted.length, as) : null,
      needs[1] ? fit(matmul(transpose(A, T), G), lead, shapeOf(B), promoted.length, bs) : null,
    ]
  },
  domain: (draw) => {
    const [n, k, m] = [draw.int(1, 4), draw.int(1, 4), draw.int(1, 4)]
    const batch = drawShape(draw, 1, 2, 3)
    const lead = (): number[] => (draw.bool() ? batch : drawBroadcastable(draw, batch))
    const shapes: [number[], number[]] = draw.pick([
      () => [[k], [k]],
      () => [[k], [k, m]],
      () => [[n, k], [k]],
      () => [[n, k], [k, m]],
      () => [[...lead(), n, k], [...lead(), k, m]],
      () => [[k], [...lead(), k, m]],
      () => [[...lead(), n, k], [k]],
    ] as (() => [number[], number[]])[])()
    return { args: shapes.map((shape) => ({ shape, values: real })), attrs: {} }
  },
})
