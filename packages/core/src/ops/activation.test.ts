import { describe, expect, it } from 'vitest'
import { list } from '../testing/helpers.js'
import { ceil, elu, floor, gelu, hypot, leakyRelu, logSigmoid, remainder, round, silu, tensor, trunc } from '../index.js'

describe('activations', () => {
  it('stay finite far out on both sides', () => {
    expect(list(logSigmoid(tensor([-800, 800])))).toEqual([-800, -0])
    expect(list(silu(tensor([-800, 800])))).toEqual([-0, 800])
  })
  it('gelu takes its mode as an attribute, and refuses other modes', () => {
    const exact = (gelu(tensor([1])) as ReturnType<typeof tensor>).item()
    const tanh = (gelu(tensor([1]), { approximate: 'tanh' }) as ReturnType<typeof tensor>).item()
    expect(exact).toBeCloseTo(0.8413447460685429, 14)
    expect(tanh).toBeCloseTo(0.8411919906082768, 14)
    expect(() => gelu(tensor([1]), { approximate: 'fast' } as never)).toThrow(/one of "none", "tanh"/)
  })
  it('elu and leakyRelu take their parameter', () => {
    expect(list(elu(tensor([-1, 2]), { alpha: 2 }))).toEqual([2 * Math.expm1(-1), 2])
    expect(list(leakyRelu(tensor([-1, 2])))).toEqual([-0.01, 2])
    expect(list(tensor([-2]).leakyRelu(0.5))).toEqual([-1])
  })
})

describe('step functions and binary ops', () => {
  it('round halves to even, as PyTorch', () => {
    expect(list(round(tensor([2.5, -0.5, 0.5, 1.5, -1.5, -2.5, 2.4999])))).toEqual([2, -0, 0, 2, -2, -2, 2])
    expect(list(floor(tensor([-1.5, 1.5])))).toEqual([-2, 1])
    expect(list(ceil(tensor([-1.5, 1.5])))).toEqual([-1, 2])
    expect(list(trunc(tensor([-1.5, 1.5])))).toEqual([-1, 1])
  })
  it('remainder has the sign of the divisor; hypot does not overflow', () => {
    expect(list(remainder(tensor([-1, 1, 5, -5]), tensor([3, -3, 3, -3])))).toEqual([2, -2, 2, -2])
    // Math.hypot scales before squaring, so the result is finite and within an ulp.
    expect((hypot(tensor([3e200]), tensor([4e200])) as ReturnType<typeof tensor>).item() / 5e200).toBeCloseTo(1, 15)
  })
})
