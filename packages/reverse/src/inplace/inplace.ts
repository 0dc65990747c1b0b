import { AdError, add, sameShape, sub, Tensor as CoreTensor, type FloatArray, type Op, type Value } from '@ad/core'
import { apply, listOps } from '@ad/core/internal'
import { copyOp, zeroOp } from '../engine/engineOps.js'
import { mode } from '../engine/mode.js'
import type { Node } from '../engine/node.js'
import { Tensor } from '../api/tensor.js'
import { bumpVersion, writes } from './versions.js'
import { applyChain, refreshView, viewChain, type View } from './views.js'
import { scalarOf } from '../api/wrap.js'

/**
 * In-place ops: `x.add_(y)` computes `x.add(y)` and writes the result into x's storage,
 * bumping the storage's version counter (shared with every view of it). The methods are
 * derived from the registry: every differentiable elementwise op `f` gets `f_` (so
 * `add_ sub_ mul_ div_` of the SPEC, and `exp_`, `clamp_`...), plus `zero_` and `copy_`.
 *
 * On the tape (grad mode on, and x or another argument requires grad), PyTorch's rebase
 * semantics: the op is recorded on a copy of x's old value, which takes over x's old place
 * in the graph, and x's gradFn becomes the new node. If x is a view, its base's history is
 * rebased instead (`base ← base + Vᵀ(f(V base, y) − V base)`, V the view steps, Vᵀ their
 * VJP), and x and the base's other views follow from the base (see views.ts).
 *
 * A leaf that requires grad (or a view of one) cannot change in place while grad mode is
 * on (`LEAF_INPLACE`): inside `noGrad` it can, which is how optimizers update weights.
 * Anything saved for backward that changes is caught when backward needs it
 * (`MODIFIED_AFTER_SAVE`, see engine.ts).
 */
export function installInplaceMethods(): void {
  const proto = Tensor.prototype as unknown as Record<string, unknown>
  const methods = CoreTensor.prototype as unknown as Record<string, (this: unknown, ...args: unknown[]) => Value>
  for (const op of listOps()) {
    if (op.elementwise !== true || !op.differentiable || op.arity === 'list') continue
    const method = methods[op.name]
    if (typeof method !== 'function') continue
    const name = `${op.name}_`
    define(proto, name, function (this: Tensor, ...rest: unknown[]): Tensor {
      return inplace(this, name, rest, (self, args) => method.call(self, ...args), op)
    })
  }
  define(proto, 'zero_', function (this: Tensor): Tensor {
    if (!recording(this, 'zero_', NONE)) return fill(this, 0)
    return inplace(this, 'zero_', NONE, (self) => apply(zeroOp, [self], NO_ATTRS), null)
  })
  define(proto, 'copy_', function (this: Tensor, src: unknown): Tensor {
    // Unrecorded, from another storage of the same shape (an optimizer writing new weights):
    // written straight in. The op's result is a copy, needed only when src shares memory
    // with this tensor (then writing through it as it is read could change it).
    if (src instanceof CoreTensor && src.storage !== this.storage && sameShape(src.shape, this.shape) && !recording(this, 'copy_', [src])) {
      checkWritable(this, 'copy_')
      write(this, src, 'copy_')
      return this
    }
    return inplace(this, 'copy_', [src], (self, [s]) => apply(copyOp, [self, s as Value], NO_ATTRS), null)
  })
}

const NONE: readonly unknown[] = Object.freeze([])
const NO_ATTRS = Object.freeze({})
const NEEDS_ONE: readonly boolean[] = Object.freeze([true])

function define(proto: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(proto, name, { value, writable: true, configurable: true })
}

