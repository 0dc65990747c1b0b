import { describe, expect, it } from 'vitest'
import { codeOf, list } from '../testing/helpers.js'
import { AdError, arange, cat, index, permute, slice, squeeze, stack, tensor, unsqueeze, type Tensor } from '../index.js'
import { getOp } from '../internal.js'

function vjp(name: string, args: Tensor[], attrs: object, g: Tensor): (Tensor | null)[] {
  const op = getOp(name)
  const parsed = op.parseAttrs(attrs)
  const out = op.primal(args, parsed, op.shape(args.map((a) => a.shape), parsed))
  return op.vjp!({ args, out, attrs: parsed }, g, args.map(() => true)) as (Tensor | null)[]
}
/** x[i, j, k] = 100i + 10j + k, so every element names its position. */
const x234 = () => {
  const d: number[][][] = []
  for (let i = 0; i < 2; i++) {
    d.push([])
    for (let j = 0; j < 3; j++) d[i].push([0, 1, 2, 3].map((k) => 100 * i + 10 * j + k))
  }
  return tensor(d)
}

describe('permute', () => {
  it('reorders dims as a view', () => {
    const x = x234()
    const p = permute(x, { dims: [2, 0, 1] }) as Tensor
    expect(p.shape).toEqual([4, 2, 3])
    expect(p.storage).toBe(x.storage)
    const l = p.tolist() as number[][][]
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(l[k][i][j]).toBe(100 * i + 10 * j + k)
  })
  it('inverts the permutation in the VJP', () => {
    const g = arange(24).reshape([4, 2, 3]) as Tensor
    const [dx] = vjp('permute', [x234()], { dims: [-1, 0, 1] }, g)
    expect(dx!.shape).toEqual([2, 3, 4])
    expect((dx!.tolist() as number[][][])[1][2][3]).toBe((g.tolist() as number[][][])[3][1][2])
  })
  it('rejects dims that are not a permutation', () => {
    expect(codeOf(() => permute(x234(), { dims: [0, 1] }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => permute(x234(), { dims: [0, 1, 1] }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => permute(x234(), { dims: [0, 1, 3] }))).toBe('INVALID_ARGUMENT')
  })
})

describe('squeeze / unsqueeze', () => {
  it('squeezes a size-1 dim and leaves other sizes alone, as PyTorch', () => {
    const x = tensor([[[1], [2]]]) // [1, 2, 1]
    expect((squeeze(x, { dim: -1 }) as Tensor).shape).toEqual([1, 2])
    expect((squeeze(x, { dim: 1 }) as Tensor).shape).toEqual([1, 2, 1])
    expect((squeeze(x) as Tensor).shape).toEqual([2])
    expect(list(squeeze(x))).toEqual([1, 2])
    expect(codeOf(() => squeeze(x, { dim: 3 }))).toBe('INVALID_ARGUMENT')
  })
  it('unsqueezes anywhere in [-(rank+1), rank]', () => {
    const x = tensor([[1, 2, 3]])
    expect((unsqueeze(x, { dim: 0 }) as Tensor).shape).toEqual([1, 1, 3])
    expect((unsqueeze(x, { dim: 2 }) as Tensor).shape).toEqual([1, 3, 1])
    expect((unsqueeze(x, { dim: -1 }) as Tensor).shape).toEqual([1, 3, 1])
    expect((unsqueeze(x, { dim: -3 }) as Tensor).shape).toEqual([1, 1, 3])
    expect(list(unsqueeze(x, { dim: 2 }))).toEqual([[[1], [2], [3]]])
    expect(codeOf(() => unsqueeze(x, { dim: 3 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => unsqueeze(x, { dim: -4 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('index', () => {
  const x = tensor([[1, 2], [3, 4], [5, 6]])
  it('selects along dim 0 and drops it; negative counts from the end', () => {
    expect(list(index(x, { index: 1 }))).toEqual([3, 4])
    expect(list(index(x, { index: -1 }))).toEqual([5, 6])
    expect(list(x.index(0))).toEqual([1, 2])
    expect((index(tensor([7, 8]), { index: 1 }) as Tensor).shape).toEqual([])
  })
  it('puts the cotangent back in its row, zeros elsewhere', () => {
    const [dx] = vjp('index', [x], { index: -2 }, tensor([7, 8]))
    expect(dx!.tolist()).toEqual([[0, 0], [7, 8], [0, 0]])
  })
  it('rejects out-of-range indices and 0-dim tensors', () => {
    expect(codeOf(() => index(x, { index: 3 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => index(x, { index: -4 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => index(tensor(1), { index: 0 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('slice', () => {
  const x = tensor([0, 1, 2, 3, 4, 5, 6])
  // Expected values: what Python's [start:end:step] gives on range(7).
  it('follows Python slicing bounds', () => {
    expect(list(slice(x, { dim: 0, start: 1, end: 4 }))).toEqual([1, 2, 3])
    expect(list(slice(x, { dim: 0, start: 1, end: 7, step: 3 }))).toEqual([1, 4])
    expect(list(slice(x, { dim: 0, start: -3, end: 100 }))).toEqual([4, 5, 6])
    expect(list(slice(x, { dim: 0, start: -100, end: -5, step: 2 }))).toEqual([0])
    expect(list(slice(x, { dim: 0, start: 5, end: 2 }))).toEqual([])
    expect(list(x.slice(0, 0, 7, 2))).toEqual([0, 2, 4, 6])
  })
  it('slices an inner dim as a view', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]])
    const s = slice(m, { dim: -1, start: 1, end: 3 }) as Tensor
    expect(s.storage).toBe(m.storage)
    expect(s.tolist()).toEqual([[2, 3], [5, 6]])
  })
  it('scatters the cotangent back with gaps for the step', () => {
    expect(vjp('slice', [x], { dim: 0, start: 1, end: 7, step: 3 }, tensor([10, 20]))[0]!.tolist()).toEqual([0, 10, 0, 0, 20, 0, 0])
    expect(vjp('slice', [x], { dim: 0, start: 0, end: 7, step: 2 }, tensor([1, 2, 3, 4]))[0]!.tolist()).toEqual([1, 0, 2, 0, 3, 0, 4])
    const m = tensor([[1, 2, 3], [4, 5, 6]])
    expect(vjp('slice', [m], { dim: 1, start: 2, end: 3 }, tensor([[7], [8]]))[0]!.tolist()).toEqual([[0, 0, 7], [0, 0, 8]])
    expect(vjp('slice', [x], { dim: 0, start: 3, end: 3 }, tensor([]))[0]!.tolist()).toEqual([0, 0, 0, 0, 0, 0, 0])
  })
  it('rejects a bad step or dim', () => {
    expect(codeOf(() => slice(x, { dim: 0, start: 0, end: 3, step: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => slice(x, { dim: 1, start: 0, end: 3 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('cat', () => {
  const a = tensor([[1, 2], [3, 4]])
  const b = tensor([[5, 6]])
  it('joins along dim 0 by default and along any other dim', () => {
    expect(list(cat([a, b]))).toEqual([[1, 2], [3, 4], [5, 6]])
    expect(list(cat([a, tensor([[7], [8]])], { dim: -1 }))).toEqual([[1, 2, 7], [3, 4, 8]])
    const long = arange(100).reshape([1, 100]) as Tensor // long rows take the memcpy path
    const joined = cat([long, long], { dim: 1 }) as Tensor
    expect(joined.shape).toEqual([1, 200])
    expect(joined.contiguousData()[150]).toBe(50)
  })
  it('hands each input its part of the cotangent', () => {
    const [ga, gb] = vjp('cat', [a, b], {}, tensor([[1, 2], [3, 4], [5, 6]]))
    expect(ga!.tolist()).toEqual([[1, 2], [3, 4]])
    expect(gb!.tolist()).toEqual([[5, 6]])
  })
  it('rejects mismatched shapes and 0-dim tensors', () => {
    expect(codeOf(() => cat([a, b], { dim: 1 }))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => cat([a, tensor([1, 2])]))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => cat([tensor(1), tensor(2)]))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => cat([]))).toBe('INVALID_ARGUMENT')
  })
  it('names the shapes in its message', () => {
    expect(() => cat([a, b], { dim: 1 })).toThrow(/\[2,2\].*\[1,2\]/)
  })
})

describe('stack', () => {
  const a = tensor([1, 2, 3])
  const b = tensor([4, 5, 6])
  it('joins along a new dim, dim in [-(rank+1), rank]', () => {
    expect(list(stack([a, b]))).toEqual([[1, 2, 3], [4, 5, 6]])
    expect(list(stack([a, b], { dim: 1 }))).toEqual([[1, 4], [2, 5], [3, 6]])
    expect(list(stack([a, b], { dim: -1 }))).toEqual([[1, 4], [2, 5], [3, 6]])
    expect(list(stack([tensor(1), tensor(2)]))).toEqual([1, 2])
    expect(codeOf(() => stack([a, b], { dim: 2 }))).toBe('INVALID_ARGUMENT')
  })
  it('hands each input its slice of the cotangent', () => {
    const [ga, gb] = vjp('stack', [a, b], { dim: 1 }, tensor([[1, 4], [2, 5], [3, 6]]))
    expect(ga!.tolist()).toEqual([1, 2, 3])
    expect(gb!.tolist()).toEqual([4, 5, 6])
  })
  it('rejects tensors of different shapes', () => {
    expect(codeOf(() => stack([a, tensor([1, 2])]))).toBe('SHAPE_MISMATCH')
  })
})
