import { describe, expect, it } from 'vitest'
import { codeOf, list } from '../testing/helpers.js'
import { AdError, clamp, tensor, where, type Tensor } from '../index.js'
import { getOp } from '../internal.js'

function vjp(name: string, args: Tensor[], attrs: object, g: Tensor, needs = args.map(() => true)): (Tensor | null)[] {
  const op = getOp(name)
  const parsed = op.parseAttrs(attrs)
  const out = op.primal(args, parsed, op.shape(args.map((a) => a.shape), parsed))
  return op.vjp!({ args, out, attrs: parsed }, g, needs) as (Tensor | null)[]
}

describe('where', () => {
  it('picks a where the condition is non-zero, broadcasting all three', () => {
    expect(list(where(tensor([1, 0, 2]), tensor([1, 2, 3]), tensor([10, 20, 30])))).toEqual([1, 20, 3])
    expect(list(where(tensor([[1], [0]]), tensor([1, 2]), 9))).toEqual([[1, 2], [9, 9]])
    expect(codeOf(() => where(tensor([1, 0]), tensor([1, 2, 3]), 0))).toBe('SHAPE_MISMATCH')
  })
  it('sends exact zeros to the branch not taken, even next to infinities', () => {
    const c = tensor([1, 0])
    const [gc, ga, gb] = vjp('where', [c, tensor([1, Infinity]), tensor([-Infinity, 2])], {}, tensor([5, 7]), [false, true, true])
    expect(gc).toBeNull()
    expect(ga!.tolist()).toEqual([5, 0])
    expect(gb!.tolist()).toEqual([0, 7])
  })
  it('sums the cotangent of a broadcast branch', () => {
    const [, ga] = vjp('where', [tensor([[1, 0], [1, 1]]), tensor(3), tensor([[0, 0], [0, 0]])], {}, tensor([[1, 2], [3, 4]]))
    expect(ga!.tolist()).toBe(8)
  })
  it('declares its condition constant', () => {
    expect(getOp('where').constantArgs).toEqual([0])
  })
})

describe('clamp', () => {
  const x = tensor([-2, -1, 0, 0.5, 1, 3])
  it('limits values to the bounds given', () => {
    expect(list(clamp(x, { min: -1, max: 1 }))).toEqual([-1, -1, 0, 0.5, 1, 1])
    expect(list(clamp(x, { min: 0 }))).toEqual([0, 0, 0, 0.5, 1, 3])
    expect(list(clamp(x, { max: 0 }))).toEqual([-2, -1, 0, 0, 0, 0])
    expect(list(x.clamp(-1, 1))).toEqual([-1, -1, 0, 0.5, 1, 1])
    expect(list(clamp(tensor([NaN]), { min: 0 }))).toEqual([NaN])
    expect(list(clamp(x, { min: 2, max: 1 }))).toEqual([1, 1, 1, 1, 1, 1]) // min > max: max, as PyTorch
  })
  it('passes the gradient inside the bounds, bounds included, as PyTorch', () => {
    const [g] = vjp('clamp', [x], { min: -1, max: 1 }, tensor([1, 2, 3, 4, 5, 6]))
    expect(g!.tolist()).toEqual([0, 2, 3, 4, 5, 0])
  })
  it('needs at least one bound', () => {
    expect(codeOf(() => clamp(x, {}))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => clamp(x))).toBe('INVALID_ARGUMENT')
  })
})
