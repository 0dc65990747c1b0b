import { describe, expect, it } from 'vitest'
import { codeOf, list } from '../testing/helpers.js'
import { arange, flip, pad, roll, tensor, tile, tril, triu } from '../index.js'

const m = arange(6).reshape([2, 3]) // [[0, 1, 2], [3, 4, 5]]

describe('flip and roll', () => {
  it('flip reverses each listed dim', () => {
    expect(list(flip(m, { dims: [1] }))).toEqual([[2, 1, 0], [5, 4, 3]])
    expect(list(m.flip([0, 1]))).toEqual([[5, 4, 3], [2, 1, 0]])
  })
  it('roll shifts cyclically, per dim or flattened, as torch.roll', () => {
    expect(list(roll(m, { shifts: [1], dims: [1] }))).toEqual([[2, 0, 1], [5, 3, 4]])
    expect(list(roll(m, { shifts: [-1, 1], dims: [1, 0] }))).toEqual([[4, 5, 3], [1, 2, 0]])
    expect(list(roll(m, { shifts: [1] }))).toEqual([[5, 0, 1], [2, 3, 4]])
    expect(codeOf(() => roll(m, { shifts: [1, 2], dims: [0] }))).toBe('INVALID_ARGUMENT')
  })
})

describe('pad', () => {
  it('pads [left, right] pairs from the last dim backwards with a value', () => {
    expect(list(pad(m, { pad: [1, 0, 0, 1], value: 9 }))).toEqual([[9, 0, 1, 2], [9, 3, 4, 5], [9, 9, 9, 9]])
  })
  it('crops for negative amounts (SPEC: pad(arange(5), [-1, 2]))', () => {
    expect(list(pad(arange(5), { pad: [-1, 2] }))).toEqual([1, 2, 3, 4, 0, 0])
    expect(list(m.pad([-1, -1]))).toEqual([[1], [4]])
  })
  it('refuses an odd list, too many pairs, or a crop below size 0', () => {
    expect(codeOf(() => pad(m, { pad: [1] }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => pad(m, { pad: [0, 0, 0, 0, 0, 0] }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => pad(m, { pad: [-2, -2] }))).toBe('INVALID_ARGUMENT')
  })
})

describe('tile, triu, tril', () => {
  it('tile repeats along each dim, reps aligned from the right as torch.tile', () => {
    expect(list(tile(tensor([1, 2]), { reps: [2, 2] }))).toEqual([[1, 2, 1, 2], [1, 2, 1, 2]])
    expect(list(tile(m, { reps: [2] }))).toEqual([[0, 1, 2, 0, 1, 2], [3, 4, 5, 3, 4, 5]])
  })
  it('triu and tril keep a triangle from a diagonal, batched over leading dims', () => {
    expect(list(triu(m))).toEqual([[0, 1, 2], [0, 4, 5]])
    expect(list(triu(m, { diagonal: 1 }))).toEqual([[0, 1, 2], [0, 0, 5]])
    expect(list(tril(m, { diagonal: -1 }))).toEqual([[0, 0, 0], [3, 0, 0]])
    expect(list(m.tril(1))).toEqual([[0, 1, 0], [3, 4, 5]])
    expect(codeOf(() => triu(tensor([1, 2])))).toBe('INVALID_ARGUMENT')
  })
})
