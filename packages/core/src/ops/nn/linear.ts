import { drawShape, real, type ArgSample } from '../../domain.js'
import { allocate } from '../../dtype.js'
import { fmtShape, shapeMismatch } from '../../errors.js'
import { gemm, rowMajor, transposed } from '../../kernels/gemm.js'
import { defineOp, shapeOf, type MaybeZero } from '../../op.js'
import { sizeOf, type Shape } from '../../shape.js'
import { Tensor } from '../../tensor.js'
import { expandTo, reshape, sumTo } from '../base.js'
import { matmul, transpose } from '../linalg.js'
import { addAll } from './common.js'

function linearShape([xs, ws, bs]: readonly Shape[]): number[] {
  const describe = () => `input ${fmtShape(xs)}, weight ${fmtShape(ws)}${bs ? `, bias ${fmtShape(bs)}` : ''}`
  if (xs.length < 1) throw shapeMismatch(`linear: ${describe()}: the input must have at least one dim (its features).`)
  if (ws.length !== 2) throw shapeMismatch(`linear: ${describe()}: the weight must be 2-D [out_features, in_features].`)
  const [out, inF] = ws
  if (xs[xs.length - 1] !== inF) {
    throw shapeMismatch(`linear: ${describe()}: the input's last dim (${xs[xs.length - 1]}) must equal the weight's in_features (${inF}).`)
  }
  if (bs !== undefined && (bs.length !== 1 || bs[0] !== out)) {
    throw shapeMismatch(`linear: ${describe()}: the bias must have shape [${out}] (out_features).`)
  }
  return [...xs.slice(0, -1), out]
}

/** x Wᵀ + b over the last dim of x: x [..., in], W [out, in], optional b [out]. */
export const linear = defineOp({
  name: 'linear',
  tex: 'y = xW^{\\top} + b:\\quad \\bar x = \\bar y W,\\quad \\bar W = \\bar y^{\\top} x,\\quad \\bar b = \\textstyle\\sum \\bar y',
  arity: [2, 3],
  shape: (shapes) => linearShape(shapes),
  primal: ([x, w, b], _attrs, outShape) => {
    const [outF, inF] = w.shape
    // Rows from the shape, not x.size / inF: with inF = 0 there are still rows (of bias).
    const rows = sizeOf(x.shape.slice(0, -1))
    const out = allocate(x.dtype, rows * outF)
    if (b !== undefined) {
      const bs = b.contiguousData()
      for (let r = 0; r < rows; r++) out.set(bs, r * outF)
    }
    // x [rows, in] · Wᵀ [in, out], Wᵀ read in place through its strides.
    gemm(rows, outF, inF, rowMajor(x.contiguousData(), 0, inF), transposed(w.contiguousData(), 0, inF), out, 0, b !== undefined)
    return Tensor.fromArray(out, outShape)
  },
  jvp: ({ args: [x, w], out }, [tx, tw, tb]): MaybeZero => {
    const t = addAll([tx === null ? null : linear(tx, w), tw === null ? null : linear(x, tw), tb ?? null])
    return t === null ? null : expandTo(t, shapeOf(out))
  },
  vjp: ({ args: [x, w] }, g, needs): MaybeZero[] => {
    const [outF, inF] = shapeOf(w)
    return [
      // g [..., out] · W [out, in]
      needs[0] ? matmul(g, w) : null,
      // Σ over the batch rows of gᵀ x: [out, rows] · [rows, in]
      needs[1] ? matmul(transpose(reshape(g, { shape: [-1, outF] }), { dim0: 0, dim1: 1 }), reshape(x, { shape: [-1, inF] })) : null,
      needs[2] ? sumTo(g, [outF]) : null,
    ]
  },
  domain: (draw) => {
    const inF = draw.int(1, 3)
    const outF = draw.int(1, 3)
    const args: ArgSample[] = [
      { shape: [...drawShape(draw, 0, 2, 3), inF], values: real },
      { shape: [outF, inF], values: real },
    ]
    if (draw.bool()) args.push({ shape: [outF], values: real })
    return { args, attrs: {} }
  },
})
