import { describe, expect, it } from 'vitest'
import { eye, jvp, linspace, onesLike, tensor, zerosLike, add, type Tensor } from './index.js'

describe('creation functions as both engines take them', () => {
  it('accept (and ignore) requiresGrad', () => {
    expect(eye(2, { requiresGrad: true }).tolist()).toEqual([[1, 0], [0, 1]])
    expect(linspace(0, 1, 3, { requiresGrad: true }).tolist()).toEqual([0, 0.5, 1])
  })
  it('zerosLike and onesLike read a dual\'s shape and dtype, and make a constant', () => {
    const [out, tangent] = jvp((x: Tensor) => add(x, onesLike(x)).mul(zerosLike(x).add(2)), [tensor([1, 2], { dtype: 'float32' })], [tensor([1, 1], { dtype: 'float32' })])
    expect([(out as Tensor).tolist(), (tangent as Tensor).tolist(), (out as Tensor).dtype]).toEqual([[4, 6], [2, 2], 'float32'])
  })
})
