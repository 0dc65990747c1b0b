import { AdError, Tensor as CoreTensor } from '@ad/core'

/**
 * Transform arguments as trees: a leaf is a tensor, a number, a typed array or nested
 * arrays of numbers; an array holding anything else, or a plain object, is a container.
 * Gradients come back in the same structure, a tensor per leaf.
 */
export interface Flat {
  leaves: unknown[]
  /** The same structure with new leaves, in the order of `leaves`. */
  build(leaves: readonly unknown[]): unknown
}

export function flatten(tree: unknown): Flat {
  const leaves: unknown[] = []
  const shape = describe(tree, leaves, '')
  return {
    leaves,
    build: (values) => {
      let at = 0
      return rebuild(shape, () => values[at++])
    },
  }
}

type Shape = { kind: 'leaf' } | { kind: 'array'; items: Shape[] } | { kind: 'object'; keys: string[]; items: Shape[] }

const LEAF: Shape = { kind: 'leaf' }

function describe(x: unknown, leaves: unknown[], path: string): Shape {
  if (isLeaf(x)) {
    leaves.push(x)
    return LEAF
  }
  if (Array.isArray(x)) return { kind: 'array', items: x.map((v, i) => describe(v, leaves, `${path}[${i}]`)) }
  if (isPlainObject(x)) {
    const keys = Object.keys(x)
    return { kind: 'object', keys, items: keys.map((k) => describe(x[k], leaves, `${path}.${k}`)) }
  }
  throw new AdError(
    'INVALID_ARGUMENT',
    `a transform argument${path ? ` at ${path}` : ''} is ${x === null ? 'null' : typeof x}; expected a tensor, a number, ` +
      'nested arrays of numbers, or arrays and plain objects of those.',
  )
}

function rebuild(shape: Shape, next: () => unknown): unknown {
  if (shape.kind === 'leaf') return next()
  const items = shape.items.map((s) => rebuild(s, next))
  if (shape.kind === 'array') return items
  return Object.fromEntries(shape.keys.map((k, i) => [k, items[i]]))
}

function isLeaf(x: unknown): boolean {
  return typeof x === 'number' || x instanceof CoreTensor || x instanceof Float64Array || x instanceof Float32Array || isNumericArray(x)
}

/** Nested arrays of numbers only (one tensor's data); `[]` counts as data. */
function isNumericArray(x: unknown): boolean {
  if (!Array.isArray(x)) return false
  for (const v of x) if (typeof v !== 'number' && !isNumericArray(v)) return false
  return true
}

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}
