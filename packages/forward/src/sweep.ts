import { shapeOf, zeros, type DType, type MaybeZero, type Value } from '@ad/core'
import { ForwardTrace } from './trace.js'
import { isContainer, leavesOf, mapLeaves } from './tree.js'
import { describe, dtypeOfValue, invalid, isValue, sizeOfValue } from './values.js'

/**
 * Chunked forward sweeps, shared by `grad` and `jacfwd`: every input element gets a unit
 * tangent direction, k directions at a time, carried as tangents with a leading chunk
 * dim [k, ...shape]. One call of f per chunk gives k columns of the Jacobian.
 */

/** One input leaf, its elements numbered from `offset` among all differentiated inputs. */
export interface Leaf {
  readonly value: Value
  readonly offset: number
  readonly size: number
  readonly shape: readonly number[]
  readonly dtype: DType
}

/** What one call of f gave: its output's primal and its tangent [k, ...outShape] (null: zero). */
export interface Chunk {
  readonly start: number
  readonly size: number
  readonly tangent: MaybeZero
}

export interface SweepResult {
  /** f's output with the sweep's perturbation dropped (from the first call); its first leaf if a tree. */
  readonly value: Value
  /** Per differentiated argument, its leaves in tree order. */
  readonly leaves: Leaf[][]
  readonly chunks: Chunk[]
  /** The chunk size used: row g of the Jacobian is in chunk floor(g / chunkSize). */
  readonly chunkSize: number
  /**
   * When f returned a tree (arrays, plain objects) of values, which a `trees` sweep accepts:
   * that tree (from the first call), and the sweep of each of its leaves in order (the
   * result itself is the first leaf's). Otherwise `tree` is undefined and `outputs` [this].
   */
  readonly tree: unknown
  readonly outputs: readonly SweepResult[]
}

export interface SweepOptions {
  /** Tangent directions per call of f (default: see `defaultChunkSize`). */
  chunkSize?: number
}

/**
 * Directions per call of f, by default: all of them up to 256, so small problems (W4's
 * Jacobian) take one call. Past that, more calls cost per-op overhead while wider tangents
 * cost dense work that sparse functions do not need (BENCH.md W1, the Rosenbrock over
 * 1000 scalars, measured fastest at 64 to 256 wide); so the width stays at 256, lowered
 * (to at least 8) so that a seed of all inputs stays near a million elements (8 MB).
 */
export function defaultChunkSize(n: number): number {
  return Math.max(1, Math.min(n, 256, Math.max(8, Math.floor(2 ** 20 / Math.max(n, 1)))))
}

/**
 * Calls f once per chunk of directions over the leaves of `args[argnums]`; `check` sees
 * f's first output (so a misuse fails before the other calls). With `trees`, f may return
 * a tree of values (jacfwd, as JAX), each leaf swept at once.
 */
export function sweep(
  who: string,
  f: (...args: any[]) => unknown,
  args: readonly unknown[],
  argnums: readonly number[],
  options: SweepOptions,
  check: (value: Value) => void = () => {},
  trees = false,
): SweepResult {
  const { leaves, total } = collectLeaves(who, args, argnums)
  const k = chunkSizeOf(who, options.chunkSize, total)
  let tree: unknown
  let values: Value[] | undefined
  const tangents: MaybeZero[][] = []
  const starts: number[] = []
  if (total === 0) {
    const out = f(...args)
    values = outputLeaves(who, out, trees)
    tree = outputTree(out, values)
    check(values[0])
  }
  for (let start = 0; start < total; start += k) {
    const size = Math.min(k, total - start)
    const trace = new ForwardTrace(true)
    const seeded = seedArgs(args, argnums, leaves, start, size, trace)
    let out: unknown
    try {
      out = f(...seeded)
    } finally {
      trace.finish()
    }
    const outs = outputLeaves(who, out, trees)
    if (values === undefined) {
      values = outs.map((o) => trace.primalOf(o))
      check(values[0])
      tree = outputTree(out, values)
    }
    starts.push(start)
    tangents.push(outs.map((o) => trace.tangentOf(o)))
  }
  const outputs: SweepResult[] = (values as Value[]).map((value, o) => ({
    value,
    leaves,
    chunkSize: k,
    chunks: starts.map((start, c) => ({ start, size: Math.min(k, total - start), tangent: tangents[c][o] ?? null })),
    tree,
    outputs: [],
  }))
  return { ...outputs[0], outputs }
}

