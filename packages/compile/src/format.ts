import type { Value } from '@ad/core'
import { fmtShape, isNode, type Arg, type Graph, type Node } from './graph.js'

/** `%3` for a node, the literal for a number. */
export function argText(a: Arg): string {
  return typeof a === 'number' ? String(a) : `%${a.id}`
}

function attrsText(attrs: object): string {
  const keys = Object.keys(attrs).filter((k) => (attrs as Record<string, unknown>)[k] !== undefined)
  return keys.length === 0 ? '' : ` {${keys.map((k) => `${k}: ${JSON.stringify((attrs as Record<string, unknown>)[k])}`).join(', ')}}`
}

/** One line per node: `%4 = mul(%2, 100) : [999] float64`. */
export function nodeText(node: Node): string {
  const type = `${fmtShape(node.shape)} ${node.weak ? 'number' : node.dtype}`
  if (node.kind === 'input') return `%${node.id} = input ${node.index} : ${type}`
  if (node.kind === 'const') return `%${node.id} = const : ${type}`
  return `%${node.id} = ${node.op!.name}(${node.args.map(argText).join(', ')})${attrsText(node.attrs)} : ${type}`
}

/** The whole graph, as `explain` prints it. */
export function graphText(graph: Graph): string {
  const lines = graph.nodes.map(nodeText)
  const outs = graph.outputs.map((o) => (isNode(o) ? `%${o.id}` : constText(o)))
  lines.push(`return ${outs.join(', ')}`)
  return lines.join('\n')
}

function constText(v: Value): string {
  return typeof v === 'number' ? String(v) : `const ${fmtShape(v.shape)}`
}
