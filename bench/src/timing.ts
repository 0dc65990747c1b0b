// Timing: warm-up, then at least 7 timed repetitions of at least 20 ms each (the call is
// looped inside a repetition when it is shorter), median/min/max per call; the calls of a
// comparison are timed in interleaved rounds. Memory before and after (after a full GC
// when node runs with --expose-gc) and what one call allocates.

import { PerformanceObserver, performance } from 'node:perf_hooks'

export interface TimingOptions {
  /** Timed repetitions, at least (default 7). */
  minReps?: number
  /** More repetitions, up to this many, while the total stays under `targetMs` (default 21). */
  maxReps?: number
  /** A repetition lasts at least this long (default 20 ms). */
  minRepMs?: number
  /** Keep adding repetitions (past minReps) until this much time per call was spent timing (default 600 ms). */
  targetMs?: number
  /** Warm-up: at least this long (default 250 ms) and at least `warmupCalls` calls (default 3). */
  warmupMs?: number
  warmupCalls?: number
}

export interface Timing {
  median_ms: number
  min_ms: number
  max_ms: number
  reps: number
  /** Calls per repetition. */
  inner: number
  /** Live memory (V8 heap + array buffers) in MB, after a GC: before the first call, and after the warm-up (≥ 3 calls) and the probe. */
  heap_before_mb: number
  heap_after_mb: number
  /**
   * Memory (heap + array buffers) allocated by one call, in MB: the growth from a collected
   * heap to the end of one call. An upper bound on the call's peak when no GC ran
   * during it (`gcs_in_probe` is 0).
   */
  alloc_mb: number
  gcs_in_probe: number
}

const gc: (() => void) | undefined = (globalThis as { gc?: () => void }).gc

export const hasGc = (): boolean => gc !== undefined

function collect(): void {
  if (gc !== undefined) {
    gc()
    gc()
  }
}

/** V8 heap plus the backing stores of ArrayBuffers (typed arrays live there), in bytes. */
function live(): number {
  const m = process.memoryUsage()
  return m.heapUsed + m.arrayBuffers
}

const MB = 1024 * 1024

/** Start times (performance.now() clock) of the GCs seen so far, forced ones included. */
let gcStarts: number[] = []
let observer: PerformanceObserver | undefined
function watchGc(): void {
  if (observer !== undefined) return
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcStarts.push(e.startTime)
  })
  observer.observe({ entryTypes: ['gc'] })
}

/** Lets pending performance entries (GC events) be delivered. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5))

/** A call warmed up, with its calls per repetition and its memory figures. */
export interface Prepared {
  fn: () => unknown
  inner: number
  memory: Pick<Timing, 'heap_before_mb' | 'heap_after_mb' | 'alloc_mb' | 'gcs_in_probe'>
}

/**
 * Warm-up, calibration of the calls per repetition, and the memory figures: live memory
 * after a GC before the first call and after the warm-up and the probe, and what one call
 * from a collected heap allocates.
 */
export async function prepare(fn: () => unknown, options: TimingOptions = {}): Promise<Prepared> {
  const minRepMs = options.minRepMs ?? 20
  const warmupMs = options.warmupMs ?? 250
  const warmupCalls = options.warmupCalls ?? 3
  watchGc()

  // The first call is the allocation probe: from a collected heap, with the GCs that ran
  // during it counted; the warm-up goes on from there.
  collect()
  await settle()
  gcStarts = []
  const before = live()
  const start = performance.now()
  fn()
  const probe1 = live()
  let last = performance.now() - start
  await settle()
  const gcsInProbe = gcStarts.filter((t) => t >= start && t <= start + last).length
  const alloc = Math.max(0, probe1 - before)

  // Warm-up: let the JIT settle.
  let calls = 1
  let fastest = last
  const warmStart = performance.now() - last
  for (;;) {
    const elapsed = performance.now() - warmStart
    if (calls >= warmupCalls && elapsed >= warmupMs) break
    // A call slower than the whole warm-up budget: two calls are enough, one for a very slow call.
    if (calls >= 2 && last >= warmupMs) break
    if (last >= 4 * warmupMs) break
    const t0 = performance.now()
    fn()
    last = performance.now() - t0
    fastest = Math.min(fastest, last)
    calls++
  }

  // Calls per repetition: from the warm-up's fastest call, then grown until a repetition
  // lasts minRepMs (a call never faster than twice that needs no calibration).
  let inner = Math.max(1, Math.ceil(minRepMs / Math.max(fastest, 1e-6)))
  while (fastest < 2 * minRepMs) {
    const t0 = performance.now()
    for (let i = 0; i < inner; i++) fn()
    const t = performance.now() - t0
    if (t >= minRepMs) break
    inner = Math.max(inner + 1, Math.ceil((inner * minRepMs * 1.2) / Math.max(t, 1e-3)))
  }

  // Memory the library keeps only until the current job ends (core's buffer pool, which a
  // synchronous loop of steps reuses) is not left over: let the job end first.
  await settle()
  collect()
  const after = live()
  return {
    fn,
    inner,
    memory: {
      heap_before_mb: before / MB,
      heap_after_mb: after / MB,
      alloc_mb: alloc / MB,
      gcs_in_probe: gcsInProbe,
    },
  }
}

/**
 * Times prepared calls in interleaved rounds: each round gives every call one repetition
 * (starting with a different one each round), so load from other processes on this box
 * falls on all of them alike and their ratios hold. At least minReps rounds; more, up to
 * maxReps, while the rounds so far took under targetMs per call.
 */
export function timeInterleaved(calls: readonly Prepared[], options: TimingOptions = {}): Timing[] {
  const minReps = options.minReps ?? 7
  const maxReps = Math.max(minReps, options.maxReps ?? 21)
  const targetMs = (options.targetMs ?? 600) * calls.length
  const times: number[][] = calls.map(() => [])
  let spent = 0
  for (let round = 0; round < minReps || (round < maxReps && spent < targetMs); round++) {
    for (let j = 0; j < calls.length; j++) {
      const c = calls[(j + round) % calls.length]
      const k = (j + round) % calls.length
      const t0 = performance.now()
      for (let i = 0; i < c.inner; i++) c.fn()
      const t = performance.now() - t0
      spent += t
      times[k].push(t / c.inner)
    }
  }
  return calls.map((c, k) => {
    const ts = times[k].sort((a, b) => a - b)
    const mid = ts.length >> 1
    return {
      median_ms: ts.length % 2 === 1 ? ts[mid] : (ts[mid - 1] + ts[mid]) / 2,
      min_ms: ts[0],
      max_ms: ts[ts.length - 1],
      reps: ts.length,
      inner: c.inner,
      ...c.memory,
    }
  })
}
