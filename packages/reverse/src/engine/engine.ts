import { AdError, Tensor as CoreTensor, type MaybeZero, type Op, type Value } from '@ad/core'
import { closePool, openPool, poolMark } from '@ad/core/internal'
import { checkCotangents, checkSeed, hasNaN } from '../debug/anomaly.js'
import { accumulate, deposit, FreshStorages, gradTensor } from './grads.js'
import { mode } from './mode.js'
import { freeSaved, runFreed } from './freed.js'
import type { Node } from './node.js'
import { markUseful } from './prune.js'
import { ReadyQueue } from './queue.js'
import { batchedRule, stackSlices } from './batched.js'
import { Cotangents } from './recycle.js'
import { runWithStandIns } from './stale.js'
import { nextPending, sendSlot, sweep, type SweepRoute } from './sweep.js'
import { retire, SlotNode, type Tape } from './tape.js'
import { nodeFreed, tracking } from '../debug/stats.js'
import { writes } from '../inplace/versions.js'
import type { Tensor } from '../api/tensor.js'
import { scalarOf, scalarTensor, wrap } from '../api/wrap.js'

/**
 * One backward pass. `roots` get the `seeds` as cotangents. Without `targets`, every leaf
 * reached gets its gradient added to `.grad` (PyTorch's `backward`). With `targets`, the
 * cotangents reaching those nodes are returned instead and no `.grad` changes
 * (`autograd.grad`); only the part of the graph that leads to a target runs.
 *
 * `createGraph: 'auto'` (used by the transforms) records the backward pass only when the
 * graph depends on something that requires grad besides the targets: an outer transform's
 * variables, or tensors `f` closed over. Then gradients stay differentiable by the outer
 * computation, and inner passes never touch outer `.grad`.
 */
export interface Pass {
  roots: readonly Node[]
  seeds: readonly Value[]
  targets: readonly Node[] | null
  createGraph: boolean | 'auto'
  retainGraph: boolean | undefined
  /**
   * k > 0: the seeds carry a leading batch dim of k ([k, ...root's shape]), k cotangents sent
   * through the graph in one walk (batched.ts); so do the cotangents returned.
   */
  batch?: number
}

export interface PassResult {
  /** With targets: the cotangent of each target; null where none arrived (an exact zero, or not reached). */
  grads: (Value | null)[]
  /** With targets: whether the graph reaches each target at all. */
  reached: boolean[]
  /** Whether the backward pass was recorded. */
  createGraph: boolean
}

let passes = 0
/** Passes running slots as slots (at most one: see Route.slots). */
let slotPasses = 0

/**
 * Runs one backward pass. The engine reads only op declarations (`vjp`, and `scalar` for
 * the all-numbers path); it never names an op. Nodes run newest first, VJP rules on plain
 * values (or, with createGraph, on taped tensors so the pass is recorded), cotangents are
 * summed on the nodes they flow to, and a node's saved tensors are dropped as soon as its
 * rule has run unless the graph is retained. A node's hooks see its total cotangent before
 * anything uses it; a rule runs with stand-ins for saved tensors changed in place since
 * (stale.ts); under detectAnomaly every rule's output is checked for NaN.
 */
export function runPass(pass: Pass): PassResult {
  const id = ++passes
  const { roots, targets } = pass
  if (mode.anomaly !== 0) for (const seed of pass.seeds) checkSeed(seed, 'backward')
  const capture = targets !== null
  let minSeq = 0
  if (capture) {
    minSeq = Infinity
    for (let j = 0; j < targets.length; j++) {
      const t = targets[j]
      if (t.target < 0) t.target = j
      if (t.seq < minSeq) minSeq = t.seq
    }
  }
  try {
    let createGraph = pass.createGraph === true
    if (capture) {
      const foreign = markUseful(roots, id, minSeq)
      if (pass.createGraph === 'auto') createGraph = foreign
    }
    const retainGraph = pass.retainGraph ?? createGraph
    const captured = execute(pass, id, minSeq, createGraph, retainGraph)
    if (!capture) return { grads: [], reached: [], createGraph }
    return {
      grads: targets.map((t) => captured[t.target] ?? null),
      reached: targets.map((t) => t.pass === id),
      createGraph,
    }
  } finally {
    if (capture) for (const t of targets) t.target = -1
  }
}

/**
 * Runs the nodes newest first (see ReadyQueue), each once all its consumers have run. Leaf
 * accumulators wait in a list and are flushed at the end: into `.grad`, or, with targets,
 * into the returned array (indexed by target).
 */
