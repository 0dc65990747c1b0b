import { AdError, Tensor as CoreTensor, type Interpreter, type NestedArray, type OpMethods, type Shape, type Storage, TRACE } from '@ad/core'
import { backward, type BackwardOptions } from './backward.js'
import { Node } from './node.js'

/**
 * The core class, typed without its op methods so that the interface below can declare
 * them returning reverse tensors (at run time it is simply core's `Tensor`).
 */
const CoreBase = CoreTensor as unknown as new (
  storage: Storage,
  shape: Shape,
  strides?: readonly number[],
  offset?: number,
) => Omit<CoreTensor, keyof OpMethods<CoreTensor> | 'toString'>

// Every registered op is also a method (installed on the core prototype) returning reverse tensors.
export interface Tensor extends OpMethods<Tensor> {}

/**
 * A tensor on the tape: a core `Tensor` (same storage, shape, strides and offset, so kernels
 * read it directly) that carries the reverse interpreter under `TRACE` (installed by
 * `interpreter.ts`), so every op applied to it is recorded while grad mode is on.
 */
export class Tensor extends CoreBase {
  declare readonly [TRACE]: Interpreter

  // Fields are declared and assigned in the constructor, not as class fields: V8 (Node 20)
  // initialises class fields of a derived class on a slow path, 5x the cost of this object.

  /** The gradient deposited by backward (leaves and tensors that called `retainGrad`); assignable. */
  declare grad: Tensor | null
  /** The node that computed this tensor; null on leaves. */
  declare gradFn: Node | null
  /** @internal Leaves that require grad: the node backward deposits their gradient through. */
  declare _acc: Node | null
  /** @internal Set by `retainGrad()` on a non-leaf. */
  declare _retain: boolean

  constructor(storage: Storage, shape: Shape, strides?: readonly number[], offset = 0) {
    super(storage, shape, strides, offset)
    this.grad = null
    this.gradFn = null
    this._acc = null
    this._retain = false
  }

  /** Computed by a recorded op, or a leaf with an accumulator (see requiresGrad_). */
  get requiresGrad(): boolean {
    return this.gradFn !== null || this._acc !== null
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag)
  }

  /** Leaves are tensors no recorded op made: user data, parameters, detached values. */
  get isLeaf(): boolean {
    return this.gradFn === null
  }

  /** Sets whether a leaf requires grad (in place; returns this tensor). */
  requiresGrad_(flag = true): this {
    if (this.gradFn !== null) {
      if (flag) return this
      throw new AdError(
        'INVALID_ARGUMENT',
        `requiresGrad_(false): this tensor was computed by ${this.gradFn.name} and is not a leaf; ` +
          'use detach() to get a tensor without history.',
      )
    }
    // Edges recorded earlier keep the old accumulator, so gradients still reach this leaf.
    if (!flag) this._acc = null
    else if (this._acc === null) this._acc = Node.accumulator(this)
    return this
  }

  /** Also deposit this non-leaf's gradient in `.grad` during backward (leaves always get one). */
  retainGrad(): this {
    if (this.gradFn === null) return this
    this._retain = true
    return this
  }

  /**
   * Computes the gradient of this tensor with respect to the leaves of its graph and adds it
   * to their `.grad`. A tensor of one element needs no cotangent (it is 1); otherwise pass
   * one of this tensor's shape.
   */
  backward(cotangent?: unknown, options: BackwardOptions = {}): void {
    backward(this, cotangent, options)
  }

  /** The same values without history: a leaf sharing this tensor's storage. */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset)
  }

  override toString(): string {
    const tail = this.gradFn !== null ? `, gradFn=${this.gradFn.name}` : this.requiresGrad ? ', requiresGrad=true' : ''
    return `tensor(${JSON.stringify(this.tolist() as NestedArray)}, shape=[${this.shape.join(',')}], dtype=${this.dtype}${tail})`
  }
}
