import type { FloatArray } from '../../dtype.js'
import type { MatrixView } from '../gemm.js'
import { gemmWasmBase64 } from './gemm-bytes.js'

// The WebAssembly SIMD backend of `gemm`. Each product copies A's and B's elements into the
// module's linear memory (one memcpy each for the usual layouts), packs them there into the
// panels gemm.wat's micro-kernels read, runs the kernels block by block and copies C out.
// The memory grows as needed and is kept for the next product.

// The few WebAssembly declarations used here (TypeScript's ES libs leave them to lib.dom).
interface WasmMemory {
  readonly buffer: ArrayBuffer
  grow(pages: number): number
}
type KernelFn = (
  a: number, aStride: number, b: number, bStride: number, c: number, ldc: number,
  rowPanels: number, colPanels: number, kc: number, load: number,
) => void
interface GemmExports {
  readonly memory: WasmMemory
  readonly gemm_f32: KernelFn
  readonly gemm_f64: KernelFn
  readonly pack32: (src: number, laneStride: number, pStride: number, lanes: number, k: number, width: number, dst: number) => void
  readonly pack64: (src: number, laneStride: number, pStride: number, lanes: number, k: number, dst: number) => void
}
declare const WebAssembly: {
  validate(bytes: Uint8Array): boolean
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { readonly exports: unknown }
}

let exports: GemmExports | null | undefined

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

/** Compiles the module on first use; null where WebAssembly or its SIMD instructions are missing. */
function load(): GemmExports | null {
  if (exports === undefined) {
    exports = null
    try {
      if (typeof WebAssembly === 'object') {
        const bytes = decodeBase64(gemmWasmBase64)
        // validate() fails, without throwing, on a runtime that lacks an instruction we use.
        if (WebAssembly.validate(bytes)) {
          exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as GemmExports
        }
      }
    } catch {
      exports = null
    }
  }
  return exports
}

export function simdAvailable(): boolean {
  return load() !== null
}

/** Columns of a B panel (32 bytes a row: 8 float32 or 4 float64) and rows of an A panel. */
const PANEL_BYTES = 32
const MR = 4
/** Values of p per pass: a B panel's slice (kc × 32 bytes = 8 KiB) stays in L1 across the row panels. */
const KC = 256
/** Bytes of A's slice per block of row panels, sized for L2. */
const A_BLOCK_BYTES = 256 * 1024

let f32: Float32Array = new Float32Array(0)
let f64: Float64Array = new Float64Array(0)

/** Addresses stay below 2 GiB (signed i32 offsets from JavaScript); larger products fall back. */
const MAX_BYTES = 2 ** 31

/**
 * Makes the linear memory at least `bytes` long and refreshes the views (growing detaches
 * them). False when it cannot grow that far.
 */
function reserve(wasm: GemmExports, bytes: number): boolean {
  const buffer = wasm.memory.buffer
  if (bytes > MAX_BYTES) return false
  if (buffer.byteLength < bytes) {
    try {
      wasm.memory.grow(Math.ceil((bytes - buffer.byteLength) / 65536))
    } catch {
      return false // out of memory for the module: the caller takes the TypeScript kernel
    }
  }
  if (f32.buffer !== wasm.memory.buffer) {
    f32 = new Float32Array(wasm.memory.buffer)
    f64 = new Float64Array(wasm.memory.buffer)
  }
  return true
}

/**
 * C (+)= A·B on the SIMD kernels; the operands and C are of one dtype. Requires
 * `simdAvailable()`. Returns false, having done nothing, when the operands do not fit in
 * the module's memory.
 */
