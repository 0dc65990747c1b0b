import { Tensor as CoreTensor, type Op, type Value } from '@ad/core'
import { opById } from '@ad/core/internal'
import { freedValue } from './freed.js'
import { takeSeq, Node, NEEDS, versionOf } from './node.js'
import { tracking } from '../debug/stats.js'
import { writes } from '../inplace/versions.js'
import { refreshView } from '../inplace/views.js'
import { Tensor } from '../api/tensor.js'

/**
 * The compact tape of scalar code (W1: one op per number). An elementwise op whose output is
 * a 0-dim float64 value and whose declaration states its partial derivatives (`partials`,
 * from `defineUnary`/`defineBinary`) is recorded as one slot of typed arrays instead of a
 * `Node`: its rule id, its sequence number, the write counter at recording, its edges and
 * the partials, evaluated once on the numbers. A backward pass that is not recorded then
 * sweeps the slots newest first with numbers only (sweep.ts): the cotangent times each
 * partial, added to the slot or leaf it flows to, as the op's VJP rule on numbers would
 * compute it (`scale(g, partial)`, bit for bit).
 *
 * A slot's `Node` (its `gradFn`, a `SlotNode`) is made only when something asks for one: a
 * user reading `gradFn`, a hook, `retainGrad`, a general node taking the tensor as input (as
 * does an op on it once its tape is retired), a recorded backward (createGraph),
 * `autograd.grad`, a pass inside a pass. From
 * then on that node is the slot's truth (its hooks, saved values, freed state) and passes run
 * the slot through it, by the general code; the typed arrays still hold its edges.
 */
export class Tape {
  /** Slots in use; slot i was recorded before slot i + 1 (so edges point down). */
  n = 0
  cap: number
  /** `op.id` of each slot's op. */
  rule: Int32Array
  /** The `Node` sequence number each slot took (slots and nodes share one order). */
  seq: Float64Array
  /** `writes.epoch` when the slot was recorded (see Node.epoch). */
  epoch: Float64Array
  /** Edge of input 0 and 1: a slot (≥ 0), none (-1), or `ext[-2 - e]` (a leaf's accumulator). */
  e0: Int32Array
  e1: Int32Array
  /** ∂out/∂input 0 and 1 at the recorded values; where an input has no edge, its value (a number). */
  d0: Float64Array
  d1: Float64Array
  /** Bits: FREED once a pass without retainGraph ran the slot, NODE once its node is made. */
  flags: Uint8Array
  /**
   * Each slot's output. Its inputs are not kept apart: an input with an edge is the output
   * of its slot or the leaf of its accumulator, and one without is a number (in d0, d1).
   * Outputs stay until the tape dies, also once freed: they are 0-dim values, and the
   * inputs of a slot node made later must be the tensors themselves (their version
   * counters, what a rule reads) even when their own slots were freed.
   */
  out: Tensor[]
  /** Edges that leave the tape: to leaves' accumulators (see recordScalar). */
  ext: Node[] = []
  /** The slot nodes made so far, by slot. */
  nodes = new Map<number, SlotNode>()

  // Scratch of one backward pass (sweep.ts), stamped with the pass number.
  /** The pass that last reached each slot (made by the first pass that reaches the tape). */
  stamp: Int32Array = EMPTY_STAMPS
  /** The cotangent summed so far on each slot reached in pass `pass`. */
  adj: Float64Array = EMPTY_ADJ
  /** The pass this tape last took part in. */
  pass = 0
  /** In that pass: the newest slot that may still wait to run, and how many wait. */
  top = -1
  pending = 0

  constructor(cap: number) {
    this.cap = cap
    this.rule = new Int32Array(cap)
    this.seq = new Float64Array(cap)
    this.epoch = new Float64Array(cap)
    this.e0 = new Int32Array(cap)
    this.e1 = new Int32Array(cap)
    this.d0 = new Float64Array(cap)
    this.d1 = new Float64Array(cap)
    this.flags = new Uint8Array(cap)
    // Sized once, then written by index: an append (push) costs several times a store here.
    this.out = new Array<Tensor>(cap)
  }

  /** Makes (or grows) the pass scratch to the tape's capacity. */
  scratch(): void {
    if (this.stamp.length === this.cap) return
    this.stamp = grown(this.stamp, new Int32Array(this.cap))
    this.adj = grown(this.adj, new Float64Array(this.cap))
  }

  /** The slot's node, made on first request (the same object afterwards). */
  node(s: number): SlotNode {
    let node = this.nodes.get(s)
    if (node === undefined) {
      node = new SlotNode(this, s)
      this.nodes.set(s, node)
      this.flags[s] |= NODE
    }
    return node
  }

