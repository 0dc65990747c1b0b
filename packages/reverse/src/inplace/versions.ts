import type { Storage } from '@ad/core'

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
