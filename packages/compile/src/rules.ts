import { add, type MaybeZero, type Value } from '@ad/core'
import type { Graph } from './graph.js'
import { valueOfArg } from './replay.js'

/**
 * Derivatives of a recorded graph, by running the registry's own rules over the values of a
 * replay (`env`). The rules apply core ops, so when those values belong to an enclosing trace
 * the derivative is recorded there too (and can be differentiated again); on plain tensors
 * it is computed eagerly. Nothing here knows an op: only `jvp`, `vjp`, `constantArgs`.
 */

/**
 * A graph's nodes may be a slice of an enclosing trace's (a transform run in place), so
 * per-node arrays are indexed by id over the whole id space; the differentiated leaves are
 * `graph.inputs[i]`, wherever those nodes were recorded.
 */
function idSpace(graph: Graph): number {
  let n = 0
  for (const node of graph.inputs) n = Math.max(n, node.id + 1)
  const last = graph.nodes[graph.nodes.length - 1]
  return last === undefined ? n : Math.max(n, last.id + 1)
}

/** Which nodes depend, through differentiable ops and non-constant arguments, on the inputs `wrt`. */
export function dependents(graph: Graph, wrt: readonly number[]): boolean[] {
  const on = new Array<boolean>(idSpace(graph)).fill(false)
  for (const i of wrt) on[graph.inputs[i].id] = true
  for (const node of graph.nodes) {
    if (node.kind === 'op' && node.op!.vjp !== undefined && node.op!.jvp !== undefined) {
      const constant = node.op!.constantArgs
      on[node.id] = node.args.some((a, i) => typeof a !== 'number' && on[a.id] && !constant?.includes(i))
    }
  }
  return on
}

/**
 * The reverse pass: cotangents seeded at some nodes, pulled back to the inputs `wrt` (input
 * leaf indices). Returns one cotangent per `wrt` entry, null where it is an exact zero.
 */
export function pullback(graph: Graph, env: readonly Value[], seeds: ReadonlyMap<number, Value>, wrt: readonly number[]): MaybeZero[] {
  const on = dependents(graph, wrt)
  const ct = new Array<MaybeZero>(on.length).fill(null)
  for (const [id, seed] of seeds) ct[id] = ct[id] === null ? seed : add(ct[id]!, seed)
  const nodes = graph.nodes
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k]
    const g = ct[node.id]
    if (node.kind !== 'op' || g === null || !on[node.id]) continue
    const op = node.op!
    const constant = op.constantArgs
    const needs = node.args.map((a, i) => typeof a !== 'number' && on[a.id] && !constant?.includes(i))
    const args = node.args.map((a) => valueOfArg(env, a))
    const grads = op.vjp!({ args, out: env[node.id], attrs: node.attrs as never }, g, needs)
    node.args.forEach((a, i) => {
      const gi = grads[i]
      if (!needs[i] || gi === null || gi === undefined || typeof a === 'number') return
      ct[a.id] = ct[a.id] === null ? gi : add(ct[a.id]!, gi)
    })
  }
  return wrt.map((index) => ct[graph.inputs[index].id])
}

/** The forward pass: tangents of the inputs (null: zero) carried to every node; returns the tangent of each node. */
export function pushforward(graph: Graph, env: readonly Value[], tangents: readonly MaybeZero[]): MaybeZero[] {
  const tan = new Array<MaybeZero>(idSpace(graph)).fill(null)
  graph.inputs.forEach((node, i) => (tan[node.id] = tangents[i] ?? null))
  for (const node of graph.nodes) {
    if (node.kind !== 'op' || node.op!.jvp === undefined) continue
    const constant = node.op!.constantArgs
    const ts = node.args.map((a, i) => (typeof a === 'number' || constant?.includes(i) ? null : tan[a.id]))
    if (ts.every((t) => t === null)) continue
    const args = node.args.map((a) => valueOfArg(env, a))
    tan[node.id] = node.op!.jvp({ args, out: env[node.id], attrs: node.attrs as never }, ts)
  }
  return tan
}
