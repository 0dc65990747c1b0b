import { describe, expect, it } from 'vitest'
import { codeOf, list } from '../testing/helpers.js'
import { gather, indexSelect, scatterAdd, tensor } from '../index.js'

const x = tensor([[1, 2, 3], [4, 5, 6]])

describe('gather', () => {
  it('picks along dim, as torch.gather', () => {
    expect(list(gather(x, tensor([[2, 0], [1, 1]]), { dim: 1 }))).toEqual([[3, 1], [5, 5]])
    expect(list(gather(x, tensor([[1, 0, 1]]), { dim: 0 }))).toEqual([[4, 2, 6]])
    expect(list(gather(x, tensor([[0], [2]]), { dim: -1 }))).toEqual([[1], [6]])
  })
  it('takes the dim first as a method, as PyTorch', () => {
    expect(list(x.gather(1, tensor([[2], [0]])))).toEqual([[3], [4]])
  })
  it('accepts Int32Array data and float32 indices', () => {
    const index = tensor(new Int32Array([2, 0, 1, 1]), { shape: [2, 2] })
    expect(index.dtype).toBe('float64')
    expect(list(gather(x, index, { dim: 1 }))).toEqual([[3, 1], [5, 5]])
    expect(list(gather(tensor([5, 6, 7]), new Int32Array([2, 0]), { dim: 0 }))).toEqual([7, 5])
    const f32 = tensor([1, 2, 3], { dtype: 'float32' })
    const out = gather(f32, tensor([0, 2], { dtype: 'float32' }), { dim: 0 }) as ReturnType<typeof tensor>
    expect([out.dtype, out.tolist()]).toEqual(['float32', [1, 3]])
  })
  it('refuses non-integer, negative or out-of-range indices, and a misfit index shape', () => {
    expect(codeOf(() => gather(x, tensor([[0.5]]), { dim: 1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => gather(x, tensor([[-1]]), { dim: 1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => gather(x, tensor([[3]]), { dim: 1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => gather(x, tensor([0]), { dim: 0 }))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => gather(x, tensor([[0], [0], [0]]), { dim: 1 }))).toBe('SHAPE_MISMATCH')
  })
})

describe('indexSelect', () => {
  it('selects slices along dim in index order, repeats allowed', () => {
    expect(list(indexSelect(x, tensor([2, 0, 2]), { dim: 1 }))).toEqual([[3, 1, 3], [6, 4, 6]])
    expect(list(x.indexSelect(0, tensor([1])))).toEqual([[4, 5, 6]])
    expect(list(indexSelect(x, tensor([]), { dim: 0 }))).toEqual([])
  })
  it('reads a strided view without packing it first', () => {
    const t = x.transpose(0, 1) // [[1, 4], [2, 5], [3, 6]]
    expect(list(indexSelect(t, tensor([2, 0]), { dim: 0 }))).toEqual([[3, 6], [1, 4]])
  })
  it('refuses a 2-D index and out-of-range positions', () => {
    expect(codeOf(() => indexSelect(x, tensor([[0]]), { dim: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => indexSelect(x, tensor([2]), { dim: 0 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('scatterAdd', () => {
  it('adds src at the positions the index names, repeats accumulating; x is not modified', () => {
    const base = tensor([[0, 0, 0], [10, 10, 10]])
    const out = scatterAdd(base, tensor([[0, 0], [2, 1]]), tensor([[1, 2], [3, 4]]), { dim: 1 })
    expect(list(out)).toEqual([[3, 0, 0], [10, 14, 13]])
    expect(list(base)).toEqual([[0, 0, 0], [10, 10, 10]])
  })
  it('reads only the part of a larger src that the index covers', () => {
    const out = scatterAdd(tensor([0, 0]), tensor([1]), tensor([5, 6, 7]), { dim: 0 })
    expect(list(out)).toEqual([0, 5])
  })
  it('takes dim, index, src as a method, as PyTorch', () => {
    expect(list(tensor([0, 0, 0]).scatterAdd(0, tensor([2, 2]), tensor([1, 2])))).toEqual([0, 0, 3])
  })
  it('refuses an index outside the input', () => {
    expect(codeOf(() => scatterAdd(tensor([0, 0]), tensor([2]), tensor([1]), { dim: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => scatterAdd(tensor([0, 0]), tensor([0, 1]), tensor([1]), { dim: 0 }))).toBe('SHAPE_MISMATCH')
  })
})
