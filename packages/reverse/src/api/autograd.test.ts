import { describe, expect, it } from 'vitest'
import { autograd, tensor } from '../index.js'

const code = (c: string) => expect.objectContaining({ code: c })

describe('autograd.grad', () => {
  it('returns gradients and leaves .grad untouched', () => {
    const x = tensor(3, { requiresGrad: true })
    const y = tensor(2, { requiresGrad: true })
    const t = x.pow(2).add(y.pow(2)).mul(2)
    const [gx, gy] = autograd.grad(t, [x, y])
    expect(gx!.item()).toBe(12)
    expect(gy!.item()).toBe(8)
    expect(x.grad).toBeNull()
    expect(y.grad).toBeNull()
    expect(gx!.requiresGrad).toBe(false)
  })

  it('takes gradOutputs for non-scalar outputs, and several outputs at once', () => {
    const a = tensor([1, 2], { requiresGrad: true })
    const [g] = autograd.grad(a.mul(a), a, { gradOutputs: tensor([1, 10]) })
    expect(g!.tolist()).toEqual([2, 40])
    const [h] = autograd.grad([a.sum(), a.mul(3)], [a], { gradOutputs: [null, tensor([1, 1])] })
    expect(h!.tolist()).toEqual([4, 4])
    expect(() => autograd.grad(a.mul(2), [a])).toThrow(code('NON_SCALAR_BACKWARD'))
  })

  it('gradients with respect to an intermediate tensor', () => {
    const x = tensor(2, { requiresGrad: true })
    const h = x.mul(3)
    const y = h.pow(2).add(x)
    const [gh, gx] = autograd.grad(y, [h, x])
    expect(gh!.item()).toBe(12)
    expect(gx!.item()).toBe(2 * 6 * 3 + 1)
  })

  it('an input the outputs do not use is an error unless allowUnused', () => {
    const x = tensor(2, { requiresGrad: true })
    const z = tensor(5, { requiresGrad: true })
    const y = x.mul(3)
    expect(() => autograd.grad(y, [x, z], { retainGraph: true })).toThrow(code('INVALID_ARGUMENT'))
    const [gx, gz] = autograd.grad(y, [x, z], { allowUnused: true })
    expect(gx!.item()).toBe(3)
    expect(gz).toBeNull()
  })

  it('inputs and outputs must require grad', () => {
    const x = tensor(2, { requiresGrad: true })
    expect(() => autograd.grad(x.mul(2), [tensor(1)])).toThrow(code('NO_GRAD'))
    expect(() => autograd.grad(tensor(1).mul(2), [x])).toThrow(code('NO_GRAD'))
  })

  it('frees the graph unless retainGraph', () => {
    const x = tensor(2, { requiresGrad: true })
    const y = x.exp()
    autograd.grad(y, [x], { retainGraph: true })
    autograd.grad(y, [x])
    expect(() => autograd.grad(y, [x])).toThrow(code('GRAPH_FREED'))
  })

  it('createGraph gives differentiable gradients (second derivatives)', () => {
    const x = tensor(1.5, { requiresGrad: true })
    const y = x.sin().mul(x)
    const [g] = autograd.grad(y, [x], { createGraph: true })
    expect(g!.item()).toBeCloseTo(Math.sin(1.5) + 1.5 * Math.cos(1.5), 12)
    expect(g!.requiresGrad).toBe(true)
    const [h] = autograd.grad(g!, [x])
    expect(h!.item()).toBeCloseTo(2 * Math.cos(1.5) - 1.5 * Math.sin(1.5), 12)
    expect(x.grad).toBeNull()
  })

  it('third derivative through repeated createGraph', () => {
    const x = tensor(2, { requiresGrad: true })
    const y = x.pow(4)
    const [d1] = autograd.grad(y, [x], { createGraph: true })
    const [d2] = autograd.grad(d1!, [x], { createGraph: true })
    const [d3] = autograd.grad(d2!, [x])
    expect([d1!.item(), d2!.item(), d3!.item()]).toEqual([32, 48, 48])
  })

  it('only runs the part of the graph that leads to the inputs', () => {
    const x = tensor(2, { requiresGrad: true })
    const w = tensor(3, { requiresGrad: true })
    const branch = w.exp()
    branch.backward(undefined) // frees the w branch
    const y = x.mul(2).add(branch)
    // The freed branch does not lead to x, so it is never entered.
    expect(autograd.grad(y, [x])[0]!.item()).toBe(2)
  })
})
