import type { FloatArray } from './dtype.js'

// Reuse of large buffers an engine knows to be dead. A fresh typed array of megabytes costs
// its page faults when first written (on this VM, several times the arithmetic of the pass
// that fills it), where a buffer used before costs nothing more. JavaScript cannot tell when
// a buffer's last reference goes (finalizers run only between tasks, never inside the
// synchronous loop of a training step), so buffers return here only from an engine that
// made them and saw them die: during a backward pass, cotangents are made by rules and
// consumed by the next rule, and nothing else holds them.
//
// An engine opens a scope (`openPool`) for the time it can tell; while one is open, every
// large buffer allocated is stamped with a serial number (`issuedSince`: was this buffer made
// after that mark, so by code the engine ran?), and buffers it `recycle`s are handed out
// again by `allocate`.
//
// A dead buffer stays dead after its scope closes, so the free buffers outlive the scope
// until the current job ends (a microtask drops them): the next step of a synchronous loop
// (the next forward pass, whose outputs are fresh tensors nobody else holds) takes them
// instead of new arrays, and nothing is held once the loop yields to the event loop. A
// buffer handed out outside a scope loses its stamp: user code holds it, so no engine may
// count it as its own.

/** Smaller buffers are cheap to allocate, and not worth tracking. */
export const POOLED_MIN_ELEMENTS = 1 << 14
const MIN_ELEMENTS = POOLED_MIN_ELEMENTS
/** At most this many free buffers of one byte length. */
const MAX_PER_SIZE = 8
/**
 * Buffers made in a scope are rounded up to a multiple of this many bytes, so that sizes a
 * few elements apart (x[1:] and its gradient padded back to x's length) share buffers.
 */
const GRAIN = 1 << 16
/** A request may also take a free buffer up to this fraction larger. */
const SLACK = 1 / 8

let depth = 0
let serial = 0
/** Free buffers by byte length (both dtypes share them: a buffer is only bytes). */
const free = new Map<number, ArrayBuffer[]>()
const issued = new WeakMap<ArrayBuffer, number>()

/** Starts (or nests) a scope in which an engine recycles buffers. */
export function openPool(): void {
  depth++
}

let dropScheduled = false
const dropFree = (): void => {
  dropScheduled = false
  if (depth === 0) free.clear()
}

/** Ends a scope; after the outermost one the free buffers go when the current job ends. */
export function closePool(): void {
  depth--
  if (depth === 0 && free.size > 0 && !dropScheduled) {
    dropScheduled = true
    queueMicrotask(dropFree)
  }
}

/** Drops the free buffers now (tests, and code that wants the memory back before it yields). */
export function emptyPool(): void {
  free.clear()
}

/** A mark to compare allocations with (`issuedSince`). */
export function poolMark(): number {
  return serial
}

/** Whether `data`'s buffer was allocated within a scope after `mark` (so it is the engine's). */
export function issuedSince(data: FloatArray, mark: number): boolean {
  const s = issued.get(data.buffer as ArrayBuffer)
  return s !== undefined && s > mark
}

/**
 * Hands a dead buffer back: the caller guarantees nothing reads or writes its ArrayBuffer
 * any more, through any view. Ignored outside a scope and for buffers `allocate` did not make.
 */
export function recycle(data: FloatArray): void {
  const buffer = data.buffer as ArrayBuffer
  if (depth === 0 || data.length < MIN_ELEMENTS || !issued.has(buffer)) return
  let list = free.get(buffer.byteLength)
  if (list === undefined) free.set(buffer.byteLength, (list = []))
  if (list.length < MAX_PER_SIZE) list.push(buffer)
}

/** A free buffer of at least `bytes` (and at most SLACK more), or undefined. */
function take(bytes: number): ArrayBuffer | undefined {
  const exact = free.get(bytes)
  if (exact !== undefined && exact.length > 0) return exact.pop()
  const most = bytes + bytes * SLACK
  for (const [length, list] of free) if (length > bytes && length <= most && list.length > 0) return list.pop()
  return undefined
}

/**
 * A buffer of `size` elements: zeroed unless `zero` is false (the caller then writes every
 * element). Inside a scope a large one may be a recycled buffer, and is stamped.
 */
export function allocateBuffer(float32: boolean, size: number, zero: boolean): FloatArray {
  if (size < MIN_ELEMENTS || (depth === 0 && free.size === 0)) return float32 ? new Float32Array(size) : new Float64Array(size)
  const bytes = size * (float32 ? 4 : 8)
  const reused = take(Math.ceil(bytes / GRAIN) * GRAIN)
  if (depth === 0) {
    if (reused === undefined) return float32 ? new Float32Array(size) : new Float64Array(size)
    issued.delete(reused) // user code holds it from now on: never an engine's to count
  }
  const buffer = reused ?? new ArrayBuffer(Math.ceil(bytes / GRAIN) * GRAIN)
  const data = float32 ? new Float32Array(buffer, 0, size) : new Float64Array(buffer, 0, size)
  if (reused !== undefined && zero) data.fill(0)
  if (depth > 0) issued.set(buffer, ++serial)
  return data
}
