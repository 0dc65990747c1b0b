import { describe, expect, it } from 'vitest'
import { AdError } from '@ad/core'
import { autograd, tensor } from '../index.js'

// PyTorch frees the saved tensors of a graph after backward without retain_graph; a node that
// saved none (AddBackward0, SumBackward0, ViewBackward0, MulBackward1 of a tensor times a
// number) runs again, and backward through it accumulates: test_autograd.py's
// test_backward_twice_without_saved_values.
const code = (c: string) => expect.objectContaining({ code: c })

describe('backward twice after the graph was freed', () => {
  it('works through nodes whose rules read no saved value, and accumulates', () => {
    const a = tensor([1, 2], { requiresGrad: true })
    const c = a.add(1).sum()
    c.backward()
    c.backward()
    expect(a.grad!.tolist()).toEqual([2, 2])
    expect(c.gradFn!.freed).toBe(true)
    expect(c.gradFn!.saved).toEqual([])
  })

  it('on scalars, through a product with a number, in float32 too', () => {
    for (const dtype of ['float64', 'float32'] as const) {
      const s = tensor(3, { requiresGrad: true, dtype })
      const d = s.add(1).mul(2)
      d.backward()
      d.backward()
      expect(s.grad!.item()).toBe(4)
      expect(s.grad!.dtype).toBe(dtype)
    }
  })

  it('through views and shape ops', () => {
    const a = tensor([[1, 2, 3]], { requiresGrad: true })
    const c = a.reshape([3, 1]).transpose(0, 1).expand([2, 3]).mean()
    c.backward()
    c.backward()
    expect(a.grad!.tolist()).toEqual([[2 / 3, 2 / 3, 2 / 3]])
  })

  it('autograd.grad too, which returns the gradient again', () => {
    const a = tensor([1, 2], { requiresGrad: true })
    const c = a.sub(5).sum()
    expect(autograd.grad(c, [a])[0]!.tolist()).toEqual([1, 1])
    expect(autograd.grad(c, [a])[0]!.tolist()).toEqual([1, 1])
  })

  it('still throws GRAPH_FREED, naming the node, where a freed value is needed; nothing changes', () => {
    const a = tensor([1, 2], { requiresGrad: true })
    const c = a.mul(a).sum()
    c.backward()
    expect(() => c.backward()).toThrow(code('GRAPH_FREED'))
    expect(() => c.backward()).toThrow(/MulBackward/)
    expect(a.grad!.tolist()).toEqual([2, 4]) // the failed passes added nothing
    const s = tensor(2, { requiresGrad: true })
    const e = s.mul(s) // scalar code
    e.backward()
    expect(() => e.backward()).toThrow(code('GRAPH_FREED'))
    const y = a.exp().sum() // saves its result
    y.backward()
    let thrown: unknown
    try {
      autograd.grad(y, [a])
    } catch (err) {
      thrown = err
    }
    expect(thrown).toBeInstanceOf(AdError)
    expect((thrown as AdError).message).toMatch(/ExpBackward.*retainGraph/)
  })
})
