import { AdError, Tensor as CoreTensor, Storage, type DType, type NestedArray, type OpMethods, type Shape } from '@ad/core'
import { apply, formatTensor, type Interpreter, TRACE } from '@ad/core/internal'
import { backward, type BackwardOptions } from '../engine/backward.js'
import { cloneOp } from '../engine/engineOps.js'
import { mode } from '../engine/mode.js'
import { Node, type Hook } from '../engine/node.js'
import type { Tape } from '../engine/tape.js'
import { refreshView, type View } from '../inplace/views.js'

/**
 * The core class, typed without its op methods so that the interface below can declare
 * them returning reverse tensors (at run time it is simply core's `Tensor`).
 */
const CoreBase = CoreTensor as unknown as new (
  storage: Storage,
  shape: Shape,
  strides?: readonly number[],
  offset?: number,
) => Omit<CoreTensor, keyof OpMethods<CoreTensor> | 'toString' | 'clone' | 'storage' | 'dtype' | 'item'>

// Every registered op is also a method (installed on the core prototype) returning reverse tensors.
export interface Tensor extends OpMethods<Tensor>, InplaceMethods {}

/**
 * In-place methods (inplace.ts): `f_` for every differentiable elementwise op `f` of the
 * registry, plus `zero_` and `copy_`; each returns the tensor itself. Those the SPEC names
 * are typed here; the others (`exp_`, `clamp_`, ...) exist at run time with the signature
 * of their op's method.
 */
export interface InplaceMethods {
  add_(other: unknown): this
  sub_(other: unknown): this
  mul_(other: unknown): this
  div_(other: unknown): this
  /** Fills with zeros (no gradient flows to the old values). */
  zero_(): this
  /** Copies `src` (broadcast to this tensor's shape, cast to its dtype) into this tensor. */
  copy_(src: unknown): this
}

/**
 * A tensor on the tape: a core `Tensor` (same storage, shape, strides and offset, so kernels
 * read it directly) that carries the reverse interpreter under `TRACE` (installed by
 * `interpreter.ts`), so every op applied to it is recorded while grad mode is on.
 */
export class Tensor extends CoreBase {
  declare readonly [TRACE]: Interpreter

  // Fields are declared and assigned in the constructor, not as class fields: V8 (Node 20)
  // initialises class fields of a derived class on a slow path, 5x the cost of this object.

  /** @internal The gradient (see the `grad` accessor). */
  declare _grad: Tensor | null
  /**
   * @internal What computed this tensor: its node, or the scalar tape it is slot `_slot` of
   * (tape.ts; its node is made when `gradFn` is read); null on leaves.
   */
  declare _fn: Node | Tape | null
  /** @internal The slot of `_fn` when that is a tape, else -1. */
  declare _slot: number
  /** @internal Leaves that require grad: the node backward deposits their gradient through. */
  declare _acc: Node | null
  /** @internal Set by `retainGrad()` on a non-leaf. */
  declare _retain: boolean
  /** @internal How this tensor views another's storage (see views.ts); null if it is not a view. */
  declare _view: View | null
  /**
   * @internal The storage, once made. The 0-dim float64 results of scalar ops (one per op in
   * scalar code such as W1) have none until something asks for `storage` (a kernel, an
   * in-place write, a view, a dtype cast): until then their value is `_value`.
   */
  declare _storage: Storage | null
  /**
   * @internal The value of a 0-dim result whose storage is not made yet, else null. Kept as
   * a JS number (not in a typed array) so the scalar paths pass it on as it is: reading a
   * double out of a typed array and handing it to a function that is not inlined (an op's
   * scalar function, a VJP rule) allocates a fresh box for it on every call.
   */
  declare _value: number | null

  constructor(storage: Storage, shape: Shape, strides?: readonly number[], offset = 0) {
    super(storage, shape, strides, offset) // assigns `storage`: see the accessor below the class
    this._grad = null
    this._fn = null
    this._slot = -1
    this._acc = null
    this._retain = false
    this._view = null
  }

  /** Without making the storage of a scalar result (always float64). */
  get dtype(): DType {
    // (Storage holds a Float64Array or a Float32Array; the test that hits at once on the
    // first is the cheap one, and scalar code asks this of every float64 leaf it reads.)
    return this._storage === null || this._storage.data instanceof Float64Array ? 'float64' : 'float32'
  }