function execute(pass: Pass, id: number, minSeq: number, createGraph: boolean, retainGraph: boolean): (Value | null)[] {
  const capture = pass.targets !== null
  const queue = new ReadyQueue()
  const leaves: Node[] = []
  const route = new Route(id, minSeq, capture, createGraph, retainGraph, queue, leaves, pass.seeds, pass.batch ?? 0)
  const previousGrad = mode.gradEnabled
  if (route.slots) slotPasses++
  mode.gradEnabled = createGraph
  if (!createGraph) {
    mode.plain++
    openPool()
  }
  try {
    for (let j = 0; j < pass.roots.length; j++) {
      const root = pass.roots[j]
      if (capture && (root.pass !== id || (!root.useful && root.target < 0))) continue
      send(route, root, pass.seeds[j])
    }
    drain(route)
    for (let i = 0; i < leaves.length; i++) flushLeaf(leaves[i], route)
    if (!retainGraph) for (const tape of route.tapes) retire(tape)
    return route.captured
  } finally {
    if (route.slots) slotPasses--
    mode.gradEnabled = previousGrad
    if (!createGraph) {
      mode.plain--
      closePool()
    }
    queue.drain((node) => (node.g = null))
    for (const leaf of leaves) leaf.g = null
  }
}

/**
 * Runs what waits, newest first: nodes from the ready queue and slots of the tapes reached
 * (sweep.ts), whichever is newer, so both run in the one order of sequence numbers.
 */
function drain(route: Route): void {
  const queue = route.queue
  const tapes = route.tapes
  for (;;) {
    let newest = queue.size > 0 ? queue.peek().seq : -1
    let best: Tape | null = null
    let floor = -1
    for (let i = 0; i < tapes.length; i++) {
      const tape = tapes[i] as Tape
      if (tape.pending === 0) continue
      const q = tape.seq[nextPending(tape, route.id)] as number
      if (q > newest) {
        floor = newest
        newest = q
        best = tape
      } else if (q > floor) floor = q
    }
    if (newest < 0) return
    if (best === null) runNode(queue.pop(), route)
    else sweep(best, route, floor)
  }
}

/** Where cotangents go during one pass, and how the pass runs. */
class Route implements SweepRoute {
  /** With targets: the cotangent reaching each target, by index. */
  readonly captured: (Value | null)[] = []
  /** Without targets: the storages already handed out as a `.grad`. */
  readonly fresh: FreshStorages | null
  /** When the pass is not recorded: which cotangents are dead, so their buffers are reused. */
  readonly recycler: Cotangents | null
  /** The leading batch dim of every cotangent (0: none). */
  readonly batch: number
  /**
   * Whether slots of the scalar tape run as slots (sweep.ts): not when the pass is recorded,
   * prunes for targets or checks for anomalies; slot nodes then run as any node.
   */
  readonly slots: boolean
  readonly tapes: Tape[] = []
  changed = false

  constructor(
    readonly id: number,
    readonly minSeq: number,
    readonly capture: boolean,
    readonly createGraph: boolean,
    readonly retainGraph: boolean,
    readonly queue: ReadyQueue,
    readonly leaves: Node[],
    seeds: readonly Value[],
    batch: number,
  ) {
    this.batch = batch
    this.fresh = capture ? null : new FreshStorages(seeds)
    this.recycler = createGraph ? null : new Cotangents()
    // A pass inside a pass (a hook that calls backward) leaves the slots to the outer one,
    // whose sweep state the tapes hold: it runs them through their nodes.
    this.slots = !createGraph && !capture && mode.anomaly === 0 && slotPasses === 0
  }

  sendNode(node: Node, c: Value): void {
    send(this, node, c)
  }

  runSlow(node: SlotNode, g: number): void {
    node.g = g
    runNode(node, this)
  }
}

/** One node of the pass: its hooks, its own `.grad` if retained, its rule; then its saved tensors go. */
function runNode(node: Node, route: Route): void {
  let g = node.g
  node.g = null
  const recycler = route.recycler
  if (g !== null) {
    if (mode.anomaly !== 0) checkArriving(node, g)
    if (node.hooks !== null) {
      recycler?.escape(g)
      const createGraph = route.createGraph
      // A hook sees one cotangent of its tensor's shape: each slice of a batch in turn.
      g = route.batch > 0 ? stackSlices(g, route.batch, (s) => runHooks(node, s, createGraph)) : runHooks(node, g, createGraph)
    }
  }
  if (route.capture) {
    if (node.target >= 0) {
      route.captured[node.target] = g
      if (g !== null) recycler?.escape(g)
    }
    if (!node.useful) return
  }
  const out = node.out
  if (!route.capture && out._retain && g !== null) {
    recycler?.escape(g)
    deposit(out, g, route.createGraph, route.fresh)
  }
  if (g !== null) {
    if (node.freed) runFreed(node, () => propagate(node, g, route))
    else propagate(node, g, route)
  }
  if (!route.retainGraph) {
    if (tracking.current !== null) nodeFreed(node)
    freeSaved(node)
  }
}

