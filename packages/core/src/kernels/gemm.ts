import type { FloatArray } from '../dtype.js'
import { simdGemm, simdAvailable } from './wasm/simd-gemm.js'

// The one matrix product of ad: matmul, linear and conv2d (with its two gradient ops) all
// run `gemm`. Two interchangeable backends compute it:
//   'wasm'       WebAssembly SIMD micro-kernels (wasm/gemm.wat), 5-10x faster;
//   'typescript' the register-tiled TypeScript kernel below, used where WebAssembly SIMD is
//                missing and for products too small to be worth copying into wasm memory.
// They give the same float64 results bit for bit (both sum along k in order, with separate
// multiplies and adds); in float32 the TypeScript kernel accumulates in double and the wasm
// one in single precision, within the usual dot-product error bound (see gemm.test.ts).

/** A matrix read through strides: element (i, j) is `data[offset + i·rowStride + j·colStride]`. */
export interface MatrixView {
  readonly data: FloatArray
  readonly offset: number
  readonly rowStride: number
  readonly colStride: number
}

/** A row-major [rows, cols] matrix at `offset`. */
export function rowMajor(data: FloatArray, offset: number, cols: number): MatrixView {
  return { data, offset, rowStride: cols, colStride: 1 }
}

/** The transpose of a row-major [rows, cols] matrix at `offset`, read in place as [cols, rows]. */
export function transposed(data: FloatArray, offset: number, cols: number): MatrixView {
  return { data, offset, rowStride: 1, colStride: cols }
}

export type GemmBackend = 'wasm' | 'typescript'

let preferred: GemmBackend | 'auto' = 'auto'

/**
 * Chooses the backend: 'auto' (the default) takes WebAssembly SIMD when this runtime
 * validates the module (feature detection with `WebAssembly.validate`). Forcing 'wasm'
 * where it is unavailable still falls back to TypeScript.
 */
export function setGemmBackend(backend: GemmBackend | 'auto'): void {
  preferred = backend
}

/** The backend large products run on. */
export function gemmBackend(): GemmBackend {
  return preferred !== 'typescript' && simdAvailable() ? 'wasm' : 'typescript'
}

/**
 * Below this many multiply-adds, copying the operands into wasm memory costs more than it
 * saves (measured on Node 20: the two backends break even around 6×6×6, 0.3 µs).
 */
const WASM_MIN_WORK = 256

/**
 * C[m, n] = A[m, k]·B[k, n], or C += A·B with `accumulate`. C is row-major at `cOffset`
 * (n elements a row); A and B are read through their strides, so transposed operands cost
 * no copy. All arrays are of one dtype.
 */
export function gemm(
  m: number, n: number, k: number,
  a: MatrixView, b: MatrixView,
  c: FloatArray, cOffset: number,
  accumulate: boolean,
): void {
  if (m === 0 || n === 0) return
  if (k === 0) {
    if (!accumulate) c.fill(0, cOffset, cOffset + m * n)
    return
  }
  if (m < 4 || n < 4) {
    thinProduct(m, n, k, a, b, c, cOffset, accumulate)
    return
  }
  // The SIMD kernels decline (false) a product too large for their memory.
  const simd = m * n * k >= WASM_MIN_WORK && gemmBackend() === 'wasm'
  if (!simd || !simdGemm(m, n, k, a, b, c, cOffset, accumulate)) tiledProduct(m, n, k, a, b, c, cOffset, accumulate)
}

/** The TypeScript backend alone (the fallback, and the reference the wasm kernel is tested against). */
export function gemmTypeScript(
  m: number, n: number, k: number, a: MatrixView, b: MatrixView, c: FloatArray, cOffset: number, accumulate: boolean,
): void {
  if (m === 0 || n === 0) return
  if (k === 0) {
    if (!accumulate) c.fill(0, cOffset, cOffset + m * n)
  } else if (m < 4 || n < 4) thinProduct(m, n, k, a, b, c, cOffset, accumulate)
  else tiledProduct(m, n, k, a, b, c, cOffset, accumulate)
}

// ---------------------------------------------------------------------------------------
// The TypeScript kernel. A is packed into panels of 4 rows and B into panels of 4 columns,
// each laid out p-major (GotoBLAS style), then a 4×4 register-tiled micro-kernel runs: 16
// accumulators in locals, 8 loads per 16 multiply-adds, both panels read strictly in order
// whatever the operands' strides. Panels are float64, so float32 operands accumulate in
// double (one rounding per output) and the hot loop sees one array type (monomorphic).
// The panels are scratch buffers kept between calls (grown as needed): kernels never
// re-enter, so one set is enough.

let scratchA: Float64Array = new Float64Array(0)
let scratchB: Float64Array = new Float64Array(0)

function scratch(current: Float64Array, size: number): Float64Array {
  return current.length >= size ? current : new Float64Array(Math.max(size, 2 * current.length))
}