  /** Where input `i` of slot `s` sends its gradient, as stored (see e0). */
  edgeCode(s: number, i: number): number {
    return i === 0 ? this.e0[s] : this.e1[s]
  }

  /** Input i of slot s as the op was applied to it (see `out`); undefined past a one-input op's. */
  input(s: number, i: number, arity: number): unknown {
    if (i >= arity) return undefined
    const e = i === 0 ? this.e0[s] : this.e1[s]
    return e >= 0 ? this.out[e] : e === -1 ? (i === 0 ? this.d0[s] : this.d1[s]) : (this.ext[-2 - e] as Node).out
  }

  /** Whether a tensor the slot keeps was changed in place since it was recorded (see Node.savedChanged). */
  changed(s: number): boolean {
    const epoch = this.epoch[s]
    return versionOf(this.input(s, 0, 2)) > epoch || versionOf(this.input(s, 1, 2)) > epoch || versionOf(this.out[s]) > epoch
  }

  /** A pass without retainGraph ran the slot: a node made for it later is freed at once (freed.ts). */
  free(s: number): void {
    this.flags[s] |= FREED
  }

  private grow(): void {
    const cap = this.cap * 2
    this.cap = cap
    this.rule = grown(this.rule, new Int32Array(cap))
    this.seq = grown(this.seq, new Float64Array(cap))
    this.epoch = grown(this.epoch, new Float64Array(cap))
    this.e0 = grown(this.e0, new Int32Array(cap))
    this.e1 = grown(this.e1, new Int32Array(cap))
    this.d0 = grown(this.d0, new Float64Array(cap))
    this.d1 = grown(this.d1, new Float64Array(cap))
    this.flags = grown(this.flags, new Uint8Array(cap))
    if (this.stamp.length > 0) this.scratch()
  }

  /** Appends a slot (see `recordScalar`). */
  push(op: Op, out: Tensor, e0: number, e1: number, d0: number, d1: number): void {
    const s = this.n
    if (s === this.cap) this.grow()
    this.n = s + 1
    this.rule[s] = op.id
    this.seq[s] = takeSeq()
    this.epoch[s] = writes.epoch
    this.e0[s] = e0
    this.e1[s] = e1
    this.d0[s] = d0
    this.d1[s] = d1
    this.flags[s] = 0
    this.out[s] = out
    out._fn = this
    out._slot = s
  }

  /** The edge code of an input tensor that requires grad: its slot on this tape, or its leaf's accumulator. */
  edgeTo(t: Tensor): number {
    if (t._fn === this) return t._slot
    this.ext.push(t._acc as Node)
    return -1 - this.ext.length
  }
}

export const FREED = 1
export const NODE = 2
const EMPTY_STAMPS = new Int32Array(0)
const EMPTY_ADJ = new Float64Array(0)

function grown<T extends Int32Array | Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from)
  return to
}

/**
 * Slots per tape: past this a new tape starts, so a program that records without ever
 * running backward keeps bounded tapes alive. Tapes never point into other tapes (see
 * `recordScalar`), so a full tape dies with the last of its tensors.
 */
const MAX_SLOTS = 1 << 14
const MIN_SLOTS = 256

/** The tape new slots go on; null until the next record after a backward pass freed it. */
let current: Tape | null = null
/** The size of the last tape retired: the next one starts that large. */
let lastSize = MIN_SLOTS

/**
 * After a backward pass that freed slots of the current tape: new ops start a fresh tape,
 * so the old one (a finished graph) dies with its tensors instead of growing across steps.
 */
export function retire(tape: Tape): void {
  if (tape !== current) return
  lastSize = tape.n
  current = null
}

/**
 * Records an op of one or two arguments (`a1` undefined for one) applied to numbers and
 * 0-dim tensors, of values `x0`, `x1`, whose result `out` is a float64 scalar of value `y`,
 * as a slot, when the op states its partials. Returns false, recording nothing, when the
 * slot path does not apply (the caller then records a Node): under tapeStats (which counts
 * nodes), when a partial does not give a number, or when an input comes from a node or from
 * another tape than the current one. A tape's edges thus lead only to its own slots and to
 * leaves: were a tape to keep a node (or another tape) alive, a chain of tapes, each full of
 * dead slots, could keep every earlier one alive.
 */