/** A leaf's total cotangent, after its hooks: into `.grad`, or into the captured gradients. */
function flushLeaf(leaf: Node, route: Route): void {
  let g = leaf.g
  leaf.g = null
  if (g === null) return
  route.recycler?.escape(g)
  if (leaf.hooks !== null) g = runHooks(leaf, g, route.createGraph)
  if (route.capture) route.captured[leaf.target] = g
  else deposit(leaf.out as Tensor, g, route.createGraph, route.fresh)
}

/**
 * Adds a cotangent to a node, queueing the node the first time one arrives. When the pass
 * recycles, `c` is already held (see propagate); a sum releases its two terms.
 */
function send(route: Route, node: Node, c: Value): void {
  if (route.slots && node.op !== null && node instanceof SlotNode) {
    // A slot's node stands for the slot: its cotangent goes where the slot's others go.
    // (Most sends in scalar code go to leaves' accumulators: `op === null` is the cheap test.)
    sendSlot(route, node.tape, node.slot, scalarOf(c))
    return
  }
  const recycler = route.recycler
  if (node.queued === route.id) {
    const old = node.g
    if (old === null) node.g = c
    else {
      const summed = poolMark()
      node.g = accumulate(old, c)
      if (recycler !== null) {
        recycler.hold(node.g, summed)
        recycler.release(old)
        recycler.release(c)
      }
    }
    return
  }
  node.queued = route.id
  node.g = c
  if (node.op === null) route.leaves.push(node)
  else {
    route.queue.push(node)
    route.changed = true
  }
}

/** Runs the node's VJP rule and sends each input's cotangent to the node it flows to. */
function propagate(node: Node, g: Value, route: Route): void {
  const op = node.op as Op
  const out = node.out as Tensor
  const mark = poolMark()
  const cotangents =
    route.batch > 0
      ? batchedRule(node, g, route.batch, (slice) => runRule(node, op, out, slice, route), !node.freed && !stale(node))
      : runRule(node, op, out, g, route)
  if (mode.anomaly !== 0) checkCotangents(node, cotangents)
  if (route.slots && node instanceof SlotNode) {
    sendFromSlot(route, node, cotangents)
    return
  }
  const n = node.needs.length
  const recycler = route.recycler
  if (recycler !== null) {
    // Hold what goes on before letting g go (an output may be g itself, or a view of it),
    // and let g go before the sends (a sum there may take its buffer).
    for (let i = 0; i < n; i++) if (destination(node, i, cotangents[i], route) !== null) recycler.hold(cotangents[i] as Value, mark)
    recycler.release(g)
  }
  for (let i = 0; i < n; i++) {
    const next = destination(node, i, cotangents[i], route)
    if (next !== null) send(route, next, cotangents[i] as Value)
  }
}

/** Whether a tensor this node keeps was changed in place since it was saved. */
const stale = (node: Node): boolean => node.epoch !== writes.epoch && node.savedChanged()

/** A node's rule on one cotangent of its output's shape. */
function runRule(node: Node, op: Op, out: Tensor, g: Value, route: Route): MaybeZero[] {
  if (stale(node)) {
    // A tensor this node keeps was changed in place since: the rule sees stand-ins for it.
    return runWithStandIns(node, g)
  }
  if (!route.createGraph && op.scalar !== undefined && out.shape.length === 0 && !node.freed) {
    // (The scalar path reads every saved value; a freed node's rule reads only those it needs.)
    return scalarVjp(node, op, out, g)
  }
  // A number carries no dtype. Rules of ops with a scalar form combine it with their
  // inputs, whose dtype wins (numbers are weak), but a rule that builds a tensor from the
  // cotangent alone (a reduction's expand) would make it float64: for those a float32
  // output's cotangent becomes a float32 0-dim tensor (PyTorch seeds with
  // ones_like(output)), so a float32 graph's backward pass stays in float32.
  const cot = typeof g === 'number' && op.scalar === undefined && out.dtype !== 'float64' ? scalarTensor(g, out.dtype) : g
  // Plain mode (mode.plain > 0) runs these ops as kernels; with createGraph they are recorded.
  return (op.vjp as VjpRule)({ args: node.inputs as Value[], out, attrs: node.attrs }, cot, node.needs)
}

