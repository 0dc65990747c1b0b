import { allocate, type FloatArray } from '../dtype.js'
import { sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

/**
 * Batched matrix product C = A·B for A of shape [...batchA, n, k] and B of shape
 * [...batchB, k, m] (both at least 2-D; 1-D operands are promoted by the caller), batch
 * dims broadcast into `outShape` = [...batch, n, m]. Inputs are read through their strides,
 * so transposed views (the VJP's A^T and B^T) cost no extra copy.
 *
 * Large products pack A into panels of 4 rows and B into panels of 4 columns, each laid out
 * p-major (GotoBLAS style), then run a 4×4 register-tiled micro-kernel: 16 accumulators in
 * locals, 8 loads per 16 multiply-adds, and both panels read strictly sequentially whatever
 * the inputs' layout. Packed panels are float64, so float32 inputs accumulate in double
 * (one rounding per output) and the hot loop only ever sees one array type (monomorphic).
 * Thin products (n or m below 4: matrix-vector, dot) take an i-k-j loop instead, where
 * padding a panel to 4 would waste most of the work.
 */
export function matmulKernel(a: Tensor, b: Tensor, outShape: Shape): Tensor {
  const rank = outShape.length
  const n = outShape[rank - 2]
  const m = outShape[rank - 1]
  const k = a.shape[a.rank - 1]
  const out = allocate(a.dtype, sizeOf(outShape))
  const batchShape = outShape.slice(0, rank - 2)
  const batches = sizeOf(batchShape)
  if (out.length === 0) return Tensor.fromArray(out, outShape)

  const aStrides = batchStrides(a, batchShape)
  const bStrides = batchStrides(b, batchShape)
  const rsA = a.strides[a.rank - 2]
  const csA = a.strides[a.rank - 1]
  const rsB = b.strides[b.rank - 2]
  const csB = b.strides[b.rank - 1]
  const ad = a.storage.data
  const bd = b.storage.data

  const thin = n < 4 || m < 4
  const nb = Math.ceil(n / 4)
  const mb = Math.ceil(m / 4)
  const packA = thin ? undefined : new Float64Array(nb * 4 * k)
  const packB = thin ? undefined : new Float64Array(mb * 4 * k)
  const row = thin ? new Float64Array(m) : undefined
  let packedA = -1
  let packedB = -1

  const index = new Array<number>(batchShape.length).fill(0)
  let offA = a.offset
  let offB = b.offset
  for (let batch = 0; batch < batches; batch++) {
    const offC = batch * n * m
    if (thin) {
      thinProduct(ad, offA, rsA, csA, bd, offB, rsB, csB, n, k, m, row!, out, offC)
    } else {
      // A broadcast batch reuses the panels packed for the previous one.
      if (offA !== packedA) packRows(ad, offA, rsA, csA, n, k, packA!)
      if (offB !== packedB) packCols(bd, offB, rsB, csB, k, m, packB!)
      packedA = offA
      packedB = offB
      tiledProduct(packA!, packB!, n, k, m, out, offC)
    }
    // advance the odometer over the batch dims
    for (let d = batchShape.length - 1; d >= 0; d--) {
      index[d]++
      offA += aStrides[d]
      offB += bStrides[d]
      if (index[d] < batchShape[d]) break
      offA -= aStrides[d] * batchShape[d]
      offB -= bStrides[d] * batchShape[d]
      index[d] = 0
    }
  }
  return Tensor.fromArray(out, outShape)
}

/** Strides of `t`'s batch dims laid over `batchShape` (0 where broadcast). */
function batchStrides(t: Tensor, batchShape: Shape): number[] {
  const own = t.rank - 2
  const shift = batchShape.length - own
  return batchShape.map((_, i) => (i < shift || t.shape[i - shift] === 1 ? 0 : t.strides[i - shift]))
}

/** Row panels of 4: packed[(ib·k + p)·4 + r] = A[4·ib + r, p], zero past the last row. */
function packRows(src: FloatArray, off: number, rs: number, cs: number, n: number, k: number, packed: Float64Array): void {
  let q = 0
  for (let i0 = 0; i0 < n; i0 += 4) {
    const rows = Math.min(4, n - i0)
    for (let p = 0; p < k; p++) {
      const at = off + i0 * rs + p * cs
      for (let r = 0; r < 4; r++) packed[q++] = r < rows ? src[at + r * rs] : 0
    }
  }
}

/** Column panels of 4: packed[(jb·k + p)·4 + c] = B[p, 4·jb + c], zero past the last column. */
function packCols(src: FloatArray, off: number, rs: number, cs: number, k: number, m: number, packed: Float64Array): void {
  let q = 0
  for (let j0 = 0; j0 < m; j0 += 4) {
    const cols = Math.min(4, m - j0)
    for (let p = 0; p < k; p++) {
      const at = off + p * rs + j0 * cs
      for (let c = 0; c < 4; c++) packed[q++] = c < cols ? src[at + c * cs] : 0
    }
  }
}

/** The 4×4 micro-kernel over every pair of panels; B's panel stays hot in cache across A's. */
function tiledProduct(pa: Float64Array, pb: Float64Array, n: number, k: number, m: number, out: FloatArray, offC: number): void {
  const panel = 4 * k
  for (let j0 = 0; j0 < m; j0 += 4) {
    const bBase = (j0 >> 2) * panel
    const cols = Math.min(4, m - j0)
    for (let i0 = 0; i0 < n; i0 += 4) {
      let ia = (i0 >> 2) * panel
      let ib = bBase
      let c00 = 0, c01 = 0, c02 = 0, c03 = 0
      let c10 = 0, c11 = 0, c12 = 0, c13 = 0
      let c20 = 0, c21 = 0, c22 = 0, c23 = 0
      let c30 = 0, c31 = 0, c32 = 0, c33 = 0
      for (let p = 0; p < k; p++) {
        const a0 = pa[ia], a1 = pa[ia + 1], a2 = pa[ia + 2], a3 = pa[ia + 3]
        const b0 = pb[ib], b1 = pb[ib + 1], b2 = pb[ib + 2], b3 = pb[ib + 3]
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3
        ia += 4
        ib += 4
      }
      const rows = Math.min(4, n - i0)
      let o = offC + i0 * m + j0
      if (cols === 4) {
        out[o] = c00; out[o + 1] = c01; out[o + 2] = c02; out[o + 3] = c03
        if (rows > 1) { o += m; out[o] = c10; out[o + 1] = c11; out[o + 2] = c12; out[o + 3] = c13 }
        if (rows > 2) { o += m; out[o] = c20; out[o + 1] = c21; out[o + 2] = c22; out[o + 3] = c23 }
        if (rows > 3) { o += m; out[o] = c30; out[o + 1] = c31; out[o + 2] = c32; out[o + 3] = c33 }
      } else {
        // A ragged right edge: write only the columns that exist (padding was zeros).
        storeEdge(out, o, cols, c00, c01, c02)
        if (rows > 1) storeEdge(out, (o += m), cols, c10, c11, c12)
        if (rows > 2) storeEdge(out, (o += m), cols, c20, c21, c22)
        if (rows > 3) storeEdge(out, (o += m), cols, c30, c31, c32)
      }
    }
  }
}

function storeEdge(out: FloatArray, o: number, cols: number, v0: number, v1: number, v2: number): void {
  out[o] = v0
  if (cols > 1) out[o + 1] = v1
  if (cols > 2) out[o + 2] = v2
}

/**
 * i-k-j for thin products: row i of C accumulates a·B[p, :] in a float64 row buffer, so B is
 * read along its rows and nothing is allocated per element.
 */
function thinProduct(
  ad: FloatArray, offA: number, rsA: number, csA: number,
  bd: FloatArray, offB: number, rsB: number, csB: number,
  n: number, k: number, m: number, row: Float64Array, out: FloatArray, offC: number,
): void {
  for (let i = 0; i < n; i++) {
    row.fill(0)
    const aRow = offA + i * rsA
    for (let p = 0; p < k; p++) {
      const av = ad[aRow + p * csA]
      const bRow = offB + p * rsB
      for (let j = 0; j < m; j++) row[j] += av * bd[bRow + j * csB]
    }
    const o = offC + i * m
    for (let j = 0; j < m; j++) out[o + j] = row[j]
  }
}
