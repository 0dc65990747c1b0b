import { AdError, describeValue, Tensor, type Storage } from '@ad/core'

/**
 * Version stamps. Every in-place write sets its storage's `version` (shared by the storage's
 * views) to a fresh value of one global counter, so versions only grow, and a tensor was
 * written after a node saved it exactly when its version exceeds the counter's value when
 * the node was recorded (`Node.epoch`). A node thus remembers one number however many
 * tensors it keeps, and when nothing at all was written since it was recorded (the usual
 * case) backward checks nothing else.
 */
export const writes = { epoch: 0 }

/** Marks a storage as written. */
export function bumpVersion(storage: Storage): void {
  storage.version = ++writes.epoch
}

/**
 * Marks `t` as changed in place, as PyTorch's `torch.autograd.graph.increment_version`: for
 * code that writes into a tensor's storage itself (an optimizer's update loop over
 * `contiguousData()`), so that autograd treats the write as it treats `add_`: a node that
 * saved `t` (or a view of its storage) before then refuses to use it (`MODIFIED_AFTER_SAVE`),
 * and views of it see fresh history.
 */
export function incrementVersion(t: Tensor): void {
  if (!(t instanceof Tensor)) throw new AdError('INVALID_ARGUMENT', `incrementVersion: expected a tensor, got ${describeValue(t)}.`)
  bumpVersion(t.storage)
}