export function simdGemm(
  m: number, n: number, k: number, a: MatrixView, b: MatrixView, c: FloatArray, cOffset: number, accumulate: boolean,
): boolean {
  const wasm = load()!
  const single = c instanceof Float32Array
  const size = single ? 4 : 8
  const nr = PANEL_BYTES / size
  const rowPanels = Math.ceil(m / MR)
  const colPanels = Math.ceil(n / nr)
  const aStride = MR * k * size
  const bStride = PANEL_BYTES * k
  const ldc = colPanels * PANEL_BYTES
  // Layout: A's and B's elements as given, then their panels, then C (rows padded to 4,
  // columns to a whole panel).
  const aRawAt = 0
  const bRawAt = align(aRawAt + stagedLength(a, m, k) * size)
  const aAt = align(bRawAt + stagedLength(b, k, n) * size)
  const bAt = aAt + rowPanels * aStride
  const cAt = bAt + colPanels * bStride
  if (!reserve(wasm, cAt + rowPanels * MR * ldc)) return false
  const view = single ? f32 : f64
  const A = stage(a, m, k, view, aRawAt / size)
  const B = stage(b, k, n, view, bRawAt / size)
  if (single) {
    wasm.pack32(aRawAt, A.rowStride * 4, A.colStride * 4, m, k, MR, aAt)
    wasm.pack32(bRawAt, B.colStride * 4, B.rowStride * 4, n, k, nr, bAt)
  } else {
    wasm.pack64(aRawAt, A.rowStride * 8, A.colStride * 8, m, k, aAt)
    wasm.pack64(bRawAt, B.colStride * 8, B.rowStride * 8, n, k, bAt)
  }

  const kernel = single ? wasm.gemm_f32 : wasm.gemm_f64
  const blockPanels = Math.max(1, Math.floor(A_BLOCK_BYTES / (MR * KC * size)))
  for (let p0 = 0; p0 < k; p0 += KC) {
    const kc = Math.min(KC, k - p0)
    for (let i0 = 0; i0 < rowPanels; i0 += blockPanels) {
      kernel(
        aAt + i0 * aStride + p0 * MR * size, aStride,
        bAt + p0 * PANEL_BYTES, bStride,
        cAt + i0 * MR * ldc, ldc,
        Math.min(blockPanels, rowPanels - i0), colPanels, kc, p0 > 0 ? 1 : 0,
      )
    }
  }
  copyOut(view, cAt / size, ldc / size, m, n, c, cOffset, accumulate)
  return true
}

function align(bytes: number): number {
  return Math.ceil(bytes / 16) * 16
}

/** The elements a [rows, cols] view spans in its array, first to last. */
function span(v: MatrixView, rows: number, cols: number): number {
  return (rows - 1) * v.rowStride + (cols - 1) * v.colStride + 1
}

/** A view spanning at most twice its elements is copied whole; a sparser one is gathered. */
function stagedLength(v: MatrixView, rows: number, cols: number): number {
  const s = span(v, rows, cols)
  return s <= 2 * rows * cols ? s : rows * cols
}

/**
 * Copies a view's elements to `view[base ..]` and returns their strides there: the span it
 * covers in one memcpy when that is dense enough (any strides, transposed or not), else a
 * row-major gather.
 */
function stage(v: MatrixView, rows: number, cols: number, view: FloatArray, base: number): { rowStride: number; colStride: number } {
  const { data, offset, rowStride: rs, colStride: cs } = v
  const s = span(v, rows, cols)
  if (s <= 2 * rows * cols) {
    view.set(data.subarray(offset, offset + s), base)
    return { rowStride: rs, colStride: cs }
  }
  let q = base
  for (let i = 0; i < rows; i++) for (let j = 0, x = offset + i * rs; j < cols; j++, x += cs) view[q++] = data[x]
  return { rowStride: cols, colStride: 1 }
}

/** The m × n corner of the padded C (`ld` elements a row) into `c`, or added to it. */
function copyOut(
  view: FloatArray, base: number, ld: number, m: number, n: number, c: FloatArray, cOffset: number, accumulate: boolean,
): void {
  if (!accumulate && ld === n) {
    c.set(view.subarray(base, base + m * n), cOffset)
    return
  }
  for (let i = 0; i < m; i++) {
    const from = base + i * ld
    const to = cOffset + i * n
    if (accumulate) for (let j = 0; j < n; j++) c[to + j] += view[from + j]
    else if (n >= 64) c.set(view.subarray(from, from + n), to)
    else for (let j = 0; j < n; j++) c[to + j] = view[from + j]
  }
}
