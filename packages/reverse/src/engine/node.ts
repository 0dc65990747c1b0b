import { AdError, Tensor as CoreTensor, type Op, type Value } from '@ad/core'
import { tracking } from '../debug/stats.js'
import { writes } from '../inplace/versions.js'
import type { Tensor } from '../api/tensor.js'

/** A tensor hook (`registerHook`): sees a gradient, may return a replacement. */
export type Hook = (grad: Tensor) => unknown

/** Nodes are numbered in creation order; an input is always older than the node that uses it. */
let nextSeq = 1

const NO_INPUTS: readonly unknown[] = Object.freeze([])
const NO_ATTRS = Object.freeze({})

/**
 * One recorded op application (a "gradFn"), or, with `op === null`, the accumulator of a
 * leaf that requires grad (PyTorch's AccumulateGrad). A node keeps what its VJP rule needs:
 * the op, its attrs, the inputs and the output, and, separately, its edges: the node each
 * input's gradient flows to. A backward pass that does not retain the graph drops `inputs`
 * and `out` after running the rule, so saved tensors are freed as it proceeds; the node is
 * then `freed`, but its edges stay, so the graph can still be walked.
 *
 * A node also remembers when it was recorded, as a version stamp (versions.ts): a tensor it
 * keeps whose storage version is now higher was changed in place since, which backward
 * notices (`MODIFIED_AFTER_SAVE`) if the rule reads it.
 *
 * The fields marked "engine scratch" are the engine's per-pass scratch space (stamped with
 * the pass number, so stale values from an earlier pass are never read); they live on the
 * node rather than in Maps because a backward pass touches every node a few times.
 */
export class Node {
  // Fields are declared and assigned in the constructor, not as class fields (which V8 defines
  // one by one, a slower path): a node is made per recorded op. Those a backward pass reads
  // come first, so that they share the node's first cache lines.

  declare readonly seq: number
  /** @internal Engine scratch: the pass that queued this node (a cotangent has arrived). */
  declare queued: number
  /** @internal Engine scratch: the cotangent accumulated so far in this pass. */
  declare g: Value | null
  /** The op, or null for a leaf's accumulator. */
  declare readonly op: Op | null
  /** `needs[i]`: input i requires grad and is not a constant argument of the op. One per input. */
  declare readonly needs: readonly boolean[]
  /**
   * Inputs 0 and 1 as passed to the op (tensors, numbers, arrays), then the others (ops of
   * three or more inputs) in `rest`; see `inputs`. Kept in fields, not in the argument array
   * the op was applied to: that array then dies young, where a node keeps its contents for
   * the whole forward pass (and the garbage collector copies what stays alive).
   */
  private declare input0: unknown
  private declare input1: unknown
  /**
   * The output (or, for an accumulator, the leaf); once freed, a stand-in with its shape and
   * dtype only (freed.ts).
   */
  declare out: Tensor
  /** Edges of inputs 0 and 1 (the others' are in `rest`); null: no gradient. */
  private declare readonly next0: Node | null
  private declare readonly next1: Node | null
  /** @internal The write counter when the tensors were saved (in-place ops that move a node's output renew it). */
  declare epoch: number
  declare readonly attrs: object
  /** Inputs 2 and up and their edges; null for ops of at most two inputs. */
  private declare rest: RestInputs | null
  /** The output's shape (it stays known after the graph is freed). */
  declare readonly shape: readonly number[]

  /** @internal Engine scratch: the pass that last visited this node. */
  declare pass: number
  /** @internal Engine scratch: some path from here leads to a requested input (autograd.grad). */
  declare useful: boolean
  /** @internal Engine scratch: index among the requested inputs, or -1. */
  declare target: number
  /** Set when a backward pass without retainGraph freed the saved tensors (see `freed`). */
  private declare released: boolean

