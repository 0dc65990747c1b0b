// What counts as a sound outcome of a call: a result whose tensors are well formed, or an
// AdError with one of the SPEC's codes. Anything else (a TypeError or RangeError from inside,
// a tensor whose shape disagrees with its data, a call that takes seconds) is a finding.
import { AdError, Tensor } from '@ad/core'
import type { Call } from './calls.js'

const CODES = new Set([
  'GRAPH_FREED', 'NON_SCALAR_BACKWARD', 'NO_GRAD', 'SHAPE_MISMATCH', 'MODIFIED_AFTER_SAVE', 'LEAF_INPLACE',
  'INVALID_ARGUMENT', 'NAN_GRADIENT', 'SINGULAR_MATRIX', 'TRACED_VALUE',
])

/**
 * A call that takes longer than this is reported as a (near) hang: no call the fuzzer makes
 * has more than a few million elements, so none needs a second even on a loaded machine.
 */
export const SLOW_MS = 5000

export interface Finding {
  /** What went wrong, without the numbers that vary between inputs: the grouping key. */
  cause: string
  call: Call
  detail: string
}

/** Why a tensor is malformed, or undefined when it is sound. */
export function malformed(t: Tensor): string | undefined {
  const { shape, strides, offset, size } = t
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) return `bad shape ${String(shape)}`
  if (size !== shape.reduce((a, b) => a * b, 1)) return `size ${size} but shape [${shape}]`
  if (!(t.storage.data instanceof Float64Array || t.storage.data instanceof Float32Array)) return 'storage is not a float typed array'
  if (strides.length !== shape.length) return 'strides and shape of different ranks'
  if (size > 0) {
    let last = offset
    for (let i = 0; i < shape.length; i++) last += (shape[i] - 1) * Math.max(0, strides[i])
    if (!Number.isInteger(offset) || offset < 0 || last >= t.storage.data.length) return `view reaches past its storage (${last} >= ${t.storage.data.length})`
  }
  return undefined
}

/** Walks a result (tensors, arrays, objects of them) and returns the first problem. */
function checkResult(x: unknown, depth = 0): string | undefined {
  if (depth > 6 || x === null || x === undefined || typeof x !== 'object') return undefined
  if (x instanceof Tensor) return malformed(x)
  if (Array.isArray(x)) {
    for (const item of x) {
      const problem = checkResult(item, depth + 1)
      if (problem) return problem
    }
    return undefined
  }
  if (Object.getPrototypeOf(x) === Object.prototype) {
    for (const value of Object.values(x)) {
      const problem = checkResult(value, depth + 1)
      if (problem) return problem
    }
  }
  return undefined
}

/** The message with its varying parts (numbers, quoted values) blanked, so one cause is one group. */
function shapeOfMessage(message: string): string {
  return message.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?/g, 'N').replace(/'[^']*'|"[^"]*"/g, 'S').slice(0, 120)
}

export function runCall(call: Call): Finding | undefined {
  const start = performance.now()
  let result: unknown
  try {
    result = call.run()
  } catch (error) {
    if (error instanceof AdError) {
      if (call.mustSucceed) return { cause: `${call.target}: a valid call was refused: ${shapeOfMessage(error.message)}`, call, detail: error.message }
      if (!CODES.has(error.code)) return { cause: `${call.target}: unknown code ${error.code}`, call, detail: error.message }
      if (!error.message || /\[object \w+\]/.test(error.message)) {
        return { cause: `${call.target}: unhelpful message`, call, detail: error.message }
      }
      return undefined
    }
    const e = error as Error
    const name = e?.constructor?.name ?? typeof error
    const stack = String(e?.stack ?? error)
    // One cause is one throwing site in the library, whichever op or entry point reached it.
    const site = /\/packages\/([^:)]+:\d+)/.exec(stack)?.[1] ?? call.target
    return { cause: `${name} at ${site}: ${shapeOfMessage(String(e?.message ?? error))}`, call, detail: stack.split('\n').slice(0, 4).join('\n') }
  }
  const ms = performance.now() - start
  if (ms > SLOW_MS) return { cause: `${call.target}: took ${Math.round(ms)} ms`, call, detail: '' }
  const problem = checkResult(result)
  if (problem) return { cause: `${call.target}: ${shapeOfMessage(problem)}`, call, detail: problem }
  return undefined
}
