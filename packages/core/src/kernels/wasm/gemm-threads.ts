// Helper threads for the SIMD matrix product: the second core (and more) on large products.
//
// The helpers instantiate the same kernels (gemm.wat assembled on an imported shared memory)
// on the very memory the main thread packed the operands into, so nothing is copied to them.
// A product's output is cut into chunks along its row or column panels; every thread, the
// caller included, claims chunks one at a time with a compare-and-swap until none is left.
// Each chunk runs every pass over k in order for its own tiles, so every element is summed
// exactly as on one thread: the results are the same bit for bit. Claiming, not assigning,
// is what keeps a busy or sleeping helper from holding the caller up: a chunk a helper has
// not claimed, the caller runs itself, and the caller waits at most for the one chunk each
// helper is running. Where that wait still costs more than the helpers save (their cores
// busy with other work, so a claimed chunk waits for the scheduler), products run alone for
// a while before the helpers are tried again.
//
// The control block is the first CONTROL_BYTES of the memory (32 int32):
//   SEQ       the number of the product posted last (helpers sleep on it with Atomics.wait);
//   NEXT      seq (15 bits) << 16 | chunks << 8 | next chunk to claim, one word so that a
//             helper that woke late sees at once that its product is gone;
//   FINISHED  chunks done of the current product (the caller sleeps on it);
//   READY     helpers that have instantiated the module;
//   HELPED    chunks run by helpers so far (how tests see that they took part);
//   JOB ..    the product's fields (see JOB_FIELDS), written before NEXT is published.
// Helpers are unref'd (Node) and never keep a process alive; where shared memory, workers or
// blocking waits are missing (a page without cross-origin isolation), products run on the
// calling thread only.

/** Offsets (in int32) of the control block's words and of the job's fields. */
export const CTL = {
  SEQ: 0, NEXT: 1, FINISHED: 2, READY: 3, HELPED: 4, SPARE: 5,
  JOB: 8,
  // the job: byte addresses and strides of the panels (see simd-gemm.ts), k, the pass length,
  // row panels per A block, the panel counts, dtype, the chunks and the dimension cut
  A: 0, A_STRIDE: 1, B: 2, B_STRIDE: 3, C: 4, LDC: 5, K: 6, KC: 7, BLOCK: 8,
  ROW_PANELS: 9, COL_PANELS: 10, F64: 11, CHUNKS: 12, SPLIT_ROWS: 13,
} as const
export const JOB_FIELDS = 14
export const CONTROL_BYTES = 128

type Kernel = (
  a: number, aStride: number, b: number, bStride: number, c: number, ldc: number,
  rowPanels: number, colPanels: number, kc: number, load: number,
) => void
export interface Kernels {
  readonly gemm_f32: Kernel
  readonly gemm_f64: Kernel
}

// runChunk and claimChunks run on every thread: the helpers get their source text, so they
// use nothing but their arguments, CTL and globals.

/**
 * One chunk of a product: for each pass of kc values of p (in order), each block of A's row
 * panels against the chunk's column panels (C starts from zero on the first pass, from itself
 * after). Rows of a tile are 4; a pass advances A's panels by 4 elements and B's by one row.
 */
export function runChunk(kernels: Kernels, job: ArrayLike<number>, chunk: number): void {
  const kernel = job[CTL.F64] ? kernels.gemm_f64 : kernels.gemm_f32
  const k = job[CTL.K], kcMax = job[CTL.KC], block = job[CTL.BLOCK], chunks = job[CTL.CHUNKS]
  const aStride = job[CTL.A_STRIDE], bStride = job[CTL.B_STRIDE], ldc = job[CTL.LDC]
  const aStep = aStride / k, bStep = bStride / k // bytes per value of p in a panel
  let r0 = 0, r1 = job[CTL.ROW_PANELS], c0 = 0, c1 = job[CTL.COL_PANELS]
  if (job[CTL.SPLIT_ROWS]) {
    r0 = Math.floor((chunk * r1) / chunks)
    r1 = Math.floor(((chunk + 1) * r1) / chunks)
  } else {
    c0 = Math.floor((chunk * c1) / chunks)
    c1 = Math.floor(((chunk + 1) * c1) / chunks)
  }
  for (let p0 = 0; p0 < k; p0 += kcMax) {
    const kc = Math.min(kcMax, k - p0)
    for (let i0 = r0; i0 < r1; i0 += block) {
      kernel(
        job[CTL.A] + i0 * aStride + p0 * aStep, aStride,
        job[CTL.B] + c0 * bStride + p0 * bStep, bStride,
        job[CTL.C] + i0 * 4 * ldc + c0 * bStep, ldc,
        Math.min(block, r1 - i0), c1 - c0, kc, p0 > 0 ? 1 : 0,
      )
    }
  }
}

