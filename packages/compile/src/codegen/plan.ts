import { Storage, Tensor, type DType, type Op } from '@ad/core'
import { constTensor, isNode, sizeOfShape, type Graph, type Node } from '../graph.js'
import { classify, findRuns, runStores, type Ref } from './periodic.js'

/**
 * How a graph runs: fusion into loop steps and kernel steps, where every value lives, and
 * which buffers are reused. Nothing here knows an op by name; it reads the declaration:
 *
 * - `elementwise` with a `scalar` function and no attrs: fused into a loop over its shape;
 * - `reduce`: folded inside the loop that computes its input (single pass);
 * - a one-input op whose kernel returns its input's own storage (probed once, on the
 *   layout it will see) is a view: no step, just new index arithmetic (strides, offset);
 * - anything else calls its kernel (`primal`, through `evaluate`).
 */

/** Where elements are, relative to an array: row-major index arithmetic. */
export interface Layout {
  readonly shape: readonly number[]
  readonly strides: readonly number[]
  readonly offset: number
}

/** Where a value lives while the program runs. */
export type Loc =
  /** A one-element value in the scratch array `r`. */
  | { readonly kind: 'slot'; readonly slot: number }
  /** Every element equal to this number (a literal, a folded constant). */
  | { readonly kind: 'literal'; readonly value: number }
  /** Array `d[array]` through a layout. */
  | { readonly kind: 'array'; readonly array: number; readonly layout: Layout; readonly dtype: DType }

export interface Group {
  readonly id: number
  /** The loop's shape: the members' shape (a reduction's input shape). */
  readonly shape: readonly number[]
  readonly dtype: DType
  readonly members: Node[]
  /**
   * Scalar code re-rolled (codegen/periodic.ts): the members are `times` repetitions of the
   * first `period`, emitted as one loop, with how each template input reads per repetition.
   */
  readonly repeat?: { readonly period: number; readonly times: number; readonly refs: Ref[][] }
}

export type Step = { readonly kind: 'loop'; readonly group: Group } | { readonly kind: 'kernel'; readonly node: Node }

/** An array the program holds: planned (reused across calls), fresh per call (an output), or data it is given. */
export interface ArraySpec {
  readonly kind: 'planned' | 'fresh' | 'data'
  readonly dtype: DType
  readonly size: number
}

export interface Plan {
  readonly graph: Graph
  readonly steps: Step[]
  readonly loc: Map<Node, Loc>
  readonly groupOf: Map<Node, Group>
  /** Members whose value leaves their loop (a buffer or a slot). */
  readonly stored: Set<Node>
  readonly arrays: ArraySpec[]
  /** The array a data node (input, constant, kernel result) fills. */
  readonly dataArray: Map<Node, number>
  readonly slots: number
  /**
   * Inputs of a concatenation recomputed where it reads them (elementwise chains of another
   * loop, evaluated at shifted indices) instead of being stored: the loop that made them may
   * then have nothing left to do. Per concatenation, the values those chains read.
   */
  readonly recompute: Set<Node>
  readonly recomputeReads: Map<Node, Node[]>
}

/** How many members of straight-line scalar code one function takes before a new one starts. */
const SCALAR_CHUNK = 250

export function fusible(node: Node): boolean {
  const op = node.op
  return op !== null && op.elementwise === true && op.scalar !== undefined && typeof op.arity === 'number' &&
    node.args.length === op.arity && Object.values(node.attrs).every((v) => v === undefined)
}

/** An op that lays its inputs side by side (`concat` declared), all of them tensors. */
export function concatenation(node: Node): boolean {
  return node.op !== null && node.op.concat !== undefined && node.args.every(isNode) && node.shape.length > 0
}

/** How many nodes a recomputed chain may have (it is inlined as one expression tree). */
const RECOMPUTE_LIMIT = 48

export function reduction(node: Node): boolean {
  return node.op !== null && node.op.reduce !== undefined && node.args.length === 1 && typeof node.args[0] !== 'number'
}

export function contiguous(shape: readonly number[]): Layout {
  const strides = new Array<number>(shape.length)
  let s = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s
    s *= shape[i]
  }
  return { shape, strides, offset: 0 }
}

/** A constant whose elements are all equal is that number. */
function uniform(t: Tensor): number | null {
  // A scalar expanded (every stride 0) is uniform without reading its elements.
  if (t.size > 0 && t.strides.every((s) => s === 0)) return t.storage.data[t.offset]
  const data = t.contiguousData()
  if (data.length === 0) return null
  const v = data[0]
  for (let i = 1; i < data.length; i++) if (!Object.is(data[i], v)) return null
  return v
}

