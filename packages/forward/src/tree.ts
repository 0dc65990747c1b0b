/**
 * Arguments and results may be trees: arrays and plain objects of values, as JAX's
 * pytrees. Anything else (a tensor, a number, a dual) is a leaf. Leaves are visited in
 * array order and `Object.keys` order.
 */
export function isContainer(x: unknown): x is readonly unknown[] | Record<string, unknown> {
  if (Array.isArray(x)) return true
  if (typeof x !== 'object' || x === null) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

/** The same structure with each leaf replaced by `fn(leaf, i)`, i counting leaves in order. */
export function mapLeaves<R>(tree: unknown, fn: (leaf: unknown, i: number) => R): unknown {
  let i = 0
  const visit = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(visit)
    if (isContainer(node)) {
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(node)) out[key] = visit((node as Record<string, unknown>)[key])
      return out
    }
    return fn(node, i++)
  }
  return visit(tree)
}

/** The leaves in order. */
export function leavesOf(tree: unknown): unknown[] {
  const out: unknown[] = []
  mapLeaves(tree, (leaf) => out.push(leaf))
  return out
}
