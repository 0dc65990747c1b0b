import { type Op } from '@ad/core'
import { apply } from '@ad/core/internal'
import { mode } from '../engine/mode.js'
import type { Node } from '../engine/node.js'
import type { Tensor } from '../api/tensor.js'

/**
 * How a view was made from its base: the chain of one-input ops (reshape, slice, index,
 * transpose...) whose kernels returned the input's own storage. The interpreter notices such
 * ops generically (the output shares the input's storage) and never by name.
 *
 * Views share their base's storage and version counter. An in-place change of either is
 * then reflected in the graph as PyTorch does: changing a view rebases the base's history
 * (see inplace.ts), and a view whose storage changed since its gradFn was made gets a fresh
 * one, recomputed from the base (`refreshView`), the next time its history is read.
 */
export interface View {
  /** The tensor at the root of the chain: not itself a view. */
  readonly base: Tensor
  /** The view this one was made from, or null when made from the base directly. */
  readonly parent: View | null
  readonly op: Op
  readonly attrs: object
  /** Made while grad mode was on (or changed in place on the tape since): its history follows the base's. */
  tracked: boolean
  /** The storage version its gradFn reflects. */
  version: number
}

export function viewOf(src: Tensor, op: Op, attrs: object, out: Tensor): View {
  const parent = src._view
  return { base: parent === null ? src : parent.base, parent, op, attrs, tracked: mode.gradEnabled, version: out.storage.version }
}

/** The steps from the base to this view, first step first. */
export function viewChain(view: View): View[] {
  const steps: View[] = []
  for (let v: View | null = view; v !== null; v = v.parent) steps.push(v)
  return steps.reverse()
}

/** Applies the view steps to `base` (recorded when grad mode is on); every intermediate, `base` first. */
export function applyChain(base: Tensor, steps: readonly View[]): Tensor[] {
  const values: Tensor[] = [base]
  let cur = base
  for (const step of steps) {
    cur = apply(step.op, [cur], step.attrs) as Tensor
    values.push(cur)
  }
  return values
}

/**
 * Gives a view whose storage changed since its history was made (an in-place change of its
 * base or of another view of it) a fresh gradFn: the view steps applied to the base's
 * current history. Views made in noGrad, or of a base that does not require grad, keep theirs.
 */
export function refreshView(t: Tensor): void {
  const view = t._view as View
  const version = t.storage.version
  if (view.version === version) return
  view.version = version
  const base = view.base
  if (!view.tracked || !base.requiresGrad) return
  const node = withRecording(() => {
    const values = applyChain(base, viewChain(view))
    return (values[values.length - 1] as Tensor).gradFn as Node
  })
  node.out = t
  t.gradFn = node
}

/** Runs `fn` recording ops, whatever the current mode (restored after). */
export function withRecording<T>(fn: () => T): T {
  const { plain, gradEnabled } = mode
  mode.plain = 0
  mode.gradEnabled = true
  try {
    return fn()
  } finally {
    mode.plain = plain
    mode.gradEnabled = gradEnabled
  }
}
