import { graphFreed, type Node } from './node.js'

/**
 * For autograd.grad: marks (`useful`) the nodes from which some target is reachable, so the
 * pass runs only those. A depth-first walk with an explicit stack (no recursion), entering
 * only nodes not older than every target (an older node cannot lead to one). Returns
 * whether the graph also depends on something else that requires grad ("foreign").
 */
export function markUseful(roots: readonly Node[], id: number, minSeq: number): boolean {
  const stack: Node[] = []
  let foreign = false
  for (const root of roots) {
    if (root.pass === id || root.seq < minSeq) continue
    foreign = enter(root, id, stack) || foreign
    while (stack.length > 0) {
      const node = stack[stack.length - 1]
      const n = node.needs.length
      let descended = false
      while (node.cursor < n) {
        const next = node.edge(node.cursor)
        if (next !== null) {
          if (next.seq < minSeq) {
            foreign = true
          } else if (next.pass !== id) {
            foreign = enter(next, id, stack) || foreign
            descended = true
            break
          } else if (next.useful || next.target >= 0) {
            node.useful = true
          }
        }
        node.cursor++
      }
      if (descended) continue
      stack.pop()
      // Checked before any rule runs, so a freed graph leaves every gradient untouched.
      if (node.useful && node.freed) throw graphFreed(node)
    }
  }
  return foreign
}

/** Starts visiting a node; true if it is the accumulator of a leaf that is not a target. */
function enter(node: Node, id: number, stack: Node[]): boolean {
  node.pass = id
  node.cursor = 0
  node.useful = false
  stack.push(node)
  return node.op === null && node.target < 0
}
