import { describe, expect, it } from 'vitest'
import { codeOf, list } from '../testing/helpers.js'
import { AdError, argmax, logsumexp, max, mean, prod, tensor, type Tensor } from '../index.js'
import { getOp } from '../internal.js'

/** The VJP of `name` on plain tensors. */
function vjp(name: string, args: Tensor[], attrs: object, g: Tensor): Tensor[] {
  const op = getOp(name)
  const parsed = op.parseAttrs(attrs)
  const out = op.primal(args, parsed, op.shape(args.map((a) => a.shape), parsed))
  return op.vjp!({ args, out, attrs: parsed }, g, args.map(() => true)) as Tensor[]
}

describe('mean', () => {
  const x = tensor([[1, 2, 3], [4, 5, 6]])
  it('reduces everything to shape [] without dims', () => {
    expect((mean(x) as Tensor).shape).toEqual([])
    expect(list(mean(x))).toBe(3.5)
  })
  it('reduces the given dims, keeping them on request', () => {
    expect(list(mean(x, { dims: [1] }))).toEqual([2, 5])
    expect(list(mean(x, { dims: [0], keepdim: true }))).toEqual([[2.5, 3.5, 4.5]])
    expect(list(mean(x, { dims: [-1, 0] }))).toBe(3.5)
  })
  it('spreads the cotangent evenly', () => {
    const [g] = vjp('mean', [x], { dims: [1] }, tensor([3, 6]))
    expect(g.tolist()).toEqual([[1, 1, 1], [2, 2, 2]])
  })
  it('works as a method and rejects repeated dims', () => {
    expect(list(x.mean(1))).toEqual([2, 5])
    expect(codeOf(() => mean(x, { dims: [1, -1] }))).toBe('INVALID_ARGUMENT')
  })
})

describe('prod', () => {
  it('multiplies all elements into shape []', () => {
    const p = prod(tensor([[1, 2], [3, -4]])) as Tensor
    expect(p.shape).toEqual([])
    expect(p.item()).toBe(-24)
  })
  it('has the product of the others as gradient, also with zeros', () => {
    expect(vjp('prod', [tensor([2, 3, 4])], {}, tensor(1))[0].tolist()).toEqual([12, 8, 6])
    expect(vjp('prod', [tensor([2, 0, 4])], {}, tensor(2))[0].tolist()).toEqual([0, 16, 0])
    expect(vjp('prod', [tensor([0, 3, 0])], {}, tensor(1))[0].tolist()).toEqual([0, 0, 0])
  })
  it('rejects attributes', () => {
    expect(codeOf(() => prod(tensor([1]), { dims: [0] } as never))).toBe('INVALID_ARGUMENT')
  })
})

describe('max', () => {
  const x = tensor([[1, 5, 2], [7, 0, 7]])
  it('returns the values along one dim', () => {
    expect(list(max(x, { dim: 1 }))).toEqual([5, 7])
    expect(list(max(x, { dim: 0 }))).toEqual([7, 5, 7])
    expect(list(max(x, { dim: -2, keepdim: true }))).toEqual([[7, 5, 7]])
    expect(list(x.max(1, true))).toEqual([[5], [7]])
  })
  it('sends the gradient to the first maximum only', () => {
    const [g] = vjp('max', [x], { dim: 1 }, tensor([10, 20]))
    expect(g.tolist()).toEqual([[0, 10, 0], [20, 0, 0]])
  })
  it('propagates NaN', () => {
    expect(list(max(tensor([1, NaN, 3]), { dim: 0 }))).toBeNaN()
  })
  it('requires a dim in range', () => {
    expect(codeOf(() => max(x, {}))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => max(x, { dim: 2 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('argmax', () => {
  it('gives the first index of the maximum, as floats', () => {
    const x = tensor([[1, 5, 5], [7, 0, 7]])
    expect(list(argmax(x, { dim: 1 }))).toEqual([1, 0])
    expect(list(argmax(x, { dim: 0 }))).toEqual([1, 0, 1])
    expect(list(argmax(tensor([3, 9, 9, 1]), { dim: 0 }))).toBe(1) // a tie: the first index
    expect((argmax(x.to('float32'), { dim: 0 }) as Tensor).dtype).toBe('float32')
  })
  it('is registered as not differentiable', () => {
    expect(getOp('argmax').differentiable).toBe(false)
  })
})

describe('logsumexp', () => {
  it('matches a naive log(sum(exp)) on moderate values', () => {
    const data = [[0.5, -1, 2], [3, 0, -0.25]]
    const got = (logsumexp(tensor(data), { dims: [1] }) as Tensor).tolist() as number[]
    const want = data.map((r) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0)))
    got.forEach((v, i) => expect(v).toBeCloseTo(want[i], 14))
  })
  it('does not overflow and handles infinities as PyTorch', () => {
    expect(list(logsumexp(tensor([1000, 1000]), { dims: [0] }))).toBeCloseTo(1000 + Math.log(2), 10)
    expect(list(logsumexp(tensor([-Infinity, -Infinity]), { dims: [0] }))).toBe(-Infinity)
    expect(list(logsumexp(tensor([Infinity, 1]), { dims: [0] }))).toBe(Infinity)
  })
  it('reduces several dims with keepdim', () => {
    const got = logsumexp(tensor([[[0, 0], [0, 0]]]), { dims: [0, 2], keepdim: true }) as Tensor
    expect(got.shape).toEqual([1, 2, 1])
    for (const v of got.contiguousData()) expect(v).toBeCloseTo(Math.log(2), 14)
  })
  it('has the softmax as gradient', () => {
    const [g] = vjp('logsumexp', [tensor([0, Math.log(3)])], { dims: [0] }, tensor(2))
    expect((g.tolist() as number[])[0]).toBeCloseTo(0.5, 14)
    expect((g.tolist() as number[])[1]).toBeCloseTo(1.5, 14)
  })
})
