import type { Value } from '@ad/core'
import type { Graph } from './graph.js'
import { outputValue, replay } from './replay.js'

/** Something that runs a compiled graph on its input leaves. */
export interface Program {
  run(inputs: readonly Value[]): Value[]
  /** How it runs: the generated kernels, or a note that the graph is interpreted. */
  readonly code: string
}

/**
 * The graph interpreted: each op's kernel, in order, as the eager engines run them. Used
 * where code generation is forbidden (a Content-Security-Policy without 'unsafe-eval').
 */
export function interpretGraph(graph: Graph): Program {
  return {
    run: (inputs) => {
      const env = replay(graph, inputs)
      return graph.outputs.map((o) => outputValue(env, o))
    },
    code: '(interpreted: no code generated)',
  }
}
