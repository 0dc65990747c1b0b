import { expectFunction, optionsOf, Tensor, type Value } from '@ad/core'
import { isTraced } from '@ad/core/internal'
import type { Graph } from './graph.js'
import { graphText } from './format.js'
import { interpretGraph, type Program } from './interpret.js'
import { optimize } from './optimize.js'
import { generate, codegenAvailable } from './codegen/program.js'
import { traceCall, type Fn } from './traceCall.js'
import { keyedLeaves, Leaves, type Flat } from './tree.js'

export interface CompileOptions {
  /**
   * Generate JavaScript (`new Function`) for the graph: the default where the environment
   * allows it. `false` interprets the graph with the eager kernels instead, as happens
   * automatically under a Content-Security-Policy without 'unsafe-eval'.
   */
  codegen?: boolean
  /**
   * Write outputs into arrays the compiled function keeps and reuses: no fresh array per
   * call, but a result is only valid until the next call (copy it, `clone()`, to keep it),
   * as JAX's donated buffers. Default false: every call returns new tensors.
   */
  reuseOutputs?: boolean
}

/** One specialisation: the graph for one set of input shapes and dtypes, and how to run it. */
export interface Compiled {
  readonly graph: Graph
  readonly program: Program
  readonly result: Flat
  /** Milliseconds spent tracing, optimising and generating code. */
  readonly compileMs: number
}

export interface CompiledFunction<F extends Fn> {
  (...args: Parameters<F>): any
  /** The specialisation for these arguments, traced and compiled if it is not cached yet. */
  lower(...args: Parameters<F>): Compiled
  /** How many specialisations are cached. */
  readonly cacheSize: number
}

/**
 * `compile(f)`: f traced once per input shapes and dtypes into a graph of registry ops, the
 * graph optimised (shared subexpressions, dead code), then run as generated code. Arguments
 * and results may be tensors, numbers, or arrays and plain objects of them; numbers are
 * inputs (weak, as everywhere), other leaves (strings, booleans) are part of the cache key.
 * Called with values another engine or an enclosing trace tracks, f simply runs on them.
 */
export function compile<F extends Fn>(f: F, given?: CompileOptions): CompiledFunction<F> {
  expectFunction('compile', f)
  const options = optionsOf<CompileOptions>('compile', given)
  const cache = new Map<string, Compiled>()
  const useCodegen = options.codegen ?? codegenAvailable()
  const entryFor = (key: string, args: readonly unknown[]): Compiled => {
    let entry = cache.get(key)
    if (entry === undefined) {
      const start = performance.now()
      const traced = traceCall('compile', f, args, DECOMPOSE_UP_TO)
      const graph = optimize(traced.graph)
      const program = useCodegen ? generate(graph, options.reuseOutputs === true) : interpretGraph(graph)
      entry = { graph, program, result: traced.result, compileMs: performance.now() - start }
      cache.set(key, entry)
    }
    return entry
  }
  const lower = (...args: unknown[]): Compiled => entryFor(keyedLeaves(args, leafKey, NUMBER_KEY, new Leaves()), args)
  // The leaves of a call in and out, reused: a run reads its inputs before it can call anything.
  const inputs = new Leaves()
  const outputs = new Leaves()
  const compiled = (...args: unknown[]): unknown => {
    // One walk of the arguments gives both their leaves and the cache key.
    const key = keyedLeaves(args, leafKey, NUMBER_KEY, inputs)
    if (key.includes(TRACED_KEY)) {
      inputs.release()
      return f(...args)
    }
    let entry = cache.get(key)
    if (entry === undefined) {
      entry = entryFor(key, args)
      // Tracing may have called this function again (on traced values): read the leaves anew.
      keyedLeaves(args, leafKey, NUMBER_KEY, inputs)
    }
    entry.program.run(inputs, outputs)
    inputs.release()
    const result = entry.result.rebuildFrom(outputs)
    outputs.release()
    return result
  }
  Object.defineProperty(compiled, 'lower', { value: lower })
  Object.defineProperty(compiled, 'cacheSize', { get: () => cache.size })
  return compiled as unknown as CompiledFunction<F>
}

/**
 * Ops with a declared decomposition (a small matrix product) are traced as it when no value
 * it makes exceeds this many elements: a loop of a thousand multiply-adds fused with its
 * neighbours costs less than a kernel call and its buffers.
 */
const DECOMPOSE_UP_TO = 1024

const NUMBER_KEY = 'n'
/**
 * The key of a leaf another engine or an enclosing trace tracks (f then simply runs on it):
 * a control character, which the JSON of static leaves and object keys always escapes.
 */
const TRACED_KEY = '\u0001traced'

function leafKey(x: unknown): string {
  if (x instanceof Tensor && !isTraced(x)) return `${x.dtype}[${x.shape.join(',')}]`
  return TRACED_KEY
}

/**
 * `explain(f)(...args)`: what `compile(f)` makes of a call, as text: the traced graph after
 * optimisation, then the generated kernels (fused loops, kernel calls, buffers).
 */
export function explain(f: Fn, options: CompileOptions = {}): (...args: any[]) => string {
  return (...args) => {
    const entry = compile(f, options).lower(...(args as never[]))
    return `graph (${entry.graph.nodes.length} nodes):\n${graphText(entry.graph)}\n\n${entry.program.code}`
  }
}
