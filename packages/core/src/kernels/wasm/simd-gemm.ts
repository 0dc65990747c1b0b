import type { FloatArray } from '../../dtype.js'
import type { MatrixView } from '../gemm.js'
import { gemmSharedWasmBase64, gemmWasmBase64 } from './gemm-bytes.js'
import { CONTROL_BYTES, CTL, HelperPool, JOB_FIELDS, runChunk } from './gemm-threads.js'

// The WebAssembly SIMD backend of `gemm`. Each product copies A's and B's elements into the
// module's linear memory (one memcpy each for the usual layouts), packs them there into the
// panels gemm.wat's micro-kernels read, runs the kernels block by block and copies C out.
// The memory grows as needed and is kept for the next product. Where the platform shares
// memory between threads, the module is the variant on a shared memory, and large products
// are split with helper threads (gemm-threads.ts).

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
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory
}

let exports: GemmExports | null | undefined
/** The helper threads, where memory can be shared (null: products run on the calling thread). */
let pool: HelperPool | null = null

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
        exports = loadShared()
        const bytes = decodeBase64(gemmWasmBase64)
        // validate() fails, without throwing, on a runtime that lacks an instruction we use.
        if (exports === null && WebAssembly.validate(bytes)) {
          exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as GemmExports
        }
      }
    } catch {
      exports = null
    }
  }
  return exports
}

/**
 * The variant on a shared memory, with its helper pool (not started yet), where the platform
 * has shared memory and atomics (not a page without cross-origin isolation); else null.
 */
function loadShared(): GemmExports | null {
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') return null
  try {
    const bytes = decodeBase64(gemmSharedWasmBase64)
    if (!WebAssembly.validate(bytes)) return null
    const memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_BYTES / 65536, shared: true })
    const module = new WebAssembly.Module(bytes)
    const wasm = new WebAssembly.Instance(module, { env: { memory } }).exports as GemmExports
    pool = new HelperPool(memory, module)
    return wasm
  } catch {
    pool = null
    return null
  }
}

export function simdAvailable(): boolean {
  return load() !== null
}

let threadsWanted = true

/** Whether large products may use helper threads (on by default where the platform has them). */
export function setGemmThreads(on: boolean): void {
  threadsWanted = on
}

/**
 * Starts the helper threads now (they otherwise start with the first large product, and take
 * part once ready) and resolves to how many are ready: 0 where there are none.
 */
export function gemmHelpers(): Promise<number> {
  load()
  return pool === null ? Promise.resolve(0) : pool.start()
}

/** Chunks of products that helper threads have run so far (0 without helpers). */
export function gemmHelpedChunks(): number {
  return pool === null ? 0 : pool.helped
}

/**
 * Below this many multiply-adds a product stays on one thread: waking a helper and waiting
 * for its last chunk cost tens of microseconds, and more when its core is busy; measured on
 * W5, products of 2^20 to 2^21 (one image's convolution) ran slower on two threads.
 */
const THREAD_MIN_WORK = 1 << 22
/** Chunks per thread: small enough that a busy core's share is soon taken over by the others. */
const CHUNKS_PER_THREAD = 4

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

/** The fields of the product being run (see gemm-threads.ts), reused. */
const job = new Int32Array(JOB_FIELDS)

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
  // Layout: the helpers' control block, A's and B's elements as given, then their panels,
  // then C (rows padded to 4, columns to a whole panel).
  const aRawAt = CONTROL_BYTES
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

  job[CTL.A] = aAt
  job[CTL.A_STRIDE] = aStride
  job[CTL.B] = bAt
  job[CTL.B_STRIDE] = bStride
  job[CTL.C] = cAt
  job[CTL.LDC] = ldc
  job[CTL.K] = k
  job[CTL.KC] = KC
  job[CTL.BLOCK] = Math.max(1, Math.floor(A_BLOCK_BYTES / (MR * KC * size)))
  job[CTL.ROW_PANELS] = rowPanels
  job[CTL.COL_PANELS] = colPanels
  job[CTL.F64] = single ? 0 : 1
  // Cut the panels of C along columns, so each chunk reads all of A's panels, when B has more
  // of them (m ≤ n); else along rows. Either way every element is summed as on one thread.
  const splitRows = colPanels < 2 || (rowPanels >= 2 && m > n)
  job[CTL.SPLIT_ROWS] = splitRows ? 1 : 0
  const parallel = pool !== null && threadsWanted && m * n * k >= THREAD_MIN_WORK
  if (parallel) void pool!.start()
  const threads = parallel && !pool!.alone() ? pool!.ready + 1 : 1
  const chunks = Math.min(splitRows ? rowPanels : colPanels, threads * CHUNKS_PER_THREAD, 255)
  job[CTL.CHUNKS] = threads > 1 ? chunks : 1
  if (threads > 1 && chunks > 1) pool!.run(wasm, job)
  else runChunk(wasm, job, 0)
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
