import { Tensor, type DType, type Op, type Value } from '@ad/core'

/**
 * The IR a trace records: registry ops applied to symbolic values of fixed shape and dtype.
 * Nodes are kept in the order they were recorded, which is a topological order.
 *
 * - `input`: the i-th leaf of the arguments (a tensor, or a number when `weak`).
 * - `const`: a value the function closed over: a core tensor, or a value traced by an
 *   enclosing transform (replayed as it is, so nested transforms see their own values).
 * - `op`: a registry op; an argument is another node or a number folded in as a literal.
 */
export type NodeKind = 'input' | 'const' | 'op'

export type Arg = Node | number

export interface Node {
  readonly id: number
  readonly kind: NodeKind
  readonly op: Op | null
  readonly args: readonly Arg[]
  readonly attrs: object
  readonly shape: readonly number[]
  readonly dtype: DType
  /** A number input (or a result computed only from numbers): it takes the dtype of the tensors it meets. */
  readonly weak: boolean
  /** `input`: which leaf of the arguments. */
  readonly index: number
  /** `const`: the value. */
  readonly value: Value | null
}

export interface Graph {
  readonly inputs: readonly Node[]
  /** Every node, inputs and constants included, in topological order. */
  readonly nodes: readonly Node[]
  /** The result's leaves: a node, or a value that does not depend on the inputs. */
  readonly outputs: readonly (Node | Value)[]
}

export function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && 'kind' in x && 'id' in x && 'args' in x
}

export function sizeOfShape(shape: readonly number[]): number {
  let n = 1
  for (let i = 0; i < shape.length; i++) n *= shape[i]
  return n
}

export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`
}

/**
 * A const node holding a tensor (not a value of an enclosing trace). A tensor of another
 * engine (a reverse-mode tensor closed over) counts: compiled code only reads its elements.
 */
export function constTensor(node: Node): Tensor | null {
  const v = node.value
  return node.kind === 'const' && v instanceof Tensor ? v : null
}

/** Builds nodes with consecutive ids. */
export class GraphBuilder {
  readonly nodes: Node[] = []
  readonly inputs: Node[] = []

  /** A node with the next id (fields written in one order: every node has one hidden class). */
  add(f: Omit<Node, 'id'>, args: readonly Arg[] = f.args): Node {
    const node: Node = { id: this.nodes.length, kind: f.kind, op: f.op, args, attrs: f.attrs, shape: f.shape, dtype: f.dtype, weak: f.weak, index: f.index, value: f.value }
    this.nodes.push(node)
    if (node.kind === 'input') this.inputs.push(node)
    return node
  }

  /** Drops the ops recorded from `length` on (nothing refers to them yet). */
  truncate(length: number): void {
    this.nodes.length = length
  }
}