  item(): number {
    if (this._value !== null) return this._value
    return CoreTensor.prototype.item.call(this)
  }

  /** The node that computed this tensor (PyTorch's `grad_fn`); null on leaves. */
  get gradFn(): Node | null {
    const fn = this._fn
    return fn === null || fn instanceof Node ? fn : fn.node(this._slot)
  }

  set gradFn(node: Node | null) {
    this._fn = node
    this._slot = -1
  }

  /**
   * The gradient deposited by backward: leaves that require grad get one, and so do
   * non-leaves that called `retainGrad()`. It accumulates over backward calls until set to
   * null (or zeroed with `x.grad.zero_()`). Reading it on a non-leaf that did not call
   * `retainGrad()` warns once per process, as PyTorch does: it will stay null.
   */
  get grad(): Tensor | null {
    if (this._grad === null && !warnedNonLeafGrad && this._fn !== null && !this._retain) warnNonLeafGrad()
    return this._grad
  }

  set grad(g: Tensor | CoreTensor | null) {
    if (g === null) {
      this._grad = null
      return
    }
    if (!(g instanceof CoreTensor)) throw new AdError('INVALID_ARGUMENT', `.grad must be a tensor or null, got ${typeof g}.`)
    if (g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i])) {
      throw new AdError(
        'SHAPE_MISMATCH',
        `.grad: assigned a gradient of shape [${g.shape.join(',')}] to a tensor of shape [${this.shape.join(',')}]; they must match.`,
      )
    }
    this._grad = g instanceof Tensor ? g : new Tensor(g.storage, g.shape, g.strides, g.offset)
  }

  /** Computed by a recorded op, or a leaf with an accumulator (see requiresGrad_). */
  get requiresGrad(): boolean {
    if (this._view !== null && this._view.version !== this.storage.version) refreshView(this)
    return this._fn !== null || this._acc !== null
  }

  set requiresGrad(flag: boolean) {
    this.requiresGrad_(flag)
  }

  /** Leaves are tensors no recorded op made: user data, parameters, detached values. */
  get isLeaf(): boolean {
    if (this._view !== null && this._view.version !== this.storage.version) refreshView(this)
    return this._fn === null
  }

  /** Sets whether a leaf requires grad (in place; returns this tensor). */
  requiresGrad_(flag = true): this {
    if (this._fn !== null) {
      if (flag) return this
      throw new AdError(
        'INVALID_ARGUMENT',
        `requiresGrad_(false): this tensor was computed by ${(this.gradFn as Node).name} and is not a leaf; ` +
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
    if (!this.requiresGrad) {
      throw new AdError('INVALID_ARGUMENT', 'retainGrad(): this tensor does not require grad, so backward never computes its gradient.')
    }
    // (A slot of the scalar tape gets its node: the pass then runs it the general way, which deposits.)
    if (this.gradFn !== null) this._retain = true
    return this
  }

  /**
   * Calls `fn(grad)` whenever backward (or autograd.grad, or a transform) computes this
   * tensor's gradient: for a leaf, before it is added to `.grad`; for a non-leaf, before it
   * flows on to the tensors this one was computed from. If `fn` returns a tensor (or a
   * number), that replaces the gradient. Hooks run in the order registered. Returns a
   * handle whose `remove()` unregisters the hook.
   */
  registerHook(fn: (grad: Tensor) => Tensor | CoreTensor | number | null | undefined | void): { remove(): void } {
    if (typeof fn !== 'function') throw new AdError('INVALID_ARGUMENT', 'registerHook: expects a function (grad) => replacement or undefined.')
    if (!this.requiresGrad) {
      throw new AdError(
        'INVALID_ARGUMENT',
        'registerHook: this tensor does not require grad, so no gradient will ever reach the hook; create it with { requiresGrad: true }.',
      )
    }
    const node = (this.gradFn ?? this._acc) as Node
    const hook = fn as Hook
    node.hooks = [...(node.hooks ?? []), hook]
    return {
      remove: () => {
        const hooks = node.hooks
        if (hooks !== null && hooks.includes(hook)) node.hooks = hooks.filter((h) => h !== hook)
      },
    }
  }

  /**
   * Computes the gradient of this tensor with respect to the leaves of its graph and adds it
   * to their `.grad`. A tensor of one element needs no cotangent (it is 1); otherwise pass
   * one of this tensor's shape.
   */
  backward(cotangent?: unknown, options?: BackwardOptions): void {
    backward(this, cotangent, options)
  }

  /** The same values without history: a leaf sharing this tensor's storage (and its version counter). */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.strides, this.offset)
  }

  /**
   * A copy with its own storage that keeps the graph (gradients flow back through it), as
   * PyTorch's `clone()`: what to modify in place when the original is saved for backward.
   */
  clone(): Tensor {
    if (mode.plain !== 0) return CoreTensor.prototype.clone.call(this) as Tensor
    return apply(cloneOp, [this], NO_ATTRS) as Tensor
  }

  /** As PyTorch prints a tensor on the tape: `gradFn=<MulBackward>`, or `requiresGrad=true` on a leaf. */
  override toString(): string {
    const tail = this.gradFn !== null ? [`gradFn=<${this.gradFn.name}>`] : this.requiresGrad ? ['requiresGrad=true'] : []
    return formatTensor(this, tail)
  }
}

