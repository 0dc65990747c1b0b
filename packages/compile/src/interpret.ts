import type { Value } from '@ad/core'
import type { Graph } from './graph.js'
import { outputValue, replay } from './replay.js'
import type { Leaves } from './tree.js'

/** Something that runs a compiled graph on its input leaves. */
export interface Program {
  /** Reads the call's input leaves, writes the graph's outputs into `outputs` (reset first). */
  run(inputs: Leaves, outputs: Leaves): void
  /** How it runs: the generated kernels, or a note that the graph is interpreted. */
  readonly code: string
}

/**
 * The graph interpreted: each op's kernel, in order, as the eager engines run them. Used
 * where code generation is forbidden (a Content-Security-Policy without 'unsafe-eval').
 */
export function interpretGraph(graph: Graph): Program {
  return {
    run: (inputs, outputs) => {
      const env = replay(graph, graph.inputs.map((n) => inputs.get(n.index) as Value))
      outputs.reset()
      for (const o of graph.outputs) outputs.push(outputValue(env, o))
    },
    code: '(interpreted: no code generated)',
  }
}
