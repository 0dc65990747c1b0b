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

export function flatten(tree: unknown): Flat {
  const leaves: unknown[] = []
  const collect = (node: unknown): void => {
    if (isValueLeaf(node)) leaves.push(node)
    else if (Array.isArray(node)) node.forEach(collect)
    else if (isContainer(node)) for (const key of Object.keys(node)) collect((node as Record<string, unknown>)[key])
  }
  collect(tree)
  const rebuild = (values: readonly unknown[]): unknown => {
    let i = 0
    const build = (node: unknown): unknown => {
      if (isValueLeaf(node)) return values[i++]
      if (Array.isArray(node)) return node.map(build)
      if (isContainer(node)) {
        const out: Record<string, unknown> = {}
        for (const key of Object.keys(node)) out[key] = build((node as Record<string, unknown>)[key])
        return out
      }
      return node
    }
    return build(tree)
  }
  return { leaves, rebuild }
}

/** The structure of a tree with its leaves described by `leaf`: a cache key. */
export function structureKey(tree: unknown, leaf: (x: unknown) => string): string {
  if (isValueLeaf(tree)) return leaf(tree)
  if (Array.isArray(tree)) return `[${tree.map((t) => structureKey(t, leaf)).join(',')}]`
  if (isContainer(tree)) return `{${Object.keys(tree).map((k) => `${JSON.stringify(k)}:${structureKey((tree as Record<string, unknown>)[k], leaf)}`).join(',')}}`
  if (typeof tree === 'function') throw new AdError('INVALID_ARGUMENT', 'a function among the arguments of a compiled function cannot be part of its cache key; close over it instead.')
  // Other leaves (strings, booleans, null) are constants of the trace, keyed by value.
  if (typeof tree === 'bigint' || typeof tree === 'symbol' || typeof tree === 'object') {
    throw new AdError('INVALID_ARGUMENT', `a compiled function takes tensors, numbers, and arrays or plain objects of them; got ${describeValue(tree)}.`)
  }
  return JSON.stringify(tree) ?? String(tree)
}
