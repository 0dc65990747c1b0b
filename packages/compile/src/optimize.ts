import { constTensor, GraphBuilder, isNode, type Arg, type Graph, type Node } from './graph.js'

/**
 * Common subexpressions shared, then dead code removed: a node equal to an earlier one (same
 * op, same attrs, same arguments) is replaced by it, and only nodes an output needs are
 * kept. Inputs are always kept, so the graph's signature does not change. Ops are pure (a
 * registry op's kernel never writes into its inputs), which makes both sound.
 */
export function optimize(graph: Graph): Graph {
  const same = new Array<Node>(graph.nodes.length)
  const seen = new Map<string, Node>()
  const rep = (a: Arg): Arg => (typeof a === 'number' ? a : same[a.id])
  for (const node of graph.nodes) {
    if (node.kind === 'const') {
      // Small constants with equal elements are one (a rule that transposes a constant makes
      // a new tensor each time it runs: a Jacobian's rows would each read their own copy).
      const key = constKey(node)
      const known = key === null ? undefined : seen.get(key)
      same[node.id] = known ?? node
      if (key !== null && known === undefined) seen.set(key, node)
      continue
    }
    if (node.kind !== 'op') {
      same[node.id] = node
      continue
    }
    const args = node.args.map(rep)
    const key = `${node.op!.name}(${args.map((a) => (typeof a === 'number' ? numberKey(a) : `%${a.id}`)).join(',')})${attrsKey(node.attrs)}`
    const known = seen.get(key)
    if (known !== undefined) same[node.id] = known
    else {
      const kept = args.every((a, i) => a === node.args[i]) ? node : withArgs(node, args)
      seen.set(key, kept)
      same[node.id] = kept
    }
  }
  const outputs = graph.outputs.map((o) => (isNode(o) ? same[o.id] : o))
  return renumber(graph, outputs)
}

/** Keeps the inputs and what the outputs need, with fresh consecutive ids. */
function renumber(graph: Graph, outputs: readonly (Node | Graph['outputs'][number])[]): Graph {
  const live = new Set<Node>()
  const mark = (n: Node): void => {
    if (live.has(n)) return
    live.add(n)
    for (const a of n.args) if (typeof a !== 'number') mark(a)
  }
  for (const o of outputs) if (isNode(o)) mark(o)
  const builder = new GraphBuilder()
  const fresh = new Map<Node, Node>()
  // Kept nodes carry the ids of the nodes they stand for, so the old order is theirs.
  const byId = new Map<number, Node>()
  for (const n of live) byId.set(n.id, n)
  for (const n of graph.inputs) byId.set(n.id, n)
  for (const old of graph.nodes) {
    const n = byId.get(old.id)
    if (n === undefined || fresh.has(n)) continue
    fresh.set(n, builder.add(n, n.args.map((a) => (typeof a === 'number' ? a : fresh.get(a)!))))
  }
  return { inputs: builder.inputs, nodes: builder.nodes, outputs: outputs.map((o) => (isNode(o) ? fresh.get(o)! : o)) }
}

function withArgs(node: Node, args: readonly Arg[]): Node {
  return { id: node.id, kind: node.kind, op: node.op, args, attrs: node.attrs, shape: node.shape, dtype: node.dtype, weak: node.weak, index: node.index, value: node.value }
}

/** Numbers keyed exactly (-0 and NaN included). */
function numberKey(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x)
}

function attrsKey(attrs: object): string {
  return Object.keys(attrs).length === 0 ? '' : JSON.stringify(attrs, (_k, v) => (typeof v === 'number' ? numberKey(v) : v))
}

/** Constants up to this many elements are compared by value. */
const SMALL_CONSTANT = 4096

/** A small constant tensor keyed by its dtype, shape and elements; null for others. */
function constKey(node: Node): string | null {
  const t = constTensor(node)
  if (t === null || t.size > SMALL_CONSTANT) return null
  const data = t.contiguousData()
  let key = `const ${t.dtype}[${t.shape.join(',')}]`
  for (let i = 0; i < data.length; i++) key += `,${numberKey(data[i])}`
  return key
}