/** A slot's cotangents, after its node ran its rule: down the slot's edges, as a sweep sends them. */
function sendFromSlot(route: Route, node: SlotNode, cotangents: MaybeZero[]): void {
  const tape = node.tape
  for (let i = 0; i < cotangents.length; i++) {
    const c = cotangents[i]
    const e = tape.edgeCode(node.slot, i)
    if (c === null || c === undefined || e === -1) continue
    if (e >= 0) sendSlot(route, tape, e, scalarOf(c))
    else send(route, tape.ext[-2 - e] as Node, c)
  }
}

/** The node input i's cotangent `c` goes to, or null when it goes nowhere (no edge, a zero, pruned). */
function destination(node: Node, i: number, c: MaybeZero | undefined, route: Route): Node | null {
  const next = node.edge(i)
  if (next === null || c === null || c === undefined) return null
  if (route.capture && (next.seq < route.minSeq || next.pass !== route.id || (!next.useful && next.target < 0))) return null
  return next
}

type VjpRule = (ctx: { args: readonly Value[]; out: Value; attrs: object }, g: Value, needs: readonly boolean[]) => MaybeZero[]

// The reused context of scalarVjp. Made with null (not 0) so that V8 keeps these slots tagged:
// a value is then stored and handed to the rule as the number object it already is (a scalar
// result's `_value`), where a slot of doubles would unbox it and box it again at each call.
const SCALAR_ARGS_1: number[] = [null as unknown as number]
const SCALAR_ARGS_2: number[] = [null as unknown as number, null as unknown as number]
const SCALAR_CTX: { args: number[]; out: number; attrs: object } = { args: SCALAR_ARGS_2, out: null as unknown as number, attrs: {} }

/**
 * The rule of an elementwise op with a 0-dim output (so 0-dim inputs) on plain numbers, when
 * the pass is not recorded: elementwise ops keep numbers numbers (core's scalar path), so the
 * rule costs a few calls and its cotangents are numbers, summed as numbers and made tensors
 * only at the leaves. Rules only read their context, so one is reused (this runs once per
 * scalar op).
 */
function scalarVjp(node: Node, op: Op, out: Tensor, g: Value): MaybeZero[] {
  const n = node.needs.length
  const args = n === 1 ? SCALAR_ARGS_1 : n === 2 ? SCALAR_ARGS_2 : new Array<number>(n)
  for (let i = 0; i < n; i++) args[i] = scalarOf(node.input(i))
  SCALAR_CTX.args = args
  SCALAR_CTX.out = scalarOf(out)
  SCALAR_CTX.attrs = node.attrs
  return (op.vjp as VjpRule)(SCALAR_CTX, scalarOf(g), node.needs)
}

/**
 * Runs a node's hooks (the hooks of the tensor it computes) on its total cotangent, with
 * grad mode as the pass records: a hook sees a reverse tensor, and what it returns (a tensor
 * or number of the same shape) replaces the gradient.
 */
function runHooks(node: Node, g: Value, createGraph: boolean): Value {
  const hooks = (node.hooks as NonNullable<Node['hooks']>).slice()
  const like = node.out
  const { plain, gradEnabled } = mode
  mode.plain = 0
  mode.gradEnabled = createGraph
  try {
    for (const hook of hooks) {
      const replaced = hook(gradTensor(g, like))
      if (replaced === undefined || replaced === null) continue
      if (typeof replaced !== 'number' && !(replaced instanceof CoreTensor)) {
        throw new AdError('INVALID_ARGUMENT', `a hook on ${node.name}'s tensor returned ${typeof replaced}; return a tensor (or nothing to keep the gradient).`)
      }
      const shape = typeof replaced === 'number' ? [] : replaced.shape
      if (typeof replaced !== 'number' && (shape.length !== node.shape.length || shape.some((d, i) => d !== node.shape[i]))) {
        throw new AdError(
          'SHAPE_MISMATCH',
          `a hook returned a gradient of shape [${shape.join(',')}] for a tensor of shape [${node.shape.join(',')}]; it must keep the shape.`,
        )
      }
      g = typeof replaced === 'number' && node.shape.length > 0 ? gradTensor(replaced, like) : replaced
    }
  } finally {
    mode.plain = plain
    mode.gradEnabled = gradEnabled
  }
  return g
}

/** Under detectAnomaly: a cotangent that is already NaN when it reaches a node came from a sum (or a hook). */
function checkArriving(node: Node, g: Value): void {
  if (!hasNaN(g)) return
  throw new AdError(
    'NAN_GRADIENT',
    `the gradient reaching ${node.name} holds NaN although no rule produced one: the gradients from its consumers ` +
      'summed to NaN (inf - inf), or a hook returned NaN.',
  )
}
