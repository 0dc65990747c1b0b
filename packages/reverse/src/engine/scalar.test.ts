import { describe, expect, it } from 'vitest'
import { autograd, noGrad, tensor, type Tensor } from '../index.js'

// The 0-dim path of scalar code (W1): results of elementwise ops on 0-dim tensors hold their
// value as a number until something needs their storage, and backward runs their rules on
// numbers. These check that it behaves as any other tensor would.

const code = (c: string) => expect.objectContaining({ code: c })

describe('0-dim scalar results', () => {
  it('read as tensors of their dtype; the storage, once made, holds the value and stays the same', () => {
    const x = tensor(1.5, { requiresGrad: true })
    const y = x.mul(2)
    expect(y.item()).toBe(3)
    expect(y.dtype).toBe('float64')
    expect(y.shape).toEqual([])
    const storage = y.storage
    expect(storage.data[y.offset]).toBe(3)
    expect(y.storage).toBe(storage)
    expect(y.item()).toBe(3)
    expect(y.tolist()).toBe(3)
    // float32 stays float32 (numbers are weak); a float64 tensor promotes.
    const h = tensor(1.5, { dtype: 'float32', requiresGrad: true })
    expect(h.mul(0.1).dtype).toBe('float32')
    expect(h.mul(0.1).item()).toBe(Math.fround(Math.fround(1.5) * 0.1))
    expect(h.mul(y).dtype).toBe('float64')
  })

  it('have their own version counter: writing one never marks another as changed', () => {
    const x = tensor(2, { requiresGrad: true })
    const a = x.mul(2)
    const b = x.mul(3)
    const z = b.mul(b)
    void a.storage // a's storage is made (next to others' in a shared array)
    noGrad(() => a.add_(1))
    expect(a.item()).toBe(5)
    z.backward()
    expect(x.grad!.item()).toBe(2 * 6 * 3)
  })

  it('changed in place after being saved: backward throws MODIFIED_AFTER_SAVE', () => {
    const x = tensor(2, { requiresGrad: true })
    const y = x.mul(3)
    const z = y.mul(y)
    noGrad(() => y.add_(1))
    expect(y.item()).toBe(7)
    expect(() => z.backward()).toThrow(code('MODIFIED_AFTER_SAVE'))
  })

  it('share their storage with views and detached copies', () => {
    const x = tensor(2, { requiresGrad: true })
    const y = x.mul(3)
    const d = y.detach()
    const v = y.reshape([1])
    noGrad(() => d.add_(1))
    expect(y.item()).toBe(7)
    expect(v.tolist()).toEqual([7])
    expect(v.storage).toBe(y.storage)
  })

  it('give the gradients of the hand-written formula (the Rosenbrock of W1)', () => {
    const values = [0.3, -1.2, 0.8, 2]
    const xs = values.map((v) => tensor(v, { requiresGrad: true }))
    let f: Tensor | null = null
    for (let i = 0; i < xs.length - 1; i++) {
      const xi = xs[i] as Tensor
      const t = (xs[i + 1] as Tensor).sub(xi.square()).square().mul(100).add(tensor(1).sub(xi).square())
      f = f === null ? t : f.add(t)
    }
    f!.backward()
    const expected = values.map(() => 0)
    for (let i = 0; i < values.length - 1; i++) {
      const [a, b] = [values[i] as number, values[i + 1] as number]
      expected[i]! += -400 * (b - a * a) * a - 2 * (1 - a)
      expected[i + 1]! += 200 * (b - a * a)
    }
    xs.forEach((x, i) => expect(x.grad!.item()).toBeCloseTo(expected[i] as number, 12))
  })

  it('differentiate again with createGraph (the rules run on taped tensors then)', () => {
    const x = tensor(0.7, { requiresGrad: true })
    const y = x.mul(x).mul(x).sin() // sin(x³)
    const [g] = autograd.grad(y, x, { createGraph: true })
    expect(g!.item()).toBeCloseTo(3 * 0.49 * Math.cos(0.343), 14)
    const [h] = autograd.grad(g!, x)
    const expected = 6 * 0.7 * Math.cos(0.343) - 9 * 0.7 ** 4 * Math.sin(0.343)
    expect(h!.item()).toBeCloseTo(expected, 12)
  })
})
