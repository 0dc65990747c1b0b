import { Tensor as CoreTensor, type Value } from '@ad/core'
import { issuedSince, POOLED_MIN_ELEMENTS, recycle } from '@ad/core/internal'

/**
 * The large cotangents of one backward pass that is not recorded, each with how many
 * places of the pass hold it (a node's pending cotangent; aliases such as `add` passing
 * its cotangent to both inputs, or a view, count by buffer). Only buffers the pass's own
 * rules made are counted (core's pool stamps them, see buffers.ts): the seeds, saved
 * tensors and anything from user code are never touched. When a count falls to zero the
 * buffer is dead and goes back to core's pool, where the next rule's kernel takes it
 * instead of a fresh allocation. A cotangent shown to user code (a hook, a `.grad`, the
 * result of `autograd.grad`) escapes: it is forgotten and never recycled.
 */
export class Cotangents {
  private readonly holds = new Map<ArrayBuffer, number>()

  /** `c` is now held by one more place; counted if it is already counted or made by a rule since `mark`. */
  hold(c: Value, mark: number): void {
    const data = large(c)
    if (data === null) return
    const buffer = data.buffer as ArrayBuffer
    const n = this.holds.get(buffer)
    if (n !== undefined) this.holds.set(buffer, n + 1)
    else if (issuedSince(data, mark)) this.holds.set(buffer, 1)
  }

  /** One place let `c` go (consumed by a rule, or summed into another cotangent). */
  release(c: Value): void {
    const data = large(c)
    if (data === null) return
    const buffer = data.buffer as ArrayBuffer
    const n = this.holds.get(buffer)
    if (n === undefined) return
    if (n > 1) this.holds.set(buffer, n - 1)
    else {
      this.holds.delete(buffer)
      recycle(data)
    }
  }

  /** User code sees `c`: it may keep it, so it is never recycled. */
  escape(c: Value): void {
    const data = large(c)
    if (data !== null) this.holds.delete(data.buffer as ArrayBuffer)
  }
}

/** The buffer of a cotangent large enough for the pool to take (0-dim results keep no storage to ask for). */
function large(c: Value): CoreTensor['storage']['data'] | null {
  return c instanceof CoreTensor && c.size >= POOLED_MIN_ELEMENTS ? c.storage.data : null
}
