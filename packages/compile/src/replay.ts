import { type Value } from '@ad/core'
import { apply } from '@ad/core/internal'
import { isNode, type Arg, type Graph, type Node } from './graph.js'

/** The value of an argument in an environment of node values. */
export function valueOfArg(env: readonly Value[], a: Arg): Value {
  return typeof a === 'number' ? a : env[a.id]
}

/**
 * Runs a graph on values by applying each op again: on plain tensors this interprets the
 * graph with the eager kernels; on values of an enclosing trace it records the graph into
 * that trace (how transforms nest). Returns every node's value, by id.
 */
export function replay(graph: Graph, inputs: readonly Value[], visit?: (node: Node, env: Value[]) => void): Value[] {
  const env = new Array<Value>(graph.nodes.length)
  for (const node of graph.nodes) {
    if (node.kind === 'input') env[node.id] = inputs[node.index]
    else if (node.kind === 'const') env[node.id] = node.value!
    else env[node.id] = apply(node.op!, node.args.map((a) => valueOfArg(env, a)), node.attrs)
    if (visit !== undefined) visit(node, env)
  }
  return env
}

/** A graph output's value: a node's, or the constant itself. */
export function outputValue(env: readonly Value[], out: Node | Value): Value {
  return isNode(out) ? env[out.id] : out
}