  constructor(op: Op | null, attrs: object, inputs: readonly unknown[], out: Tensor, needs: readonly boolean[]) {
    this.seq = nextSeq++
    this.queued = 0
    this.g = null
    this.op = op
    this.needs = needs
    const n = needs.length
    this.input0 = n > 0 ? inputs[0] : undefined
    this.input1 = n > 1 ? inputs[1] : undefined
    this.out = out
    this.next0 = n > 0 && needs[0] ? edgeOf(inputs[0] as Tensor) : null
    this.next1 = n > 1 && needs[1] ? edgeOf(inputs[1] as Tensor) : null
    this.epoch = writes.epoch
    this.attrs = attrs
    this.rest = n > 2 ? restInputs(inputs, needs) : null
    this.shape = out.shape
    this.pass = 0
    this.useful = false
    this.target = -1
    this.released = false
    if (tracking.current !== null && op !== null) tracking.current.add(this, inputs, out)
  }

  /** Input i as passed to the op (see `inputs`); a stand-in once freed. */
  input(i: number): unknown {
    return i === 0 ? this.input0 : i === 1 ? this.input1 : (this.rest as RestInputs).inputs[i - 2]
  }

  /** Inputs as passed to the op (tensors, numbers), in a fresh array; stand-ins for tensors once freed. */
  get inputs(): readonly unknown[] {
    const list = new Array<unknown>(this.needs.length)
    for (let i = 0; i < list.length; i++) list[i] = this.input(i)
    return list
  }

  /**
   * @internal Drops the tensors the node keeps for its rule (a backward pass without
   * retainGraph), putting `standIn(tensor)` in their place (freed.ts); its edges stay.
   */
  free(standIn: (saved: unknown) => unknown): void {
    if (this.released) return
    this.released = true
    this.input0 = standIn(this.input0)
    this.input1 = standIn(this.input1)
    if (this.rest !== null) this.rest = { inputs: this.rest.inputs.map(standIn), edges: this.rest.edges }
    this.out = standIn(this.out) as Tensor
  }

  /** The accumulator of a leaf: where backward deposits the leaf's gradient. */
  static accumulator(leaf: Tensor): Node {
    return new Node(null, NO_ATTRS, NO_INPUTS, leaf, NO_INPUTS as readonly boolean[])
  }

  /** @internal Hooks of the tensor this node computes (or of the leaf, for an accumulator); see `registerHook`. */
  get hooks(): Hook[] | null {
    return hookCount === 0 ? null : (hookTable.get(this) ?? null)
  }

  set hooks(list: Hook[] | null) {
    const had = hookTable.get(this)?.length ?? 0
    if (list === null || list.length === 0) hookTable.delete(this)
    else hookTable.set(this, list)
    hookCount += (list?.length ?? 0) - had
  }

  /** 'MulBackward' for `mul`, 'AccumulateGrad' for a leaf's accumulator. */
  get name(): string {
    return this.op === null ? 'AccumulateGrad' : backwardName(this.op.name)
  }

  /** True once a backward pass without `retainGraph` has run this node. */
  get freed(): boolean {
    return this.released
  }

  /** The node input i's gradient flows to: its gradFn, or its accumulator for a leaf; null if none. */
  edge(i: number): Node | null {
    return i === 0 ? this.next0 : i === 1 ? this.next1 : (this.rest as RestInputs).edges[i - 2]
  }

  /**
   * The edges, one per input of the op in order (PyTorch's `next_functions`, whose second
   * element is always 0 here: every node has one output): the node that input's gradient
   * flows to, or null when it gets none (a constant, a number). They outlive a freed graph.
   */
  get next(): (Node | null)[] {
    return this.needs.map((_, i) => this.edge(i))
  }

  /** Whether a value this node keeps was changed in place since it was saved. */
  changed(x: unknown): boolean {
    return versionOf(x) > this.epoch
  }

