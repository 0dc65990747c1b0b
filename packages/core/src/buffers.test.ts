import { describe, expect, it } from 'vitest'
import { closePool, issuedSince, openPool, poolMark, POOLED_MIN_ELEMENTS, recycle } from './buffers.js'
import { allocate, allocateUnset } from './dtype.js'

const N = POOLED_MIN_ELEMENTS

describe('the buffer pool', () => {
  it('hands a recycled buffer out again within a scope, zeroed by allocate', () => {
    openPool()
    try {
      const a = allocateUnset('float64', 2 * N)
      a.fill(7)
      recycle(a)
      const b = allocate('float64', 2 * N - 3) // a few elements less: the same rounded buffer
      expect(b.buffer === a.buffer).toBe(true)
      expect(b.length).toBe(2 * N - 3)
      expect(b.every((v) => v === 0)).toBe(true)
      recycle(b)
      const c = allocateUnset('float32', 4 * N) // the same bytes serve the other dtype
      expect(c.buffer === a.buffer).toBe(true)
    } finally {
      closePool()
    }
  })

  it('keeps nothing outside a scope, nor once the job that closed the outermost scope ends', async () => {
    const outside = allocate('float64', N)
    recycle(outside)
    expect(allocate('float64', N).buffer).not.toBe(outside.buffer)
    openPool()
    openPool()
    const a = allocate('float64', N)
    recycle(a)
    closePool() // the inner scope: the outer one still pools
    expect(allocate('float64', N).buffer).toBe(a.buffer)
    const b = allocate('float64', N)
    recycle(b)
    closePool()
    await Promise.resolve() // the job ends: the free buffers go
    openPool()
    try {
      expect(allocate('float64', N).buffer).not.toBe(b.buffer)
    } finally {
      closePool()
    }
  })

  it('hands dead buffers to allocations after the scope until the job ends, unstamped', async () => {
    openPool()
    const a = allocateUnset('float64', N)
    const b = allocateUnset('float64', N)
    a.fill(5)
    recycle(a)
    closePool()
    // Outside the scope (the next forward pass of a synchronous loop), zeroed by allocate.
    const c = allocate('float64', N)
    expect(c.buffer).toBe(a.buffer)
    expect(c.every((v) => v === 0)).toBe(true)
    // User code holds c now: a later scope never takes it for its own, even if asked to.
    openPool()
    try {
      expect(issuedSince(c, -1)).toBe(false)
      recycle(c)
      expect(allocate('float64', N).buffer).not.toBe(c.buffer)
      expect(allocate('float64', N).buffer).not.toBe(b.buffer) // never recycled: still b's
    } finally {
      closePool()
    }
    await Promise.resolve()
    expect(allocate('float64', N).buffer).not.toBe(a.buffer)
  })

  it('ignores buffers it did not make and small ones, and stamps what it makes', () => {
    openPool()
    try {
      const foreign = new Float64Array(N)
      recycle(foreign)
      expect(allocate('float64', N).buffer).not.toBe(foreign.buffer)
      const small = allocate('float64', 4)
      recycle(small)
      expect(allocate('float64', 4).buffer).not.toBe(small.buffer)
      const mark = poolMark()
      const later = allocate('float64', N)
      expect(issuedSince(later, mark)).toBe(true)
      expect(issuedSince(later, poolMark())).toBe(false)
      expect(issuedSince(foreign, mark)).toBe(false)
    } finally {
      closePool()
    }
  })
})
