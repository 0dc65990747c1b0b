import type { Node } from './node.js'

/**
 * The nodes waiting to run in a backward pass, newest first (a binary max-heap on `seq`).
 * An input is always older than the nodes that use it, so when a node comes out every node
 * that could still send it a gradient has already run: this is a topological order, found
 * without a separate walk over the graph (PyTorch's engine orders its ready queue the same way).
 */
export class ReadyQueue {
  private readonly items: Node[] = []

  get size(): number {
    return this.items.length
  }

  push(node: Node): void {
    const items = this.items
    let i = items.length
    items.push(node)
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (items[parent].seq >= node.seq) break
      items[i] = items[parent]
      i = parent
    }
    items[i] = node
  }

  /** The newest node, left in the queue (the queue is not empty). */
  peek(): Node {
    return this.items[0] as Node
  }

  pop(): Node {
    const items = this.items
    const top = items[0]
    const last = items.pop() as Node
    const n = items.length
    if (n > 0) {
      let i = 0
      for (;;) {
        let child = 2 * i + 1
        if (child >= n) break
        if (child + 1 < n && items[child + 1].seq > items[child].seq) child++
        if (items[child].seq <= last.seq) break
        items[i] = items[child]
        i = child
      }
      items[i] = last
    }
    return top
  }

  /** Empties the queue, handing each node to `f` (cleanup after an error). */
  drain(f: (node: Node) => void): void {
    for (const node of this.items) f(node)
    this.items.length = 0
  }
}
