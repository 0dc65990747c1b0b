import { afterEach, describe, expect, it, vi } from 'vitest'
import { autograd, detectAnomaly, grad, tensor, type Tensor } from '../index.js'
import { resetNonLeafGradWarning } from '../api/tensor.js'

const code = (c: string) => expect.objectContaining({ code: c })

describe('registerHook', () => {
  it('reads the gradient of a leaf before it is accumulated, and of a non-leaf as it passes', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.mul(3)
    const seen: number[][] = []
    x.registerHook((g) => void seen.push(g.tolist() as number[]))
    y.registerHook((g) => void seen.push(g.tolist() as number[]))
    y.mul(tensor([10, 100])).sum().backward()
    expect(seen).toEqual([[10, 100], [30, 300]]) // y's first (it runs first), then x's
    expect(x.grad!.tolist()).toEqual([30, 300])
  })

  it('can replace a gradient: a non-leaf\'s replacement flows on, a leaf\'s is what accumulates', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.mul(3)
    y.registerHook((g) => g.mul(2))
    y.sum().backward()
    expect(x.grad!.tolist()).toEqual([6, 6])
    x.grad = null
    const h = x.registerHook((g) => g.neg())
    x.mul(3).sum().backward()
    expect(x.grad!.tolist()).toEqual([-3, -3])
    h.remove()
    x.mul(3).sum().backward()
    expect(x.grad!.tolist()).toEqual([0, 0]) // -3 + 3
  })

  it('sees the total gradient of a tensor used twice, once', () => {
    const x = tensor(2, { requiresGrad: true })
    const calls: number[] = []
    x.registerHook((g) => void calls.push(g.item()))
    x.mul(x).add(x).backward() // 2x + 1
    expect(calls).toEqual([5])
  })

  it('runs in autograd.grad and transforms too, for the requested inputs', () => {
    const x = tensor(3, { requiresGrad: true })
    x.registerHook((g) => g.mul(10))
    expect(autograd.grad(x.pow(2), [x])[0]!.item()).toBe(60)
    expect(x.grad).toBeNull()
  })

  it('a replacement must keep the shape; the tensor must require grad', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    x.mul(1).registerHook(() => tensor([1, 2, 3]))
    const y = x.mul(1)
    y.registerHook(() => tensor([1, 2, 3]))
    expect(() => y.sum().backward()).toThrow(code('SHAPE_MISMATCH'))
    expect(() => tensor(1).registerHook(() => undefined)).toThrow(code('INVALID_ARGUMENT'))
  })

  it('with createGraph, a hook\'s arithmetic is recorded', () => {
    const x = tensor(2, { requiresGrad: true })
    const y = x.pow(2)
    y.registerHook((g) => g.mul(x)) // dy scaled by x: the gradient becomes x · 2x
    const [g] = autograd.grad(y, [x], { createGraph: true })
    expect(g!.item()).toBe(8)
    expect(autograd.grad(g!, [x])[0]!.item()).toBe(8) // d/dx 2x² = 4x
  })
})

describe('retainGrad and the non-leaf .grad warning', () => {
  afterEach(() => vi.restoreAllMocks())

  it('.grad of a non-leaf stays null and reading it warns once per process', () => {
    resetNonLeafGradWarning()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.mul(2)
    const z = x.mul(3)
    y.add(z).sum().backward()
    expect(x.grad).not.toBeNull() // a leaf: no warning
    expect(warn).not.toHaveBeenCalled()
    expect(y.grad).toBeNull()
    expect(warn).toHaveBeenCalledTimes(1)
    expect(String(warn.mock.calls[0]![0])).toMatch(/not a leaf.*retainGrad/)
    expect(z.grad).toBeNull()
    expect(warn).toHaveBeenCalledTimes(1) // once
  })

  it('retainGrad() keeps a non-leaf\'s gradient, without a warning', () => {
    resetNonLeafGradWarning()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.mul(2)
    y.retainGrad()
    y.pow(2).sum().backward()
    expect(y.grad!.tolist()).toEqual([4, 8])
    expect(warn).not.toHaveBeenCalled()
    expect(() => tensor(1).retainGrad()).toThrow(code('INVALID_ARGUMENT'))
  })
})

describe('detectAnomaly', () => {
  it('raises NAN_GRADIENT naming the op whose backward first produced a NaN, and where it was called', () => {
    // sqrt at 0 has an infinite derivative; times 0 it is NaN: SqrtBackward makes the NaN.
    const x = tensor([0, 1], { requiresGrad: true })
    let error: unknown
    detectAnomaly(() => {
      const y = x.sqrt().mul(tensor([0, 1])) // forward op created inside: its place is known
      try {
        y.sum().backward()
      } catch (e) {
        error = e
      }
    })
    expect(error).toEqual(code('NAN_GRADIENT'))
    const message = (error as Error).message
    expect(message).toMatch(/^SqrtBackward produced NaN/)
    expect(message).toMatch(/hooks\.test\.ts/) // the forward call site
  })

  it('without it, the NaN reaches .grad silently (as in PyTorch)', () => {
    const x = tensor([0, 1], { requiresGrad: true })
    x.sqrt().mul(tensor([0, 1])).sum().backward()
    expect(Number.isNaN((x.grad!.tolist() as number[])[0])).toBe(true)
  })

  it('checks transforms too, and returns fn\'s result; nesting restores the mode', () => {
    expect(detectAnomaly(() => 42)).toBe(42)
    expect(() => detectAnomaly(() => grad((v: Tensor) => v.log().mul(0))(tensor(0)))).toThrow(code('NAN_GRADIENT'))
    expect(() => detectAnomaly(() => detectAnomaly(() => grad((v: Tensor) => v.sqrt())(tensor(4))))).not.toThrow()
    // Off again: no check.
    expect(Number.isNaN((grad((v: Tensor) => v.log().mul(0))(tensor(0)) as Tensor).item())).toBe(true)
  })
})
