import { describe, expect, it } from 'vitest'
import { codeOf } from './testing/helpers.js'
import { eye, linspace, onesLike, tensor, zerosLike } from './index.js'

describe('eye, linspace, zerosLike, onesLike', () => {
  it('eye is the n × m identity', () => {
    expect(eye(2).tolist()).toEqual([[1, 0], [0, 1]])
    expect(eye(2, 3).tolist()).toEqual([[1, 0, 0], [0, 1, 0]])
    expect(eye(1, { dtype: 'float32' }).dtype).toBe('float32')
    expect(codeOf(() => eye(-1))).toBe('INVALID_ARGUMENT')
  })
  it('linspace includes both ends exactly, spaced symmetrically as torch.linspace', () => {
    expect(linspace(0, 1, 5).tolist()).toEqual([0, 0.25, 0.5, 0.75, 1])
    const t = linspace(0, 0.3, 4).tolist() as number[]
    expect([t[0], t[3]]).toEqual([0, 0.3])
    expect(linspace(2, 3, 1).tolist()).toEqual([2])
    expect(linspace(2, 3, 0).shape).toEqual([0])
    expect(codeOf(() => linspace(0, 1, 1.5))).toBe('INVALID_ARGUMENT')
  })
  it('zerosLike and onesLike keep shape and dtype unless told', () => {
    const x = tensor([[1, 2, 3]], { dtype: 'float32' })
    expect([zerosLike(x).shape, zerosLike(x).dtype, zerosLike(x).tolist()]).toEqual([[1, 3], 'float32', [[0, 0, 0]]])
    expect(onesLike(x, { dtype: 'float64' }).dtype).toBe('float64')
    expect(onesLike(2).tolist()).toBe(1)
    expect(codeOf(() => zerosLike('x' as never))).toBe('INVALID_ARGUMENT')
  })
})