export function plan(graph: Graph, reuseOutputs = false): Plan {
  const steps: Step[] = []
  const loc = new Map<Node, Loc>()
  const groupOf = new Map<Node, Group>()
  const stored = new Set<Node>()
  const open = new Map<string, Group>()
  const arrays: ArraySpec[] = []
  const dataArray = new Map<Node, number>()
  // Layouts of values the plan knows before buffers are assigned: group members are written
  // contiguously (or to a slot when they have one element).
  const layout = new Map<Node, Layout | 'slot' | number>()
  let slots = 0
  let groups = 0
  const recompute = new Set<Node>()
  const recomputeReads = new Map<Node, Node[]>()
  /**
   * The values an elementwise chain of another loop reads, if it can be recomputed inside
   * the loop of `into` (no reductions, no concatenations, not too big); null otherwise.
   */
  const chainLeaves = (a: Node, into: Group | undefined): Node[] | null => {
    const home = groupOf.get(a)
    if (home === undefined || home === into) return null
    const leaves: Node[] = []
    let size = 0
    const walk = (n: Node): boolean => {
      if (++size > RECOMPUTE_LIMIT) return false
      if (groupOf.get(n) !== home) {
        if (into !== undefined && groupOf.get(n) === into) return false
        leaves.push(n)
        return true
      }
      if (!fusible(n)) return false
      return n.args.every((x) => typeof x === 'number' || walk(x))
    }
    return walk(a) ? leaves : null
  }
  const outputs = new Set(graph.outputs.filter(isNode))

  const newArray = (spec: ArraySpec): number => arrays.push(spec) - 1
  // The step of each sealed loop and kernel, and the sealed loops of each shape.
  const stepOf = new Map<Group | Node, number>()
  const sealed = new Map<string, Group[]>()
  const seal = (g: Group): void => {
    const key = keyOf(g.shape, g.dtype)
    if (open.get(key) === g) {
      open.delete(key)
      stepOf.set(g, steps.length)
      steps.push({ kind: 'loop', group: g })
      sealed.set(key, [...(sealed.get(key) ?? []), g])
    }
  }
  /**
   * An earlier loop of this shape that can compute the node too: everything it reads is made
   * before that loop runs, or is a member the loop computes at the same index. Then
   * independent chains (the rows of a Jacobian) share one loop instead of one loop each.
   */
  const earlier = (key: string, reads: readonly Node[]): Group | undefined =>
    sealed.get(key)?.find((g) => {
      const at = stepOf.get(g)!
      return reads.every((a) => {
        const r = rootOf(a)
        if (groupOf.get(r) === g) return r === a && !reduction(r)
        const home = groupOf.get(r) ?? r
        const made = stepOf.get(home)
        return r.kind !== 'op' || (made !== undefined && made < at)
      })
    })
  /**
   * A member's value (or a view of it) is needed outside its loop: store it, and finish the
   * loop first. A view does not need its source until something reads it, so a loop a view
   * is taken from stays open for more members.
   */
  const need = (n: Node): void => {
    const r = rootOf(n)
    const g = groupOf.get(r)
    if (g === undefined) return
    stored.add(r)
    seal(g)
  }
  const join = (node: Node, shape: readonly number[], reads: readonly Node[]): void => {
    const key = keyOf(shape, node.dtype)
    let g = open.get(key)
    // A reduction's result, or a view of a member (its elements at other indices), is
    // complete only after its loop: a consumer starts a new loop.
    const waits = g !== undefined && reads.some((a) => groupOf.get(rootOf(a)) === g && (reduction(a) || rootOf(a) !== a))
    // (Scalar code is one group until something outside it needs a member; splitScalar then
    // cuts it into loops and functions of SCALAR_CHUNK members.)
    if (g !== undefined && waits) {
      seal(g)
      g = undefined
    }
    // (Scalar code keeps its order: its loops are chunks of one long body.)
    if (g === undefined && shape.length > 0) g = earlier(key, reads)
    for (const a of reads) if (groupOf.get(rootOf(a)) !== g) need(a)
    if (g === undefined) {
      g = { id: groups++, shape, dtype: node.dtype, members: [] }
      open.set(key, g)
    }
    g.members.push(node)
    groupOf.set(node, g)
    layout.set(node, node.shape.length === 0 ? 'slot' : contiguous(node.shape))
  }

  for (const node of graph.nodes) {
    const reads = node.args.filter(isNode)
    if (node.kind === 'input') {
      if (node.weak) {
        loc.set(node, { kind: 'slot', slot: slots++ })
        layout.set(node, 'slot')
      } else {
        const array = newArray({ kind: 'data', dtype: node.dtype, size: sizeOfShape(node.shape) })
        dataArray.set(node, array)
        layout.set(node, contiguous(node.shape))
        loc.set(node, { kind: 'array', array, layout: contiguous(node.shape), dtype: node.dtype })
      }
    } else if (node.kind === 'const') {
      const t = constTensor(node)!
      const v = uniform(t)
      if (v !== null) {
        loc.set(node, { kind: 'literal', value: v })
        layout.set(node, v)
      } else {
        const array = newArray({ kind: 'data', dtype: t.dtype, size: t.storage.data.length })
        dataArray.set(node, array)
        const own = { shape: t.shape, strides: t.strides, offset: t.offset }
        layout.set(node, own)
        loc.set(node, { kind: 'array', array, layout: own, dtype: t.dtype })
      }
    } else if (fusible(node)) {
      join(node, node.shape, reads)
    } else if (reduction(node)) {
      join(node, (node.args[0] as Node).shape, reads)
    } else if (concatenation(node)) {
      const into = open.get(keyOf(node.shape, node.dtype))
      const direct: Node[] = []
      const inner: Node[] = []
      for (const a of reads) {
        const leaves = chainLeaves(a, into)
        if (leaves === null) direct.push(a)
        else {
          recompute.add(a)
          inner.push(...leaves)
        }
      }
      for (const l of inner) need(l)
      recomputeReads.set(node, inner)
      join(node, node.shape, direct)
    } else {
      const src = node.args[0]
      const view = node.args.length === 1 && isNode(src) ? probeView(node, layout.get(src)!) : null
      if (view !== null) {
        layout.set(node, view)
        continue
      }
      for (const a of reads) need(a)
      stepOf.set(node, steps.length)
      steps.push({ kind: 'kernel', node })
      const array = newArray({ kind: 'data', dtype: node.dtype, size: sizeOfShape(node.shape) })
      dataArray.set(node, array)
      layout.set(node, contiguous(node.shape))
      loc.set(node, { kind: 'array', array, layout: contiguous(node.shape), dtype: node.dtype })
    }
  }
  for (const o of outputs) need(o)
  for (const g of [...open.values()]) seal(g)
  const split = steps.flatMap((s): Step[] => {
    if (s.kind !== 'loop' || s.group.shape.length !== 0) return [s]
    return splitScalar(s.group, () => groups++).map((group) => {
      for (const m of group.members) groupOf.set(m, group)
      return { kind: 'loop', group }
    })
  })
  steps.length = 0
  steps.push(...split)
  // A member read by another piece of its scalar code lives in a slot.
  for (const s of steps) {
    if (s.kind !== 'loop' || s.group.shape.length !== 0) continue
    for (const m of s.group.members) {
      for (const a of m.args) {
        if (!isNode(a)) continue
        const home = groupOf.get(rootOf(a))
        if (home !== undefined && home !== s.group) stored.add(rootOf(a))
      }
    }
  }
  for (const s of steps) {
    const rep = s.kind === 'loop' ? s.group.repeat : undefined
    if (rep !== undefined && s.kind === 'loop') runStores(s.group.members, rep.period, rep.times, rep.refs, stored)
  }

  // Outputs must not live in reused buffers (a caller keeps them): a member an output reads
  // through views is fresh, unless the caller asked for reuse; then it is pinned to its own
  // planned array, which lives until the call returns and is overwritten by the next call.
  const fresh = new Set<Node>()
  for (const o of outputs) fresh.add(rootOf(o))
  // A loop whose values are all recomputed elsewhere has nothing left to do.
  const live = steps.filter((s) => s.kind === 'kernel' || s.group.members.some((m) => stored.has(m) || reduction(m)))
  steps.length = 0
  steps.push(...live)
  assignBuffers(steps, groupOf, stored, fresh, loc, arrays, () => slots++, recomputeReads, reuseOutputs)
  // Views read their source's storage through their own layout.
  for (const node of graph.nodes) {
    if (loc.has(node) || groupOf.has(node)) continue
    const l = layout.get(node)
    if (l === undefined) continue
    const src = loc.get(rootOf(node))!
    if (l === 'slot' || src.kind !== 'array') loc.set(node, src)
    else if (typeof l === 'number') loc.set(node, { kind: 'literal', value: l })
    else loc.set(node, { ...src, layout: l })
  }
  return { graph, steps, loc, groupOf, stored, arrays, dataArray, slots, recompute, recomputeReads }
}