/** `x ← compute(x, rest)` in place; `op` (when the method comes from one) enables the 0-dim fast path. */
function inplace(
  t: Tensor,
  name: string,
  rest: readonly unknown[],
  compute: (self: Tensor, rest: readonly unknown[]) => Value,
  op: Op | null,
): Tensor {
  if (recording(t, name, rest)) return t._view === null ? rebase(t, name, rest, compute) : rebaseView(t, t._view, name, rest, compute)
  if (op !== null && isScalarUpdate(t, op, rest)) {
    // 0-dim and numbers (an optimizer step on a scalar): no tensor is made.
    const data = t.storage.data
    const f = op.scalar as (...xs: number[]) => number
    data[t.offset] = rest.length === 0 ? f(data[t.offset]) : f(data[t.offset], scalarOf(rest[0]))
    bumpVersion(t.storage)
    return t
  }
  checkWritable(t, name)
  mode.plain++
  let result: Value
  try {
    result = compute(t, rest)
  } finally {
    mode.plain--
  }
  write(t, result, name)
  return t
}

/** Whether this in-place change goes on the tape; throws LEAF_INPLACE for a leaf that requires grad. */
function recording(t: Tensor, name: string, rest: readonly unknown[]): boolean {
  if (!mode.gradEnabled || mode.plain !== 0) return false
  const base = t._view === null ? t : t._view.base
  if (base._fn === null && base._acc !== null) {
    const what = base === t ? 'this tensor is a leaf that requires grad' : 'this tensor is a view of a leaf that requires grad'
    throw new AdError(
      'LEAF_INPLACE',
      `${name}: ${what} (shape [${base.shape.join(',')}]); changing it in place would leave its gradient meaningless. ` +
        'Update it inside noGrad(() => ...) as optimizers do, or change a copy (x.clone()) instead.',
    )
  }
  if (base.requiresGrad || t.requiresGrad) return true
  for (const a of rest) if (a instanceof Tensor && a.requiresGrad) return true
  return false
}

function isScalarUpdate(t: Tensor, op: Op, rest: readonly unknown[]): boolean {
  if (op.scalar === undefined || t.shape.length !== 0 || typeof op.arity !== 'number' || rest.length !== op.arity - 1) return false
  for (const a of rest) if (typeof a !== 'number' && !(a instanceof CoreTensor && a.shape.length === 0)) return false
  return true
}

/** Rebase of a tensor that is not a view: its old value (a copy) keeps its old place in the graph. */
function rebase(t: Tensor, name: string, rest: readonly unknown[], compute: (self: Tensor, rest: readonly unknown[]) => Value): Tensor {
  checkWritable(t, name)
  const old = snapshot(t)
  const result = compute(old, readBefore(rest, t, old))
  const before = t.storage.version
  write(t, result, name)
  handOver(t, old, before)
  if (result instanceof Tensor && result.gradFn !== null) adopt(t, result.gradFn)
  return t
}

/**
 * Rebase of a view: the base's new history is `base_old + Vᵀ(new − V base_old)` (exact for
 * views that do not overlap themselves), written with registry ops so it differentiates
 * again; the view's values are the op's result, written into the shared storage.
 */
function rebaseView(
  t: Tensor,
  view: View,
  name: string,
  rest: readonly unknown[],
  compute: (self: Tensor, rest: readonly unknown[]) => Value,
): Tensor {
  checkWritable(t, name)
  const base = view.base
  const steps = viewChain(view)
  const baseOld = snapshot(base)
  const values = applyChain(baseOld, steps)
  const before = values[values.length - 1] as Tensor
  const after = compute(before, readBefore(rest, t, before))
  checkResult(t, after, name)
  let delta: Value = sub(after, before)
  for (let k = steps.length - 1; k >= 0; k--) {
    const step = steps[k] as View
    const ctx = { args: [values[k] as Tensor], out: values[k + 1] as Tensor, attrs: step.attrs as never }
    delta = (step.op.vjp as NonNullable<Op['vjp']>)(ctx, delta, NEEDS_ONE)[0] as Value
  }
  const rebased = add(baseOld, delta) as Tensor
  const version = base.storage.version
  write(t, after, name)
  handOver(base, baseOld, version)
  if (rebased instanceof Tensor && rebased.gradFn !== null) adopt(base, rebased.gradFn)
  view.tracked = true
  refreshView(t)
  return t
}

/**
 * The other arguments, as the op must see them: t itself is its old value, and anything else
 * on t's storage (a view of it) is copied before t changes (recorded, so gradients flow).
 */
