import type { Node } from './node.js'

/**
 * For autograd.grad: marks (`useful`) the nodes from which some target is reachable, so the
 * pass runs only those. A depth-first walk with an explicit stack (no recursion), entering
 * only nodes not older than every target (an older node cannot lead to one). Returns
 * whether the graph also depends on something else that requires grad ("foreign").
 */
export function markUseful(roots: readonly Node[], id: number, minSeq: number): boolean {
  const stack: Node[] = []
  /** For each node on the stack, the next input to visit. */
  const cursors: number[] = []
  let foreign = false
  for (const root of roots) {
    if (root.pass === id || root.seq < minSeq) continue
    foreign = enter(root, id, stack, cursors) || foreign
    while (stack.length > 0) {
      const top = stack.length - 1
      const node = stack[top]
      const n = node.needs.length
      let cursor = cursors[top]
      let descended = false
      while (cursor < n) {
        const next = node.edge(cursor)
        if (next !== null) {
          if (next.seq < minSeq) {
            foreign = true
          } else if (next.pass !== id) {
            // Back here once the input's node is done, to this same edge: it then reads whether it was useful.
            cursors[top] = cursor
            foreign = enter(next, id, stack, cursors) || foreign
            descended = true
            break
          } else if (next.useful || next.target >= 0) {
            node.useful = true
          }
        }
        cursor++
      }
      if (descended) continue
      stack.pop()
      cursors.pop()
    }
  }
  return foreign
}

/** Starts visiting a node; true if it is the accumulator of a leaf that is not a target. */
function enter(node: Node, id: number, stack: Node[], cursors: number[]): boolean {
  node.pass = id
  node.useful = false
  stack.push(node)
  cursors.push(0)
  return node.op === null && node.target < 0
}
