import { expectFunction, optionsOf, Tensor, type Value } from '@ad/core'
import { isTraced } from '@ad/core/internal'
import type { Graph } from './graph.js'
import { graphText } from './format.js'
import { interpretGraph, type Program } from './interpret.js'
import { optimize } from './optimize.js'
import { generate, codegenAvailable } from './codegen/program.js'
import { traceCall, type Fn } from './traceCall.js'
import { flatten, structureKey, type Flat } from './tree.js'

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
  const lower = (...args: unknown[]): Compiled => {
    const key = structureKey(args, leafKey)
    let entry = cache.get(key)
    if (entry === undefined) {
      const start = performance.now()
      const traced = traceCall('compile', f, args)
      const graph = optimize(traced.graph)
      const program = useCodegen ? generate(graph, options.reuseOutputs === true) : interpretGraph(graph)
      entry = { graph, program, result: traced.result, compileMs: performance.now() - start }
      cache.set(key, entry)
    }
    return entry
  }
  const compiled = (...args: unknown[]): unknown => {
    const leaves = flatten(args).leaves
    if (leaves.some((l) => isTraced(l))) return f(...args)
    const entry = lower(...args)
    return entry.result.rebuild(entry.program.run(leaves as Value[]))
  }
  Object.defineProperty(compiled, 'lower', { value: lower })
  Object.defineProperty(compiled, 'cacheSize', { get: () => cache.size })
  return compiled as unknown as CompiledFunction<F>
}

function leafKey(x: unknown): string {
  if (typeof x === 'number') return 'n'
  if (x instanceof Tensor) return `${x.dtype}[${x.shape.join(',')}]`
  return 'traced'
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