function tiledProduct(
  m: number, n: number, k: number, a: MatrixView, b: MatrixView, c: FloatArray, cOffset: number, accumulate: boolean,
): void {
  const pa = (scratchA = scratch(scratchA, Math.ceil(m / 4) * 4 * k))
  const pb = (scratchB = scratch(scratchB, Math.ceil(n / 4) * 4 * k))
  packRows(a, m, k, pa)
  packCols(b, k, n, pb)
  const panel = 4 * k
  for (let j0 = 0; j0 < n; j0 += 4) {
    const bBase = (j0 >> 2) * panel
    const cols = Math.min(4, n - j0)
    for (let i0 = 0; i0 < m; i0 += 4) {
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
      const rows = Math.min(4, m - i0)
      let o = cOffset + i0 * n + j0
      storeRow(c, o, cols, accumulate, c00, c01, c02, c03)
      if (rows > 1) storeRow(c, (o += n), cols, accumulate, c10, c11, c12, c13)
      if (rows > 2) storeRow(c, (o += n), cols, accumulate, c20, c21, c22, c23)
      if (rows > 3) storeRow(c, (o += n), cols, accumulate, c30, c31, c32, c33)
    }
  }
}

/** One row of a tile into C; a ragged right edge writes only the columns that exist (padding was zeros). */
function storeRow(
  c: FloatArray, o: number, cols: number, accumulate: boolean, v0: number, v1: number, v2: number, v3: number,
): void {
  if (accumulate) {
    c[o] += v0
    if (cols > 1) c[o + 1] += v1
    if (cols > 2) c[o + 2] += v2
    if (cols > 3) c[o + 3] += v3
  } else {
    c[o] = v0
    if (cols > 1) c[o + 1] = v1
    if (cols > 2) c[o + 2] = v2
    if (cols > 3) c[o + 3] = v3
  }
}

/** Row panels of 4: packed[(ib·k + p)·4 + r] = A[4·ib + r, p], zero past the last row. */
function packRows(a: MatrixView, m: number, k: number, packed: Float64Array): void {
  const { data, offset, rowStride: rs, colStride: cs } = a
  let q = 0
  for (let i0 = 0; i0 < m; i0 += 4) {
    const rows = Math.min(4, m - i0)
    for (let p = 0; p < k; p++) {
      const at = offset + i0 * rs + p * cs
      for (let r = 0; r < 4; r++) packed[q++] = r < rows ? data[at + r * rs] : 0
    }
  }
}

/** Column panels of 4: packed[(jb·k + p)·4 + c] = B[p, 4·jb + c], zero past the last column. */
function packCols(b: MatrixView, k: number, n: number, packed: Float64Array): void {
  const { data, offset, rowStride: rs, colStride: cs } = b
  let q = 0
  for (let j0 = 0; j0 < n; j0 += 4) {
    const cols = Math.min(4, n - j0)
    for (let p = 0; p < k; p++) {
      const at = offset + p * rs + j0 * cs
      for (let c = 0; c < 4; c++) packed[q++] = c < cols ? data[at + c * cs] : 0
    }
  }
}

let scratchRow: Float64Array = new Float64Array(0)

/**
 * Thin products (m or n below 4: matrix-vector, dot), where padding a panel to 4 would
 * waste most of the work. For n ≥ m, row i of C accumulates A[i, p]·B[p, :] in a float64
 * row (i-k-j, B read along its rows); otherwise, or when B's columns are contiguous and its
 * rows are not (a transposed weight, as `linear` reads it), each C[i, j] is one dot product
 * read in order. Either way each element is summed along p in order, in double.
 */
function thinProduct(
  m: number, n: number, k: number, a: MatrixView, b: MatrixView, c: FloatArray, cOffset: number, accumulate: boolean,
): void {
  const { data: ad, offset: aOff, rowStride: rsA, colStride: csA } = a
  const { data: bd, offset: bOff, rowStride: rsB, colStride: csB } = b
  if (n >= m && !(rsB === 1 && csB !== 1)) {
    const row = (scratchRow = scratch(scratchRow, n))
    for (let i = 0; i < m; i++) {
      row.fill(0, 0, n)
      const aRow = aOff + i * rsA
      for (let p = 0; p < k; p++) {
        const av = ad[aRow + p * csA]
        const bRow = bOff + p * rsB
        for (let j = 0; j < n; j++) row[j] += av * bd[bRow + j * csB]
      }
      const o = cOffset + i * n
      if (accumulate) for (let j = 0; j < n; j++) c[o + j] += row[j]
      else for (let j = 0; j < n; j++) c[o + j] = row[j]
    }
    return
  }
  for (let i = 0; i < m; i++) {
    const aRow = aOff + i * rsA
    for (let j = 0; j < n; j++) {
      const bCol = bOff + j * csB
      let s = 0
      for (let p = 0; p < k; p++) s += ad[aRow + p * csA] * bd[bCol + p * rsB]
      const o = cOffset + i * n + j
      if (accumulate) c[o] += s
      else c[o] = s
    }
  }
}