/**
 * Scalar code cut into pieces: periodic runs (one loop each) and straight-line code between
 * them, in functions of at most SCALAR_CHUNK members (V8 optimises small functions sooner).
 */
function splitScalar(g: Group, newId: () => number): Group[] {
  const pieces: Group[] = []
  const straight = (members: Node[]): void => {
    for (let i = 0; i < members.length; i += SCALAR_CHUNK) {
      pieces.push({ id: newId(), shape: g.shape, dtype: g.dtype, members: members.slice(i, i + SCALAR_CHUNK) })
    }
  }
  let at = 0
  for (const run of findRuns(g.members)) {
    const members = g.members.slice(run.start, run.start + run.period * run.times)
    const refs = classify(members, run.period, run.times)
    if (refs === null) continue
    straight(g.members.slice(at, run.start))
    pieces.push({ id: newId(), shape: g.shape, dtype: g.dtype, members, repeat: { period: run.period, times: run.times, refs } })
    at = run.start + members.length
  }
  straight(g.members.slice(at))
  if (pieces.length === 1 && pieces[0].repeat === undefined) return [g]
  return pieces
}

function keyOf(shape: readonly number[], dtype: DType): string {
  return `${dtype}[${shape.join(',')}]`
}

/** The node whose storage a view reads (itself when it is not a view). */
function rootOf(node: Node): Node {
  let n = node
  while (views.has(n)) n = n.args[0] as Node
  return n
}