function readBefore(rest: readonly unknown[], t: Tensor, old: Tensor): unknown[] {
  return rest.map((a) => {
    if (a === t) return old
    if (a instanceof CoreTensor && a.storage === t.storage) return a instanceof Tensor ? a.clone() : CoreTensor.prototype.clone.call(a)
    return a
  })
}

/** A copy of t's values in its own storage that stands for t's old value in the graph. */
function snapshot(t: Tensor): Tensor {
  const copy = CoreTensor.prototype.clone.call(t)
  const old = new Tensor(copy.storage, copy.shape)
  old.gradFn = t.gradFn
  old._acc = t._acc
  return old
}

/**
 * The node that made t's old value now outputs the snapshot instead, so its rule reads the
 * old values; unless t had already changed since that node saved it (`versionBefore`, t's
 * version before this write, is newer than the node), which backward must still notice.
 */
function handOver(t: Tensor, old: Tensor, versionBefore: number): void {
  const previous = t.gradFn
  if (previous !== null && previous.out === t && versionBefore <= previous.epoch) previous.out = old
}

/**
 * t is now the output of `node`, recorded just before the write; everything it keeps was
 * read before it (see readBefore), so it counts as saved after the write.
 */
function adopt(t: Tensor, node: Node): void {
  node.out = t
  node.epoch = writes.epoch
  t.gradFn = node
  t._acc = null
}

function checkResult(t: Tensor, result: Value, name: string): asserts result is CoreTensor {
  if (!(result instanceof CoreTensor)) {
    throw new AdError('INVALID_ARGUMENT', `${name}: the arguments are tracked by another transform; in-place ops take plain or reverse tensors.`)
  }
  if (!sameShape(result.shape, t.shape)) {
    throw new AdError(
      'SHAPE_MISMATCH',
      `${name}: the result has shape [${result.shape.join(',')}] but the tensor changed in place has shape [${t.shape.join(',')}]; ` +
        'an in-place op cannot change its tensor\'s shape (the other arguments must broadcast to it).',
    )
  }
}

/** A tensor some of whose elements share memory (an expanded view) cannot be written element by element. */
function checkWritable(t: Tensor, name: string): void {
  for (let d = 0; d < t.shape.length; d++) {
    if (t.strides[d] === 0 && (t.shape[d] as number) > 1) {
      throw new AdError(
        'INVALID_ARGUMENT',
        `${name}: this tensor (shape [${t.shape.join(',')}]) is an expanded view whose elements share memory, so it cannot ` +
          'change in place; clone() it first.',
      )
    }
  }
}

/** Writes a result into t's storage (through its strides), casting to t's dtype; bumps the version. */
function write(t: Tensor, result: Value, name: string): void {
  checkResult(t, result, name)
  scatter(t, result.contiguousData())
  bumpVersion(t.storage)
}

/** Fills t with one value; bumps the version. */
function fill(t: Tensor, value: number): Tensor {
  checkWritable(t, 'fill')
  if (t.isContiguous) t.storage.data.fill(value, t.offset, t.offset + t.size)
  else scatter(t, null, value)
  bumpVersion(t.storage)
  return t
}

/** Writes `src` (row-major; or `value` everywhere when src is null) into t's elements. */
function scatter(t: CoreTensor, src: FloatArray | null, value = 0): void {
  const data = t.storage.data
  if (t.isContiguous && src !== null) {
    data.set(src, t.offset)
    return
  }
  const { shape, strides } = t
  const rank = shape.length
  if (t.size === 0) return
  if (rank === 0) {
    data[t.offset] = src === null ? value : (src[0] as number)
    return
  }
  const last = rank - 1
  const n = shape[last] as number
  const s = strides[last] as number
  const index = new Array<number>(rank).fill(0)
  let base = t.offset
  for (let o = 0; o < t.size; o += n) {
    for (let j = 0; j < n; j++) data[base + j * s] = src === null ? value : (src[o + j] as number)
    let d = last - 1
    while (d >= 0) {
      index[d]++
      base += strides[d] as number
      if ((index[d] as number) < (shape[d] as number)) break
      base -= (strides[d] as number) * (shape[d] as number)
      index[d] = 0
      d--
    }
  }
}