/** Claims and runs chunks of product `seq` until none is left (or another product was posted); returns how many it ran. */
export function claimChunks(kernels: Kernels, ctl: Int32Array, seq: number, helper: boolean): number {
  for (let ran = 0; ; ran++) {
    const v = Atomics.load(ctl, CTL.NEXT)
    if (v >>> 16 !== seq || (v & 255) >= ((v >>> 8) & 255)) return ran
    if (Atomics.compareExchange(ctl, CTL.NEXT, v, v + 1) !== v) {
      ran--
      continue
    }
    // The job's fields are read after the claim: they stay as they are until every chunk is done.
    runChunk(kernels, ctl.subarray(CTL.JOB, CTL.JOB + JOB_FIELDS), v & 255)
    if (helper) Atomics.add(ctl, CTL.HELPED, 1)
    Atomics.add(ctl, CTL.FINISHED, 1)
    Atomics.notify(ctl, CTL.FINISHED)
  }
}

/**
 * A helper's whole program: instantiate the module on the shared memory, then serve products
 * forever. The module comes compiled (a WebAssembly.Module posted to a worker shares its
 * code), so the helper runs the optimised code the caller's thread runs from the start.
 */
function serve(memory: { buffer: ArrayBufferLike }, module: object, ready: () => void): void {
  const W = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly
  const kernels = new W.Instance(module, { env: { memory } }).exports as Kernels
  const ctl = new Int32Array(memory.buffer, 0, 32)
  Atomics.add(ctl, CTL.READY, 1)
  ready()
  let seen = Atomics.load(ctl, CTL.SEQ)
  for (;;) {
    Atomics.wait(ctl, CTL.SEQ, seen)
    seen = Atomics.load(ctl, CTL.SEQ)
    claimChunks(kernels, ctl, seen, true)
  }
}

/** The helpers' source: the functions above, and how each platform hands them the memory. */
function helperSource(): string {
  return [
    `'use strict'`,
    `const CTL = ${JSON.stringify(CTL)}, JOB_FIELDS = ${JOB_FIELDS}`,
    `const runChunk = ${runChunk.toString()}`,
    `const claimChunks = ${claimChunks.toString()}`,
    `const serve = ${serve.toString()}`,
    `if (typeof require === 'function') {`,
    `  const { parentPort } = require('node:worker_threads')`,
    `  parentPort.once('message', (m) => serve(m.memory, m.module, () => parentPort.postMessage('ready')))`,
    `} else {`,
    `  self.onmessage = (e) => serve(e.data.memory, e.data.module, () => self.postMessage('ready'))`,
    `}`,
  ].join('\n')
}

interface WasmApi {
  Instance: new (module: object, imports: object) => { readonly exports: unknown }
}

/** What starting a helper needs of the platform: Node's worker_threads, or a browser's Worker. */
interface Helper {
  postMessage(message: unknown): void
  /** Calls `f` once, when the helper is ready or has failed (an error, an exit). */
  onSettled(f: () => void): void
}

interface NodeProcess {
  versions?: { node?: string }
}

/** The platform's helper threads and core count, or null where there are none (or no shared memory). */
async function platformHelpers(): Promise<{ spawn: (source: string) => Helper; cores: number } | null> {
  const g = globalThis as unknown as {
    process?: NodeProcess
    Worker?: new (url: string) => { postMessage(m: unknown): void; onmessage: ((e: unknown) => void) | null; onerror: ((e: unknown) => void) | null }
    Blob?: new (parts: string[], options: { type: string }) => object
    URL?: { createObjectURL(blob: object): string }
    crossOriginIsolated?: boolean
    navigator?: { hardwareConcurrency?: number }
  }
  if (g.process?.versions?.node !== undefined) {
    // Hidden from bundlers: a browser build must not try to resolve Node's modules.
    const threads = 'node:worker_threads'
    const os = 'node:os'
    const { Worker } = (await import(/* @vite-ignore */ threads)) as typeof import('node:worker_threads')
    const { availableParallelism, cpus } = (await import(/* @vite-ignore */ os)) as typeof import('node:os')
    return {
      cores: typeof availableParallelism === 'function' ? availableParallelism() : cpus().length,
      spawn: (source) => {
        // No execArgv: loaders the process runs with (tsx, say) have no business in the helper.
        const worker = new Worker(source, { eval: true, execArgv: [] })
        worker.unref() // never what keeps a process alive
        return {
          postMessage: (m) => worker.postMessage(m),
          onSettled: (f) => {
            worker.once('message', f)
            worker.once('error', f) // a helper that fails is simply not counted as ready
            worker.once('exit', f)
          },
        }
      },
    }
  }
  if (g.Worker !== undefined && g.Blob !== undefined && g.URL !== undefined && g.crossOriginIsolated === true) {
    const { Worker, Blob, URL } = g
    return {
      cores: g.navigator?.hardwareConcurrency ?? 1,
      spawn: (source) => {
        const worker = new Worker(URL.createObjectURL(new Blob([source], { type: 'text/javascript' })))
        return {
          postMessage: (m) => worker.postMessage(m),
          onSettled: (f) => {
            worker.onmessage = () => f()
            worker.onerror = () => f()
          },
        }
      },
    }
  }
  return null
}

