import { describe, expect, it } from 'vitest'
import { AdError, Tensor as CoreTensor } from '@ad/core'
import { arange, full, noGrad, enableGrad, ones, rand, randn, manualSeed, tensor, Tensor, zeros } from '../index.js'


describe('reverse tensors', () => {
  it('are core tensors sharing the same storage layout', () => {
    const x = tensor([[1, 2], [3, 4]])
    expect(x).toBeInstanceOf(Tensor)
    expect(x).toBeInstanceOf(CoreTensor)
    expect(x.shape).toEqual([2, 2])
    expect(x.tolist()).toEqual([[1, 2], [3, 4]])
    expect(tensor(3).item()).toBe(3)
    expect(tensor(3).tolist()).toBe(3)
  })

  it('start as leaves that do not require grad', () => {
    const x = tensor(3)
    expect(x.requiresGrad).toBe(false)
    expect(x.isLeaf).toBe(true)
    expect(x.gradFn).toBeNull()
    expect(x.grad).toBeNull()
    expect(tensor(3, { requiresGrad: true }).requiresGrad).toBe(true)
  })

  it('record a gradFn named after the op, and results are not leaves', () => {
    const x = tensor(3, { requiresGrad: true })
    const y = x.mul(2)
    expect(y.requiresGrad).toBe(true)
    expect(y.isLeaf).toBe(false)
    expect(y.gradFn?.name).toBe('MulBackward')
    expect(x.pow(2).add(1).gradFn?.name).toBe('AddBackward')
    const next = y.gradFn!.next
    expect(next).toHaveLength(2)
    expect(next[0]?.name).toBe('AccumulateGrad')
    expect(next[1]).toBeNull()
  })

  it('do not record when no input requires grad, nor under noGrad', () => {
    const x = tensor(3)
    expect(x.mul(2).requiresGrad).toBe(false)
    const w = tensor(3, { requiresGrad: true })
    const y = noGrad(() => w.mul(2))
    expect(y.requiresGrad).toBe(false)
    expect(y.gradFn).toBeNull()
    expect(y).toBeInstanceOf(Tensor)
    expect(noGrad(() => enableGrad(() => w.mul(2))).requiresGrad).toBe(true)
    expect(w.mul(2).requiresGrad).toBe(true) // the mode is restored
  })

  it('restore grad mode when the function throws', () => {
    const w = tensor(3, { requiresGrad: true })
    expect(() =>
      noGrad(() => {
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(w.mul(2).requiresGrad).toBe(true)
  })

  it('never require grad after a non-differentiable op', () => {
    const x = tensor([1, -2, 3], { requiresGrad: true })
    const mask = x.gt(0)
    expect(mask.requiresGrad).toBe(false)
    expect(mask.gradFn).toBeNull()
    expect(x.sign().requiresGrad).toBe(false)
  })

  it('detach shares storage and drops history', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.mul(2)
    const d = y.detach()
    expect(d.requiresGrad).toBe(false)
    expect(d.isLeaf).toBe(true)
    expect(d.storage).toBe(y.storage)
    expect(d.mul(3).requiresGrad).toBe(false)
  })

  it('requiresGrad_ switches leaves in place and refuses to detach a non-leaf', () => {
    const x = tensor(2)
    expect(x.requiresGrad_()).toBe(x)
    expect(x.requiresGrad).toBe(true)
    x.requiresGrad_(false)
    expect(x.mul(2).requiresGrad).toBe(false)
    x.requiresGrad = true
    expect(x.mul(2).requiresGrad).toBe(true)
    const y = x.mul(2)
    expect(y.requiresGrad_(true)).toBe(y)
    expect(() => y.requiresGrad_(false)).toThrow(AdError)
  })

  it('every op is a method returning reverse tensors', () => {
    const x = tensor([[1, 2], [3, 4]], { requiresGrad: true })
    const y = x.sum([1], true).exp().reshape([2]).index(0)
    expect(y).toBeInstanceOf(Tensor)
    expect(y.requiresGrad).toBe(true)
    expect(y.shape).toEqual([])
  })

  it('keeps float32 through ops and gradients', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true })
    const y = x.mul(3).add(1).sin().sum()
    expect(y.dtype).toBe('float32')
    y.backward()
    expect(x.grad!.dtype).toBe('float32')
    const s = tensor(0.1, { dtype: 'float32', requiresGrad: true })
    const t = s.mul(s).mul(3)
    expect(t.dtype).toBe('float32')
    expect(t.item()).toBe(Math.fround(Math.fround(Math.fround(0.1) * Math.fround(0.1)) * 3))
    t.backward()
    expect(s.grad!.dtype).toBe('float32')
    expect(s.grad!.item()).toBeCloseTo(0.6, 6)
  })

  it('a float64 cotangent still gives a float32 leaf a float32 gradient', () => {
    const x = tensor([1, 2], { dtype: 'float32', requiresGrad: true })
    x.mul(2).backward(tensor([1, 1]))
    expect(x.grad!.dtype).toBe('float32')
    expect(x.grad!.tolist()).toEqual([2, 2])
  })

  it('mixing float32 with float64 gives float64; numbers never promote', () => {
    const a = tensor(1, { dtype: 'float32' })
    expect(a.add(tensor(1)).dtype).toBe('float64')
    expect(a.add(2).dtype).toBe('float32')
  })
})

describe('creation', () => {
  it('makes reverse leaves with the requiresGrad option', () => {
    for (const t of [zeros([2]), ones([2]), full([2], 7), arange(3), arange(1, 4), rand([2]), randn([2])]) {
      expect(t).toBeInstanceOf(Tensor)
      expect(t.requiresGrad).toBe(false)
    }
    expect(zeros([2], { requiresGrad: true }).requiresGrad).toBe(true)
    expect(arange(0, 3, 1, { dtype: 'float32' }).dtype).toBe('float32')
    expect(arange(3, { requiresGrad: true }).requiresGrad).toBe(true)
    expect(full([2], 7).tolist()).toEqual([7, 7])
  })

  it('manualSeed makes rand and randn repeat', () => {
    manualSeed(3)
    const a = [rand([3]).tolist(), randn([2]).tolist()]
    manualSeed(3)
    expect([rand([3]).tolist(), randn([2]).tolist()]).toEqual(a)
  })

  it('tensor([a, b]) takes the values of tensors but not their history', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y1 = x.index(0).pow(2).mul(2).add(x.index(1))
    const y2 = x.index(0).mul(3).add(x.index(1).pow(3).mul(4))
    const y = tensor([y1, y2])
    expect(y.tolist()).toEqual([4, 35])
    expect(y.requiresGrad).toBe(false)
    expect(() => y.backward(ones([2]))).toThrow(expect.objectContaining({ code: 'NO_GRAD' }))
  })

  it('rejects ragged data', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