  /**
   * Whether a tensor this node keeps (an input or its output) was changed in place since it
   * was saved. False once freed (nothing is kept then). One comparison when nothing was
   * written anywhere since the node was recorded.
   */
  savedChanged(): boolean {
    if (this.epoch === writes.epoch) return false
    if (this.released || this.op === null) return false
    for (let i = 0; i < this.needs.length; i++) if (versionOf(this.input(i)) > this.epoch) return true
    return versionOf(this.out) > this.epoch
  }

  /**
   * The tensors this node keeps for its VJP rule until a backward pass without
   * `retainGraph` frees them: its tensor inputs and its output (the rule may read any of
   * them). Empty for an accumulator and once freed.
   */
  get saved(): SavedTensor[] {
    if (this.op === null || this.released) return []
    const inputs = this.inputs
    const list: SavedTensor[] = []
    inputs.forEach((x, i) => {
      if (x instanceof CoreTensor) list.push({ role: `input ${i}`, tensor: x, modified: this.changed(x) })
    })
    const out = this.out as Tensor
    list.push({ role: 'output', tensor: out, modified: this.changed(out) })
    return list
  }

  toString(): string {
    return `<${this.name}>`
  }
}

/**
 * Hooks live off the nodes (few nodes have any): a table, and a count of hooks registered
 * anywhere, so that a pass in a program without hooks checks one number per node.
 */
const hookTable = new WeakMap<Node, Hook[]>()
let hookCount = 0

/** One tensor a node keeps (see `Node.saved`). */
export interface SavedTensor {
  /** 'input 0', 'input 1', ... or 'output'. */
  role: string
  tensor: CoreTensor
  /** Changed in place since (a backward through this node throws if the rule reads it). */
  modified: boolean
}

/**
 * The storage version of a tensor (shared by its views); 0 for numbers and arrays, and for a
 * scalar result whose storage was never made (so never written): asking would make it.
 */
export function versionOf(v: unknown): number {
  if (!(typeof v === 'object' && v instanceof CoreTensor)) return 0
  return (v as unknown as Partial<Tensor>)._storage === null ? 0 : v.storage.version
}

/** Inputs 2 and up of a node, and their edges. */
interface RestInputs {
  readonly inputs: readonly unknown[]
  readonly edges: readonly (Node | null)[]
}

function restInputs(inputs: readonly unknown[], needs: readonly boolean[]): RestInputs {
  const edges = new Array<Node | null>(needs.length - 2)
  for (let i = 2; i < needs.length; i++) edges[i - 2] = needs[i] ? edgeOf(inputs[i] as Tensor) : null
  return { inputs: inputs.slice(2), edges }
}

/** Where a gradient for tensor `t` goes: the node that made it, or its accumulator if a leaf. */
export function edgeOf(t: Tensor): Node {
  return (t.gradFn ?? t._acc) as Node
}

/** Shared, frozen `needs` arrays for ops of up to four inputs, indexed by a bit mask of the inputs that need a gradient. */
export const MAX_CACHED = 4
export const NEEDS: readonly (readonly (readonly boolean[])[])[] = Array.from({ length: MAX_CACHED + 1 }, (_, n) =>
  Array.from({ length: 1 << n }, (_, mask) => Object.freeze(Array.from({ length: n }, (_, i) => (mask & (1 << i)) !== 0))),
)

/** Takes a sequence number, for a slot of the scalar tape (tape.ts): slots and nodes share one order. */
export function takeSeq(): number {
  return nextSeq++
}

/** The sequence number the next node will get: nodes made from now on have at least this. */
export function currentSeq(): number {
  return nextSeq
}

const names = new Map<string, string>()

function backwardName(op: string): string {
  let name = names.get(op)
  if (name === undefined) {
    name = `${op.charAt(0).toUpperCase()}${op.slice(1)}Backward`
    names.set(op, name)
  }
  return name
}

export function graphFreed(node: Node): AdError {
  return new AdError(
    'GRAPH_FREED',
    `backward through ${node.name}, whose saved tensors an earlier backward already freed. ` +
      'Pass { retainGraph: true } to the earlier backward (or autograd.grad) to backward through the graph again.',
  )
}
