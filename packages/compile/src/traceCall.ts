import { AdError, shapeOf, Tensor, tensor, type Value } from '@ad/core'
import type { Graph } from './graph.js'
import { Symbolic } from './symbolic.js'
import { trace, type InputSpec } from './tracer.js'
import { flatten, isContainer, isValueLeaf, type Flat } from './tree.js'

export type Fn = (...args: any[]) => unknown

/** A function traced on the shapes and dtypes of some arguments. */
export interface Traced {
  readonly graph: Graph
  /** The arguments' leaves as values (the trace's inputs, in order). */
  readonly leaves: Value[]
  /** Which input leaves belong to each argument. */
  readonly argLeaves: number[][]
  readonly args: Flat
  /** The result's structure; its leaves are the graph's outputs. */
  readonly result: Flat
}

/** What an input leaf is to a trace: numbers (and number inputs of an enclosing trace) are weak. */
export function specOf(v: Value): InputSpec {
  if (typeof v === 'number') return { shape: [], dtype: 'float64', weak: true }
  return { shape: [...v.shape], dtype: v.dtype, weak: v instanceof Symbolic && v.node.weak }
}

/**
 * Traces `f(...args)`: each value leaf of the arguments becomes an input. Arguments given
 * as nested arrays of numbers (`who` names the caller in errors) are taken as tensors when
 * `arraysAsTensors`, as the eager transforms take their primals.
 */
export function traceCall(who: string, f: Fn, rawArgs: readonly unknown[], decomposeUpTo = 0): Traced {
  const args = flatten(rawArgs)
  const leaves = args.leaves as Value[]
  const argLeaves = leavesPerArg(rawArgs)
  let result: Flat | undefined
  const graph = trace(leaves.map(specOf), (inputs) => {
    result = resultOf(who, f(...(args.rebuild(inputs) as unknown[])))
    return result.leaves
  }, decomposeUpTo)
  return { graph, leaves, argLeaves, args, result: result! }
}

/** What f returned, as a tree of values (anything else is refused). */
export function resultOf(who: string, out: unknown): Flat {
  if (!isValueLeaf(out) && !isContainer(out)) {
    throw new AdError('INVALID_ARGUMENT', `${who}: f returned ${describe(out)}; return a tensor, a number, or an array or plain object of them.`)
  }
  return flatten(out)
}

/** Which leaves belong to each argument. */
export function leavesPerArg(rawArgs: readonly unknown[]): number[][] {
  const argLeaves: number[][] = []
  let k = 0
  for (const a of rawArgs) {
    const n = flatten(a).leaves.length
    argLeaves.push(Array.from({ length: n }, (_, i) => k + i))
    k += n
  }
  return argLeaves
}

/** Nested arrays of numbers (and typed arrays) as tensors; other arguments as they are. */
export function asValueArgs(args: readonly unknown[], differentiated: readonly number[]): unknown[] {
  return args.map((a, i) =>
    differentiated.includes(i) && (a instanceof Float64Array || a instanceof Float32Array || (Array.isArray(a) && isNumeric(a))) ? tensor(a as never) : a,
  )
}

function isNumeric(a: unknown): boolean {
  return typeof a === 'number' || (Array.isArray(a) && a.length > 0 && a.every(isNumeric))
}

function describe(x: unknown): string {
  if (x === null) return 'null'
  if (x === undefined) return 'undefined'
  return typeof x === 'object' ? 'an object' : `a ${typeof x}`
}

export function shapeText(v: Value): string {
  return `[${shapeOf(v).join(',')}]`
}

export function isTensorValue(v: unknown): v is Tensor {
  return v instanceof Tensor
}