/** The nodes `probeView` found to be views. */
const views = new WeakSet<Node>()

/** Storage big enough for any layout a probe needs, per dtype; never read or written. */
const probes: Partial<Record<DType, Storage>> = {}
function probeStorage(dtype: DType, size: number): Storage {
  const have = probes[dtype]
  if (have !== undefined && have.data.length >= size) return have
  const storage = new Storage(dtype === 'float32' ? new Float32Array(size) : new Float64Array(size))
  probes[dtype] = storage
  return storage
}

/**
 * Whether a one-input op is a view of its input laid out as `src`: its kernel, run once on a
 * stand-in of that layout, returns the same storage. Then the result is that layout (a
 * slot or a literal stays one: every element of a view of one value is that value).
 */
function probeView(node: Node, src: Layout | 'slot' | number): Layout | 'slot' | number | null {
  const op = node.op as Op
  const input = node.args[0] as Node
  const l: Layout = typeof src === 'object' ? src : { shape: input.shape, strides: input.shape.map(() => 0), offset: 0 }
  let extent = l.offset + 1
  for (let i = 0; i < l.shape.length; i++) extent += Math.max(l.shape[i] - 1, 0) * l.strides[i]
  const storage = probeStorage(input.dtype, extent)
  let out: Tensor
  try {
    out = op.primal([new Tensor(storage, l.shape, l.strides, l.offset)], node.attrs as never, node.shape)
  } catch {
    return null
  }
  if (!(out instanceof Tensor) || out.storage !== storage) return null
  views.add(node)
  return typeof src === 'object' ? { shape: out.shape, strides: out.strides, offset: out.offset } : src
}

/**
 * Buffers by liveness: a stored member with more than one element gets an array; planned
 * arrays (reused across calls) are shared by values whose lives do not overlap, outputs get
 * a fresh array per call. A one-element member gets a slot.
 */
function assignBuffers(
  steps: readonly Step[],
  groupOf: Map<Node, Group>,
  stored: Set<Node>,
  fresh: Set<Node>,
  loc: Map<Node, Loc>,
  arrays: ArraySpec[],
  newSlot: () => number,
  recomputeReads: Map<Node, Node[]>,
  reuseOutputs: boolean,
): void {
  const stepOf = new Map<Group, number>()
  steps.forEach((s, i) => s.kind === 'loop' && stepOf.set(s.group, i))
  // The last step reading each member (through any chain of views).
  const lastRead = new Map<Node, number>()
  const root = rootOf
  const read = (n: Node, step: number): void => {
    const r = root(n)
    if (groupOf.has(r)) lastRead.set(r, Math.max(lastRead.get(r) ?? step, step))
  }
  steps.forEach((s, i) => {
    const nodes = s.kind === 'kernel' ? [s.node] : s.group.members
    for (const n of nodes) {
      for (const a of n.args) if (isNode(a) && groupOf.get(root(a)) !== (s.kind === 'loop' ? s.group : undefined)) read(a, i)
      for (const a of recomputeReads.get(n) ?? []) read(a, i)
    }
  })
  const pool: { array: number; busyUntil: number }[] = []
  steps.forEach((s, i) => {
    if (s.kind !== 'loop') return
    for (const m of s.group.members) {
      if (!stored.has(m)) continue
      if (m.shape.length === 0) {
        loc.set(m, { kind: 'slot', slot: newSlot() })
        continue
      }
      const size = sizeOfShape(m.shape)
      const until = fresh.has(m) ? Infinity : lastRead.get(m) ?? i
      let array: number
      if (fresh.has(m) && !reuseOutputs) array = arrays.push({ kind: 'fresh', dtype: m.dtype, size }) - 1
      else {
        const free = pool.find((b) => b.busyUntil < i && arrays[b.array].dtype === m.dtype && arrays[b.array].size === size)
        if (free !== undefined) {
          free.busyUntil = until
          array = free.array
        } else {
          array = arrays.push({ kind: 'planned', dtype: m.dtype, size }) - 1
          pool.push({ array, busyUntil: until })
        }
      }
      loc.set(m, { kind: 'array', array, layout: contiguous(m.shape), dtype: m.dtype })
    }
  })
}
