import { add, AdError, full, sameShape, Tensor as CoreTensor, type Value } from '@ad/core'
import { Tensor } from '../api/tensor.js'
import { scalarTensor, wrap } from '../api/wrap.js'

/** The sum of two cotangents (numbers add directly; recorded when the pass is). */
export function accumulate(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return a + b
  return add(a, b)
}

/**
 * Adds a gradient into `t.grad`, as a reverse tensor of `t`'s dtype. It writes the field
 * behind the `grad` accessor: `gradTensor` already gives the shape and dtype the setter checks.
 */
export function deposit(t: Tensor, g: Value, createGraph: boolean, fresh: FreshStorages | null): void {
  let v = gradTensor(g, t)
  const old = t._grad
  if (old === null) {
    // A gradient may be the very storage of a cotangent the caller passed, or of another
    // leaf's gradient (add passes its cotangent to both inputs): copy those, so every
    // `.grad` owns its storage (in-place updates of one never change another). A number
    // became a fresh tensor just now.
    if (!createGraph && fresh !== null && typeof g !== 'number' && !fresh.claim(v)) v = wrap(v.clone())
    t._grad = v
  } else {
    t._grad = gradTensor(accumulate(old, v), t)
  }
}

/** A value as a reverse tensor with `like`'s shape and dtype (graphs and all, when recorded). */
export function gradTensor(g: Value, like: CoreTensor): Tensor {
  if (typeof g === 'number') return like.shape.length === 0 ? scalarTensor(g, like.dtype) : wrap(full(like.shape, g, { dtype: like.dtype }))
  const t = g as CoreTensor
  if (!sameShape(t.shape, like.shape)) {
    throw new AdError(
      'SHAPE_MISMATCH',
      `backward: a gradient of shape [${t.shape.join(',')}] arrived for a tensor of shape [${like.shape.join(',')}]; a VJP rule returned the wrong shape.`,
    )
  }
  if (t instanceof Tensor && (t.requiresGrad || t.dtype === like.dtype)) return t
  return wrap(t.dtype === like.dtype ? t : t.to(like.dtype))
}

/** Storages already handed out as a `.grad` (or passed in as cotangents) during one pass. */
export class FreshStorages {
  private seen: Set<object> | null = null

  constructor(seeds: readonly Value[]) {
    for (const s of seeds) this.claim(s)
  }

  /** Records a tensor's storage; false if it was already taken. Numbers own nothing. */
  claim(v: Value): boolean {
    if (!(v instanceof CoreTensor)) return true
    this.seen ??= new Set()
    if (this.seen.has(v.storage)) return false
    this.seen.add(v.storage)
    return true
  }
}