/** f's output as a list of values: itself, or with `trees` the leaves of an array or plain object. */
export function outputLeaves(who: string, out: unknown, trees: boolean): Value[] {
  if (!trees || !isContainer(out)) return [checkOutput(who, out)]
  const outs = leavesOf(out).map((o) => checkOutput(who, o))
  if (outs.length === 0) throw invalid(`${who}: f returned ${describe(out)}, a structure without any tensor.`)
  return outs
}

/** The structure of a tree output, holding `values` (its leaves' primals); undefined for a single value. */
export function outputTree(out: unknown, values: readonly Value[]): unknown {
  return isContainer(out) ? mapLeaves(out, (_o, i) => values[i]) : undefined
}

/** The leaves of `args[argnums]`, numbered in order; each must be a value. */
export function collectLeaves(who: string, args: readonly unknown[], argnums: readonly number[]): { leaves: Leaf[][]; total: number } {
  let total = 0
  const leaves = argnums.map((a) =>
    leavesOf(args[a]).map((leaf, i): Leaf => {
      if (!isValue(leaf)) {
        throw invalid(
          `${who}: argument ${a} holds ${describe(leaf)} (leaf ${i}); differentiated arguments must be tensors, ` +
            'numbers, or arrays and plain objects of them. Wrap array data with tensor().',
        )
      }
      const size = sizeOfValue(leaf)
      const entry = { value: leaf, offset: total, size, shape: shapeOf(leaf), dtype: dtypeOfValue(leaf) }
      total += size
      return entry
    }),
  )
  return { leaves, total }
}

/**
 * `args` with the leaves of `args[argnums]` lifted to `trace` along the unit directions
 * [start, start + size). The leaves are read from `args` itself, so seeding arguments that
 * an enclosing sweep already seeded nests the two (`hessian`).
 */
export function seedArgs(
  args: readonly unknown[], argnums: readonly number[], leaves: readonly Leaf[][], start: number, size: number, trace: ForwardTrace,
): unknown[] {
  const seeded = [...args]
  argnums.forEach((a, j) => {
    seeded[a] = mapLeaves(args[a], (value, i) => seed(leaves[j][i], value as Value, start, size, trace))
  })
  return seeded
}

export function chunkSizeOf(who: string, chunkSize: number | undefined, total: number): number {
  if (chunkSize === undefined) return defaultChunkSize(total)
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw invalid(`${who}: chunkSize must be a positive integer, got ${String(chunkSize)}.`)
  }
  return chunkSize
}

export function checkOutput(who: string, out: unknown): Value {
  if (!isValue(out)) throw invalid(`${who}: f must return a tensor or a number, got ${describe(out)}.`)
  return out
}

/** `value` (the leaf, maybe already seeded) with the unit directions of chunk [start, start + size) that fall inside it. */
function seed(leaf: Leaf, value: Value, start: number, size: number, trace: ForwardTrace): Value {
  const lo = Math.max(leaf.offset, start)
  const hi = Math.min(leaf.offset + leaf.size, start + size)
  if (lo >= hi) return value
  const t = zeros([size, ...leaf.shape], { dtype: leaf.dtype })
  const data = t.storage.data
  for (let g = lo; g < hi; g++) data[(g - start) * leaf.size + (g - leaf.offset)] = 1
  return trace.lift(value, t)
}