/** Products in a row where the helpers did not pay, and products then run alone before trying them again. */
const STRIKES = 3
const REST = 32

/** At most this many helpers (beyond it, the packing and copying on the caller's thread dominate). */
const MAX_HELPERS = 3

/** A pool on one shared memory: started once, in the background; products use it once helpers are ready. */
export class HelperPool {
  private readonly ctl: Int32Array
  private seq = 0
  /** Whether this thread may block in Atomics.wait (not a browser's main thread): else it spins. */
  private readonly canBlock: boolean
  private started: Promise<number> | null = null
  /** Products in a row where the helpers cost more than they saved, and products left to run alone. */
  private strikes = 0
  private resting = 0

  constructor(private readonly memory: { buffer: ArrayBufferLike }, private readonly module: object) {
    this.ctl = new Int32Array(memory.buffer, 0, 32)
    let canBlock = true
    try {
      Atomics.wait(this.ctl, CTL.SPARE, 1, 0) // returns at once ('not-equal'), or throws where blocking is barred
    } catch {
      canBlock = false
    }
    this.canBlock = canBlock
  }

  /** Helpers ready to take chunks now. */
  get ready(): number {
    return Atomics.load(this.ctl, CTL.READY)
  }

  /** Chunks helpers have run so far. */
  get helped(): number {
    return Atomics.load(this.ctl, CTL.HELPED)
  }

  /**
   * Starts the helpers (once) and resolves to how many became ready: 0 where the platform has
   * no threads or one core. Products run on the calling thread until then.
   */
  start(): Promise<number> {
    this.started ??= (async () => {
      try {
        const platform = await platformHelpers()
        const n = platform === null ? 0 : Math.min(MAX_HELPERS, platform.cores - 1)
        if (platform === null || n <= 0) return 0
        const ready: Promise<void>[] = []
        for (let i = 0; i < n; i++) {
          const helper = platform.spawn(helperSource())
          ready.push(new Promise((resolve) => helper.onSettled(() => resolve())))
          helper.postMessage({ memory: this.memory, module: this.module })
        }
        await Promise.all(ready)
        return this.ready
      } catch {
        return 0 // no helpers: every product runs on the calling thread
      }
    })()
    return this.started
  }

  /**
   * Whether the next product should run on the calling thread alone: for a while after the
   * helpers cost more than they saved three products in a row (their cores busy with other
   * work: a helper that is not running holds the caller up as long as its chunk waits).
   */
  alone(): boolean {
    if (this.resting === 0) return false
    this.resting--
    return true
  }

  /**
   * Runs a product (the job's fields, CHUNKS included) on this thread and the helpers, and
   * returns when every chunk is done.
   */
  run(kernels: Kernels, job: Int32Array): void {
    const ctl = this.ctl
    const chunks = job[CTL.CHUNKS]
    this.seq = (this.seq + 1) & 0x7fff
    const seq = this.seq
    ctl.set(job, CTL.JOB)
    Atomics.store(ctl, CTL.FINISHED, 0)
    Atomics.store(ctl, CTL.NEXT, (seq << 16) | (chunks << 8))
    Atomics.store(ctl, CTL.SEQ, seq)
    Atomics.notify(ctl, CTL.SEQ)
    const start = performance.now()
    const own = claimChunks(kernels, ctl, seq, false)
    const claimed = performance.now()
    // What is left is at most the chunk each helper is running.
    for (;;) {
      const done = Atomics.load(ctl, CTL.FINISHED)
      if (done >= chunks) break
      if (this.canBlock) Atomics.wait(ctl, CTL.FINISHED, done)
    }
    // Alone, this thread would have taken about (claimed − start)·chunks/own.
    const cost = performance.now() - start
    if (own > 0 && cost > ((claimed - start) * chunks) / own) this.strikes++
    else this.strikes = 0
    if (this.strikes >= STRIKES) {
      this.strikes = 0
      this.resting = REST
    }
  }
}
