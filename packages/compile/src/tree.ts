import { AdError, describeValue, Tensor } from '@ad/core'
import { isTraced } from '@ad/core/internal'

/**
 * Arguments and results are trees: arrays and plain objects of leaves, as JAX's pytrees.
 * A leaf is a value (a tensor, a number, a traced value); anything else (a string, a
 * boolean, null) is static: part of the cache key, passed through as it is.
 */
export function isContainer(x: unknown): x is readonly unknown[] | Record<string, unknown> {
  if (Array.isArray(x)) return true
  if (typeof x !== 'object' || x === null) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

export function isValueLeaf(x: unknown): boolean {
  return typeof x === 'number' || x instanceof Tensor || isTraced(x)
}

export interface Flat {
  /** The value leaves, in array order and `Object.keys` order. */
  readonly leaves: unknown[]
  /** The same structure with new leaves. */
  rebuild(leaves: readonly unknown[]): unknown
  /** The same, with the leaves of a compiled call. */
  rebuildFrom(leaves: Leaves): unknown
}

/**
 * A call's leaves, by index, without boxing numbers: a number leaf is kept in `numbers`
 * (`isNumber` marks it), any other leaf in `values`. Compiled functions read their arguments
 * into one and write their results into another, reused from call to call, so an array of a
 * thousand numbers crosses the call without a thousand heap numbers.
 */
export class Leaves {
  numbers = new Float64Array(8)
  isNumber = new Uint8Array(8)
  readonly values: unknown[] = []
  count = 0
  /** Whether `values` holds something of this call (to let go of). */
  private held = false

  reset(): void {
    this.count = 0
  }

  private room(n: number): void {
    if (n <= this.numbers.length) return
    const size = Math.max(2 * this.numbers.length, n)
    const numbers = new Float64Array(size)
    numbers.set(this.numbers)
    this.numbers = numbers
    const isNumber = new Uint8Array(size)
    isNumber.set(this.isNumber)
    this.isNumber = isNumber
  }

  push(x: unknown): void {
    if (typeof x === 'number') this.setNumber(this.count, x)
    else this.set(this.count, x)
    this.count++
  }

  /** Appends an array of numbers. */
  pushNumbers(xs: readonly number[]): void {
    const at = this.count
    this.room(at + xs.length)
    const numbers = this.numbers
    for (let i = 0; i < xs.length; i++) numbers[at + i] = xs[i]
    this.isNumber.fill(1, at, at + xs.length)
    this.count += xs.length
  }

  setNumber(i: number, x: number): void {
    this.room(i + 1)
    this.numbers[i] = x
    this.isNumber[i] = 1
  }

  set(i: number, v: unknown): void {
    this.room(i + 1)
    this.isNumber[i] = 0
    // Grown one element at a time, so the array never has holes.
    while (this.values.length < i) this.values.push(undefined)
    this.values[i] = v
    this.held = true
  }

  get(i: number): unknown {
    return this.isNumber[i] === 1 ? this.numbers[i] : this.values[i]
  }

  /** Lets go of the values of the last call (tensors a caller may drop). */
  release(): void {
    if (!this.held) return
    this.values.fill(undefined)
    this.held = false
  }
}

/**
 * A tree's structure as a builder, made once: rebuilding then walks the structure only, and
 * an array whose elements are all leaves (the common case: an array of numbers) is one loop.
 */
type Builder = (from: Leaves, at: { i: number }) => unknown

function builderOf(node: unknown): Builder {
  if (isValueLeaf(node)) return (from, at) => from.get(at.i++)
  if (Array.isArray(node)) {
    if (node.every(isValueLeaf)) {
      const n = node.length
      return (from, at) => {
        const start = at.i
        at.i += n
        return numberArray(from, start, n)
      }
    }
    const parts = node.map(builderOf)
    return (from, at) => parts.map((b) => b(from, at))
  }
  if (isContainer(node)) {
    const keys = Object.keys(node)
    const parts = keys.map((k) => builderOf((node as Record<string, unknown>)[k]))
    return (from, at) => {
      const out: Record<string, unknown> = {}
      for (let k = 0; k < keys.length; k++) out[keys[k]] = parts[k](from, at)
      return out
    }
  }
  return () => node
}

/** An array of leaves; of numbers only, built at its own allocation site so it holds unboxed doubles. */
function numberArray(from: Leaves, start: number, n: number): unknown[] {
  const isNumber = from.isNumber
  for (let k = 0; k < n; k++) if (isNumber[start + k] !== 1) return leafArray(from, start, n)
  const numbers = from.numbers
  const out = new Array<number>(n)
  for (let k = 0; k < n; k++) out[k] = numbers[start + k]
  return out
}

function leafArray(from: Leaves, start: number, n: number): unknown[] {
  const out = new Array<unknown>(n)
  for (let k = 0; k < n; k++) out[k] = from.get(start + k)
  return out
}

export function flatten(tree: unknown): Flat {
  const leaves: unknown[] = []
  collectLeaves(tree, leaves)
  let builder: Builder | undefined
  const rebuildFrom = (from: Leaves): unknown => (builder ??= builderOf(tree))(from, { i: 0 })
  return {
    leaves,
    rebuild: (values) => {
      const from = new Leaves()
      for (let i = 0; i < values.length; i++) from.push(values[i])
      from.count = values.length
      return rebuildFrom(from)
    },
    rebuildFrom,
  }
}

function collectLeaves(node: unknown, leaves: unknown[]): void {
  if (isValueLeaf(node)) leaves.push(node)
  else if (Array.isArray(node)) for (let i = 0; i < node.length; i++) collectLeaves(node[i], leaves)
  else if (isContainer(node)) for (const key of Object.keys(node)) collectLeaves((node as Record<string, unknown>)[key], leaves)
}

/**
 * A call's arguments read once: their value leaves into `into` (reset first), and their
 * structure as a cache key with each leaf described by `leaf` (numbers by `numberKey`).
 */
export function keyedLeaves(tree: unknown, leaf: (x: unknown) => string, numberKey: string, into: Leaves): string {
  into.reset()
  return keyOf(tree, leaf, numberKey, into)
}

function keyOf(tree: unknown, leaf: (x: unknown) => string, numberKey: string, leaves: Leaves): string {
  if (typeof tree === 'number') {
    leaves.push(tree)
    return numberKey
  }
  if (isValueLeaf(tree)) {
    leaves.push(tree)
    return leaf(tree)
  }
  if (Array.isArray(tree)) {
    // An array of numbers (scalar code's argument) keyed by its length.
    let numbers = 0
    while (numbers < tree.length && typeof tree[numbers] === 'number') numbers++
    if (numbers === tree.length) {
      leaves.pushNumbers(tree as number[])
      return `[${numberKey}*${numbers}]`
    }
    let key = '['
    for (let i = 0; i < tree.length; i++) key += (i === 0 ? '' : ',') + keyOf(tree[i], leaf, numberKey, leaves)
    return `${key}]`
  }
  if (isContainer(tree)) {
    let key = '{'
    for (const k of Object.keys(tree)) key += `${JSON.stringify(k)}:${keyOf((tree as Record<string, unknown>)[k], leaf, numberKey, leaves)},`
    return `${key}}`
  }
  return staticKey(tree)
}

/** A leaf that is not a value (a string, a boolean, null) is a constant of the trace, keyed by value. */
function staticKey(tree: unknown): string {
  if (typeof tree === 'function') throw new AdError('INVALID_ARGUMENT', 'a function among the arguments of a compiled function cannot be part of its cache key; close over it instead.')
  if (typeof tree === 'bigint' || typeof tree === 'symbol' || typeof tree === 'object') {
    throw new AdError('INVALID_ARGUMENT', `a compiled function takes tensors, numbers, and arrays or plain objects of them; got ${describeValue(tree)}.`)
  }
  return JSON.stringify(tree) ?? String(tree)
}
