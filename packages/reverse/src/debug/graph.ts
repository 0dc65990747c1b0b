import { Tensor as CoreTensor } from '@ad/core'
import type { Node } from '../engine/node.js'
import { Tensor } from '../api/tensor.js'

/**
 * The nodes of `t`'s graph (every node backward from t would visit), each once, newest
 * first: a node always comes before the nodes its inputs came from, the order backward
 * runs them in. Leaves that require grad appear as their `AccumulateGrad` node
 * (`node.out` is the leaf). Iterative, so deep graphs do not overflow the stack. Empty for
 * a tensor that does not require grad.
 */
export function* walkGraph(t: Tensor): Generator<Node, void, undefined> {
  yield* collect(t)
}

function collect(t: Tensor): Node[] {
  if (!(t instanceof Tensor) || !t.requiresGrad) return []
  const root = (t.gradFn ?? t._acc) as Node
  const seen = new Set<Node>([root])
  const stack: Node[] = [root]
  while (stack.length > 0) {
    const node = stack.pop() as Node
    for (const next of node.next) {
      if (next === null || seen.has(next)) continue
      seen.add(next)
      stack.push(next)
    }
  }
  return [...seen].sort((a, b) => b.seq - a.seq)
}

export interface DotOptions {
  /** Draw the tensors each node keeps for backward (default true). */
  saved?: boolean
  /** The graph's name in the DOT source (default 'ad'). */
  name?: string
}

/**
 * `t`'s graph as Graphviz DOT source (`dot -Tsvg`), drawn in the forward direction: leaves
 * on top (blue, with their shape and dtype), an edge from each node to the nodes that used
 * its output (labelled with the input position), `t` at the bottom (green). Each node shows
 * its op's backward name and its output's shape; nodes already freed by a backward say so.
 * With `saved` (the default), each tensor a node keeps for its rule is an orange ellipse with
 * its shape, joined to the node by a dashed edge labelled with its role; a tensor changed
 * in place since it was saved is red.
 */
export function toDot(t: Tensor, options: DotOptions = {}): string {
  const showSaved = options.saved ?? true
  const nodes = collect(t)
  const lines: string[] = [
    `digraph ${quote(options.name ?? 'ad')} {`,
    '  node [shape=box, style="rounded,filled", fillcolor=white, fontname="Helvetica", fontsize=10]',
    '  edge [fontname="Helvetica", fontsize=8]',
  ]
  const id = (n: Node) => `n${n.seq}`
  const savedIds = new Map<CoreTensor, string>()
  for (const node of nodes) {
    if (node.op === null) {
      const leaf = node.out as Tensor
      lines.push(`  ${id(node)} [label=${quote(`${node.name}\nleaf ${shapeText(leaf.shape)} ${leaf.dtype}`)}, fillcolor=lightblue]`)
      continue
    }
    const freed = node.freed ? '\n(freed)' : ''
    lines.push(`  ${id(node)} [label=${quote(`${node.name}\n${shapeText(node.shape)}${freed}`)}${node.freed ? ', style="rounded,dashed"' : ''}]`)
    node.next.forEach((next, i) => {
      if (next !== null) lines.push(`  ${id(next)} -> ${id(node)} [label=${quote(String(i))}]`)
    })
    if (!showSaved) continue
    for (const s of node.saved) {
      let sid = savedIds.get(s.tensor)
      if (sid === undefined) {
        sid = `s${savedIds.size}`
        savedIds.set(s.tensor, sid)
        const color = s.modified ? 'tomato' : 'orange'
        const note = s.modified ? '\nmodified in place since' : ''
        lines.push(`  ${sid} [label=${quote(`saved ${shapeText(s.tensor.shape)} ${s.tensor.dtype}${note}`)}, shape=ellipse, fillcolor=${color}]`)
      }
      lines.push(`  ${sid} -> ${id(node)} [style=dashed, arrowhead=none, label=${quote(s.role)}]`)
    }
  }
  if (nodes.length > 0) {
    lines.push(`  out [label=${quote(`output ${shapeText(t.shape)} ${t.dtype}`)}, fillcolor=palegreen]`)
    lines.push(`  ${id(nodes[0] as Node)} -> out`)
  }
  lines.push('}')
  return lines.join('\n')
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(',')}]`
}

/** A DOT string literal; newlines become DOT's centred line breaks. */
function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
}
