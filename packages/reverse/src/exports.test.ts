import { describe, expect, it } from 'vitest'
import { listOps } from '@ad/core/internal'
import * as m from './index.js'

describe('the module', () => {
  it('exports a free function for every registered op but the internal helper ops, returning reverse tensors', () => {
    const exports = m as unknown as Record<string, unknown>
    for (const op of listOps()) expect(typeof exports[op.name], op.name).toBe(op.internal ? 'undefined' : 'function')
    const x = m.tensor([1, 2], { requiresGrad: true })
    const y = m.tanh(m.mul(x, 2))
    expect(y).toBeInstanceOf(m.Tensor)
    expect(y.requiresGrad).toBe(true)
  })

  it('exports the reverse creation functions, not core ones', () => {
    expect(m.tensor(1)).toBeInstanceOf(m.Tensor)
    expect(m.zeros([1])).toBeInstanceOf(m.Tensor)
    for (const t of [m.eye(2), m.linspace(0, 1, 3), m.zerosLike(m.tensor([1, 2])), m.onesLike(m.tensor(1))]) expect(t).toBeInstanceOf(m.Tensor)
    const leaf = m.zerosLike(m.tensor([[1, 2]], { dtype: 'float32' }), { requiresGrad: true })
    expect([leaf.shape, leaf.dtype, leaf.requiresGrad, leaf.isLeaf]).toEqual([[1, 2], 'float32', true, true])
    expect(typeof m.AdError).toBe('function')
    expect(typeof m.manualSeed).toBe('function')
  })

  it('a function written against the module runs on plain values too', () => {
    const f = (mod: typeof m) => (x: m.Tensor) => mod.tanh(mod.mul(x, 2))
    expect((f(m)(m.tensor(0.5)) as m.Tensor).item()).toBeCloseTo(Math.tanh(1), 12)
  })
})
