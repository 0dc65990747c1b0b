import { AdError, Tensor as CoreTensor, type MaybeZero, type Value } from '@ad/core'
import { expectFunction } from '@ad/core'
import { mode } from '../engine/mode.js'
import type { Node } from '../engine/node.js'

/**
 * Anomaly detection (PyTorch's `detect_anomaly`): while `detectAnomaly(fn)` runs, every
 * recorded node remembers where in the program it was made, and every backward step checks
 * the cotangents its rule returned: the first NaN stops the pass with `NAN_GRADIENT`, naming
 * the node's op and the place its forward op was called. Off, it costs one counter test per
 * recorded op and per backward step.
 */
export function detectAnomaly<T>(fn: () => T): T {
  expectFunction('detectAnomaly', fn)
  mode.anomaly++
  try {
    return fn()
  } finally {
    mode.anomaly--
  }
}

/** Stack traces of nodes recorded under detectAnomaly (kept off the node: most never have one). */
const traces = new WeakMap<Node, string>()

export function rememberTrace(node: Node): void {
  const limit = Error.stackTraceLimit
  Error.stackTraceLimit = 64 // the engine's own frames come first
  const stack = new Error().stack
  Error.stackTraceLimit = limit
  if (stack !== undefined) traces.set(node, userFrames(stack))
}

/** The frames of a stack trace outside the @ad packages' own modules (at most eight). */
function userFrames(stack: string): string {
  const frames = stack.split('\n').slice(1)
  const outside = frames.filter((line) => TEST_FILE.test(line) || !INTERNAL.some((re) => re.test(line)))
  return (outside.length > 0 ? outside : frames).slice(0, 8).join('\n')
}

const TEST_FILE = /\.(test|spec)\.[cm]?[jt]s/

const INTERNAL = [/[/\\]packages[/\\](core|reverse)[/\\](src|dist)[/\\]/, /[/\\]@ad[/\\](core|reverse)[/\\]/, /node:internal/]

/** Throws NAN_GRADIENT if a cotangent a node's rule returned holds a NaN. */
export function checkCotangents(node: Node, cotangents: readonly MaybeZero[]): void {
  for (let i = 0; i < cotangents.length; i++) {
    const c = cotangents[i]
    if (c === null || c === undefined || !hasNaN(c)) continue
    const shape = typeof c === 'number' ? [] : c.shape
    const trace = traces.get(node)
    throw new AdError(
      'NAN_GRADIENT',
      `${node.name} produced NaN in the gradient of its input ${i} (shape [${shape.join(',')}]) during backward ` +
        `(the cotangent it received had none).` +
        (trace !== undefined
          ? ` Its forward op was called at:\n${trace}`
          : ' Run the forward computation inside detectAnomaly too, to see where that op was called.'),
    )
  }
}

/** Throws NAN_GRADIENT if a cotangent passed to backward already holds a NaN. */
export function checkSeed(seed: Value, where: string): void {
  if (hasNaN(seed)) throw new AdError('NAN_GRADIENT', `${where}: the cotangent passed in already holds NaN.`)
}

export function hasNaN(v: Value): boolean {
  if (typeof v === 'number') return Number.isNaN(v)
  if (!(v instanceof CoreTensor)) return false
  const data = v.contiguousData()
  for (let i = 0; i < data.length; i++) if (Number.isNaN(data[i])) return true
  return false
}
