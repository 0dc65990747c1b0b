import * as compileModule from '@ad/compile'
import * as forwardModule from '@ad/forward'
import * as reverseModule from '@ad/reverse'

/**
 * The engines as the suite uses them: only the SPEC's transforms, looked up on the
 * modules, so an engine object with one left out (a test of the case runner without
 * `hessian`) is reported at run time rather than failing to compile. Both accept core's
 * free functions, since ops dispatch on traced values.
 */
export type Fn = (...args: any[]) => unknown

export interface ForwardEngine {
  /** `jvp(f, primals, tangents)` → `[out, tangentOut]`. */
  jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[]): [unknown, unknown]
  /** Forward `grad(f, { argnums })(...args)`, by chunked tangents (`chunkSize` is this engine's option). */
  grad?: (f: Fn, options: { argnums: number[]; chunkSize?: number }) => (...args: unknown[]) => unknown[]
  hessian?: (f: Fn) => (x: unknown) => unknown
}

export interface ReverseEngine {
  /** `vjp(f, ...primals)` → `[out, pullback]`; `pullback(cotangent)` gives one gradient per primal. */
  vjp(f: Fn, ...primals: unknown[]): [unknown, (cotangent: unknown) => unknown[]]
  /** `tensor(data, { requiresGrad })`: a leaf. */
  tensor?: (data: unknown, options: { requiresGrad?: boolean }) => unknown
  /** `autograd.grad(outputs, inputs, { gradOutputs, createGraph, allowUnused })`, as PyTorch's. */
  autograd?: {
    grad(outputs: unknown, inputs: unknown[], options: { gradOutputs?: unknown; createGraph?: boolean; allowUnused?: boolean }): unknown[]
  }
  hessian?: (f: Fn) => (x: unknown) => unknown
}

/** `@ad/compile`: the function traced and run as generated code (or its graph interpreted, `codegen: false`). */
export interface CompileEngine {
  compile(f: Fn, options?: { codegen?: boolean }): Fn
  jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[]): [unknown, unknown]
  vjp(f: Fn, ...primals: unknown[]): [unknown, (cotangent: unknown) => unknown[]]
  hessian?: (f: Fn) => (x: unknown) => unknown
}

export interface Engines {
  forward: ForwardEngine
  reverse: ReverseEngine
  /** The third engine, checked against the other two where present. */
  compile?: CompileEngine
}

function need<T extends object>(module: object, engine: string, names: string[]): T {
  const missing = names.filter((n) => typeof (module as Record<string, unknown>)[n] !== 'function')
  if (missing.length > 0) throw new Error(`@ad/${engine} does not export ${missing.join(', ')} (see SPEC.md, Transforms)`)
  return module as T
}

/** The real engines, checked for the transforms the suite needs. */
export function loadEngines(): Engines {
  return {
    forward: need<ForwardEngine>(forwardModule, 'forward', ['jvp']),
    reverse: need<ReverseEngine>(reverseModule, 'reverse', ['vjp']),
    compile: need<CompileEngine>(compileModule, 'compile', ['compile', 'jvp', 'vjp']),
  }
}
