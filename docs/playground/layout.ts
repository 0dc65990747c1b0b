// Places the tape's nodes with dagre (a layered graph layout), leaves on top, the output at
// the bottom, edges in the forward direction.
import dagre from '@dagrejs/dagre'
import type { GraphNode } from './compute.js'
import { nodeLines } from './format.js'

export interface Placed extends GraphNode {
  x: number
  y: number
  width: number
  height: number
}

export interface Layout {
  nodes: Placed[]
  edges: { from: string; to: string; path: string }[]
  width: number
  height: number
}

const CHAR = 7.5
const HEIGHT = 44

export function layoutGraph(nodes: readonly GraphNode[]): Layout {
  const g = new dagre.graphlib.Graph()
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 8, marginy: 8 })
  g.setDefaultEdgeLabel(() => ({}))
  for (const n of nodes) {
    // Wide enough for both lines once the gradient is shown (monospace text).
    const chars = Math.max(...nodeLines(n.label, n.value, n.grad).map((l) => l.length))
    g.setNode(n.id, { width: Math.max(64, 20 + CHAR * chars), height: HEIGHT })
  }
  for (const n of nodes) for (const from of n.inputs) g.setEdge(from, n.id)
  dagre.layout(g)
  const placed = nodes.map((n) => {
    const p = g.node(n.id)
    return { ...n, x: p.x, y: p.y, width: p.width, height: p.height }
  })
  const edges = g.edges().map((e) => {
    const pts = g.edge(e).points ?? []
    const path = pts.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ')
    return { from: e.v, to: e.w, path }
  })
  const size = g.graph()
  return { nodes: placed, edges, width: size.width ?? 0, height: size.height ?? 0 }
}