/**
 * `storage` of a reverse tensor: made on first use for a scalar result (see `_storage`), in a
 * slot of a slab shared by such scalars (allocating a typed array per scalar would cost more
 * than the op), each with its own Storage, so version counters stay per tensor. Core's
 * constructor assigns it; defined here rather than in the class because core declares it as
 * a plain field.
 */
Object.defineProperty(Tensor.prototype, 'storage', {
  get(this: Tensor): Storage {
    return this._storage ?? materialize(this)
  },
  set(this: Tensor, storage: Storage) {
    this._storage = storage
    this._value = null
  },
  configurable: true,
})

export interface Tensor {
  readonly storage: Storage
}

/** A 0-dim float64 reverse tensor holding `value`, with no storage until one is asked for. */
export function lazyScalar(value: number): Tensor {
  const t = new Tensor(PLACEHOLDER, SCALAR_SHAPE, SCALAR_SHAPE, 0)
  t._storage = null
  t._value = value
  return t
}

/**
 * A tensor with a shape and a dtype but no values: reading its storage (so any kernel, or
 * `item()`) throws `error`. What a node keeps of a saved tensor once freed (freed.ts).
 */
export function valuelessTensor(shape: Shape, dtype: DType, error: Error): Tensor {
  return new Valueless(shape, dtype, error)
}

class Valueless extends Tensor {
  declare readonly valuelessDtype: DType
  declare readonly readError: Error

  constructor(shape: Shape, dtype: DType, error: Error) {
    super(PLACEHOLDER, shape)
    this._storage = null
    this._value = null
    ;(this as { valuelessDtype: DType }).valuelessDtype = dtype
    ;(this as { readError: Error }).readError = error
  }

  override get dtype(): DType {
    return this.valuelessDtype
  }
}

Object.defineProperty(Valueless.prototype, 'storage', {
  get(this: Valueless): Storage {
    throw this.readError
  },
  set() {}, // the constructor's assignment
  configurable: true,
})

/** Shape and strides of every 0-dim tensor made here: shared, and frozen so nobody writes to them. */
const SCALAR_SHAPE: readonly number[] = Object.freeze([])
/** What `lazyScalar` constructs with before it takes the storage away again. */
const PLACEHOLDER = new Storage(new Float64Array(0))

const SLAB = 256
let slab = new Float64Array(SLAB)
let used = 0

/** Gives a scalar result its storage: a slot of the current slab, holding its value from now on. */
function materialize(t: Tensor): Storage {
  if (used === SLAB) {
    slab = new Float64Array(SLAB)
    used = 0
  }
  slab[used] = t._value as number
  ;(t as { offset: number }).offset = used++
  const storage = new Storage(slab)
  t._storage = storage
  t._value = null
  return storage
}

let warnedNonLeafGrad = false

function warnNonLeafGrad(): void {
  warnedNonLeafGrad = true
  console.warn(
    'ad: reading .grad of a tensor that is not a leaf. Backward does not fill in the gradient of non-leaf tensors, ' +
      'so it stays null. Call retainGrad() on the tensor before backward if you want it, or read .grad of the leaf ' +
      'tensors instead. (This warning is shown once.)',
  )
}

/** @internal For tests: makes the next read of a non-leaf's .grad warn again. */
export function resetNonLeafGradWarning(): void {
  warnedNonLeafGrad = false
}

const NO_ATTRS = Object.freeze({})
