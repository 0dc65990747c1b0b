import { AdError, Tensor as CoreTensor, type Op, type Value } from '@ad/core'
import { tracking } from './stats.js'
import { writes } from './versions.js'
import type { Tensor } from './tensor.js'

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
 * The fields below the line are the engine's per-pass scratch space (stamped with the pass
 * number, so stale values from an earlier pass are never read); they live on the node
 * rather than in Maps because a backward pass touches every node a few times.
 */
export class Node {
  /** Inputs as passed to the op (tensors, numbers, arrays); null once the graph is freed. */
  inputs: readonly unknown[] | null
  /** The output (or, for an accumulator, the leaf); null once the graph is freed. */
  out: Tensor | null
  readonly seq: number
  /** Edges of inputs 0 and 1, then of the others (ops of three or more inputs); null: no gradient. */
  private readonly next0: Node | null
  private readonly next1: Node | null
  private readonly nextRest: readonly (Node | null)[] | null
  /** @internal The write counter when the tensors were saved (in-place ops that move a node's output renew it). */
  epoch: number
  /** The output's shape (it stays known after the graph is freed). */
  readonly shape: readonly number[]

  /** @internal Engine scratch: the pass that last visited this node. */
  pass = 0
  /** @internal Engine scratch: the pass that queued this node (a cotangent has arrived). */
  queued = 0
  /** @internal Engine scratch: the next input to visit in the depth-first walk. */
  cursor = 0
  /** @internal Engine scratch: the cotangent accumulated so far in this pass. */
  g: Value | null = null
  /** @internal Engine scratch: some path from here leads to a requested input (autograd.grad). */
  useful = false
  /** @internal Engine scratch: index among the requested inputs, or -1. */
  target = -1

  constructor(
    /** The op, or null for a leaf's accumulator. */
    readonly op: Op | null,
    readonly attrs: object,
    inputs: readonly unknown[],
    out: Tensor,
    /** `needs[i]`: input i requires grad and is not a constant argument of the op. */
    readonly needs: readonly boolean[],
  ) {
    this.inputs = inputs
    this.out = out
    this.seq = nextSeq++
    const n = needs.length
    this.next0 = n > 0 && needs[0] ? edgeOf(inputs[0] as Tensor) : null
    this.next1 = n > 1 && needs[1] ? edgeOf(inputs[1] as Tensor) : null
    this.nextRest = n > 2 ? needs.slice(2).map((need, i) => (need ? edgeOf(inputs[i + 2] as Tensor) : null)) : null
    this.epoch = writes.epoch
    this.shape = out.shape
    if (tracking.current !== null && op !== null) tracking.current.add(this, inputs, out)
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
    return this.op !== null && this.inputs === null
  }

  /** The node input i's gradient flows to: its gradFn, or its accumulator for a leaf; null if none. */
  edge(i: number): Node | null {
    return i === 0 ? this.next0 : i === 1 ? this.next1 : (this.nextRest as readonly (Node | null)[])[i - 2]
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
    const inputs = this.inputs
    if (inputs === null || this.op === null) return false
    for (let i = 0; i < inputs.length; i++) if (versionOf(inputs[i]) > this.epoch) return true
    return (this.out as Tensor).storage.version > this.epoch
  }

  /**
   * The tensors this node keeps for its VJP rule until a backward pass without
   * `retainGraph` frees them: its tensor inputs and its output (the rule may read any of
   * them). Empty for an accumulator and once freed.
   */
  get saved(): SavedTensor[] {
    const inputs = this.inputs
    if (this.op === null || inputs === null) return []
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

/** The storage version of a tensor (shared by its views); 0 for numbers and arrays. */
export function versionOf(v: unknown): number {
  return typeof v === 'object' && v instanceof CoreTensor ? v.storage.version : 0
}

/** Where a gradient for tensor `t` goes: the node that made it, or its accumulator if a leaf. */
export function edgeOf(t: Tensor): Node {
  return (t.gradFn ?? t._acc) as Node
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