export function recordScalar(op: Op, a0: Value, a1: Value | undefined, x0: number, x1: number, y: number, out: Tensor): boolean {
  const partials = op.partials
  if (partials === undefined || tracking.current !== null) return false
  let tape = current
  if (tape !== null && tape.n >= MAX_SLOTS) {
    lastSize = tape.n
    tape = current = null
  }
  const constant = op.constantArgs
  const k0 = requires(a0, tape)
  const k1 = requires(a1, tape)
  if (k0 === OFF_TAPE || k1 === OFF_TAPE) return false
  const need0 = k0 !== NO_GRAD && (constant === undefined || !constant.includes(0))
  const need1 = k1 !== NO_GRAD && (constant === undefined || !constant.includes(1))
  // An input without an edge is kept as its number (see Tape.out): a tensor there is not.
  if ((!need0 && a0 instanceof CoreTensor) || (!need1 && a1 instanceof CoreTensor)) return false
  if (!need0 && !need1) return true // nothing requires grad: nothing to record
  let d0 = 0
  let d1 = 0
  if (a1 === undefined) {
    d0 = (partials[0] as (x: number, y: number) => number)(x0, y)
    if (typeof d0 !== 'number') return false
  } else {
    if (need0) {
      d0 = (partials[0] as (a: number, b: number, y: number) => number)(x0, x1, y)
      if (typeof d0 !== 'number') return false
    }
    if (need1) {
      d1 = (partials[1] as (a: number, b: number, y: number) => number)(x0, x1, y)
      if (typeof d1 !== 'number') return false
    }
  }
  tape ??= current = new Tape(Math.min(MAX_SLOTS, Math.max(MIN_SLOTS, lastSize)))
  const e0 = need0 ? tape.edgeTo(a0 as Tensor) : -1
  const e1 = need1 ? tape.edgeTo(a1 as Tensor) : -1
  tape.push(op, out, e0, e1, need0 ? d0 : x0, need1 ? d1 : x1)
  return true
}

/** What an argument is to `recordScalar`. */
const NO_GRAD = 0
const LEAF = 1
const ON_TAPE = 2
const OFF_TAPE = 3

function requires(a: unknown, tape: Tape | null): number {
  if (typeof a !== 'object') return NO_GRAD
  // A scalar result whose value is a number (most arguments here) is a reverse tensor and no view.
  if ((a as Partial<Tensor>)._value == null) {
    if (!(a instanceof Tensor)) return NO_GRAD
    // (A view whose base changed in place since gets its fresh history first, as record() does.)
    if (a._view !== null && a._view.version !== a.storage.version) refreshView(a)
  }
  const t = a as Tensor
  const fn = t._fn
  if (fn === null) return t._acc === null ? NO_GRAD : LEAF
  return fn === tape && tape !== null ? ON_TAPE : OFF_TAPE
}

const NO_ATTRS = Object.freeze({})

/**
 * The `Node` of a slot (see Tape): what `gradFn` returns for a tensor the tape computed. It
 * has the slot's op, sequence number, inputs, output and write counter; its edges are read
 * from the tape when asked, so making one never makes the nodes below it (a long chain of
 * scalar ops stays cheap, and no recursion follows it).
 */
export class SlotNode extends Node {
  declare readonly tape: Tape
  declare readonly slot: number

  constructor(tape: Tape, s: number) {
    const op = opById(tape.rule[s])
    const arity = op.arity as number
    const inputs = arity === 1 ? [tape.input(s, 0, 1)] : [tape.input(s, 0, 2), tape.input(s, 1, 2)]
    // Made as a node without edges (edge() below reads the tape), and not counted by tapeStats:
    // its op was recorded before.
    const tracker = tracking.current
    tracking.current = null
    try {
      super(op, NO_ATTRS, inputs, tape.out[s] as Tensor, NEEDS[arity][0] as readonly boolean[])
    } finally {
      tracking.current = tracker
    }
    this.tape = tape
    this.slot = s
    const mask = (tape.e0[s] !== -1 ? 1 : 0) | (tape.e1[s] !== -1 ? 2 : 0)
    ;(this as { needs: readonly boolean[] }).needs = NEEDS[arity][mask] as readonly boolean[]
    ;(this as { seq: number }).seq = tape.seq[s]
    this.epoch = tape.epoch[s]
    if ((tape.flags[s] & FREED) !== 0) this.free(freedValue)
  }

  override edge(i: number): Node | null {
    const e = this.tape.edgeCode(this.slot, i)
    return e >= 0 ? this.tape.node(e) : e === -1 ? null : (this.tape.ext[-2 - e] as Node)
  }

  override free(standIn: (saved: unknown) => unknown): void {
    super.free(standIn)
    this.tape.free(this.slot)
  }
}
