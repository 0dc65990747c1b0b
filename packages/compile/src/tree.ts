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
}

/**
 * A tree's structure as a builder, made once: rebuilding then walks the structure only, and
 * an array whose elements are all leaves (the common case: an array of numbers) is one slice.
 */
type Builder = (values: readonly unknown[], at: { i: number }) => unknown

function builderOf(node: unknown): Builder {
  if (isValueLeaf(node)) return (values, at) => values[at.i++]
  if (Array.isArray(node)) {
    if (node.every(isValueLeaf)) {
      const n = node.length
      return (values, at) => values.slice(at.i, (at.i += n))
    }
    const parts = node.map(builderOf)
    return (values, at) => parts.map((b) => b(values, at))
  }
  if (isContainer(node)) {
    const keys = Object.keys(node)
    const parts = keys.map((k) => builderOf((node as Record<string, unknown>)[k]))
    return (values, at) => {
      const out: Record<string, unknown> = {}
      for (let k = 0; k < keys.length; k++) out[keys[k]] = parts[k](values, at)
      return out
    }
  }
  return () => node
}

export function flatten(tree: unknown): Flat {
  const leaves: unknown[] = []
  collectLeaves(tree, leaves)
  let builder: Builder | undefined
  return {
    leaves,
    rebuild: (values) => (builder ??= builderOf(tree))(values, { i: 0 }),
  }
}

function collectLeaves(node: unknown, leaves: unknown[]): void {
  if (isValueLeaf(node)) leaves.push(node)
  else if (Array.isArray(node)) for (let i = 0; i < node.length; i++) collectLeaves(node[i], leaves)
  else if (isContainer(node)) for (const key of Object.keys(node)) collectLeaves((node as Record<string, unknown>)[key], leaves)
}

/**
 * A call's arguments read once: their value leaves, and their structure as a cache key with
 * each leaf described by `leaf` (a number leaf, the most common, is keyed by `numberKey`).
 */
export function keyedLeaves(tree: unknown, leaf: (x: unknown) => string, numberKey: string): { leaves: unknown[]; key: string } {
  const leaves: unknown[] = []
  const key = keyOf(tree, leaf, numberKey, leaves)
  return { leaves, key }
}

function keyOf(tree: unknown, leaf: (x: unknown) => string, numberKey: string, leaves: unknown[]): string {
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
      for (let i = 0; i < numbers; i++) leaves.push(tree[i])
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
