import { errorCode } from './testing/errors.js'
import { describe, expect, it } from 'vitest'
import { AdError, add, cos, derivative, div, exp, log, mul, pow, sin, sqrt, tanh, tensor, Tensor, type Value } from './index.js'
import { fd } from './testing/fd.js'

const xs = [-1.3, -0.2, 0.4, 1.7]

describe('derivative', () => {
  it('matches central finite differences on composite functions', () => {
    const f = (x: any) => div(sin(mul(x, x)), add(2, cos(x)))
    const plain = (x: number) => Math.sin(x * x) / (2 + Math.cos(x))
    for (const x of xs) expect(derivative(f)(x)).toBeCloseTo(fd(plain, x), 7)
  })

  it('matches closed forms derived by hand', () => {
    // d/dx tanh x = sech² x; d/dx x^x = x^x (1 + ln x); d/dx sqrt(1 + x²) = x / sqrt(1 + x²)
    for (const x of xs) expect(derivative((t: any) => tanh(t))(x)).toBeCloseTo(1 / Math.cosh(x) ** 2, 12)
    for (const x of [0.3, 1.5, 2.2]) expect(derivative((t: any) => pow(t, t))(x)).toBeCloseTo(x ** x * (1 + Math.log(x)), 10)
    for (const x of xs) expect(derivative((t: any) => sqrt(add(1, mul(t, t))))(x)).toBeCloseTo(x / Math.sqrt(1 + x * x), 12)
  })

  it('gives a number for a number (the scalar path)', () => {
    const d = derivative((x: any) => exp(x))(0.5)
    expect(typeof d).toBe('number')
    expect(d).toBeCloseTo(Math.exp(0.5), 14)
  })

  it('is zero for a function that ignores its input', () => {
    expect(derivative(() => 3)(2)).toBe(0)
    expect(derivative((x: any) => mul(0, 5))(2)).toBe(0)
  })

  it('does not confuse perturbations (ForwardDiff: D(x -> x * D(y -> x + y, 1), 1) == 1)', () => {
    const inner = (x: Value) => derivative((y: any) => add(x, y))(1)
    expect(derivative((x: any) => mul(x, inner(x)))(1)).toBe(1)
    // d/dx [x · d/dy (x·y)] = d/dx x² = 2x
    expect(derivative((x: any) => mul(x, derivative((y: any) => mul(x, y))(3)))(1.5)).toBeCloseTo(3, 14)
  })

  it('nests: the second derivative of sin is -sin, the third of exp is exp', () => {
    const d2 = derivative(derivative((x: any) => sin(x)))
    for (const x of xs) expect(d2(x)).toBeCloseTo(-Math.sin(x), 12)
    const d3 = derivative(derivative(derivative((x: any) => exp(mul(x, 2)))))
    expect(d3(0.3)).toBeCloseTo(8 * Math.exp(0.6), 10)
    // second derivative of log: -1/x² (a finite difference of the first derivative agrees)
    const d1 = derivative((x: any) => log(x))
    expect(derivative(d1)(1.7)).toBeCloseTo(fd((x) => d1(x), 1.7), 7)
  })

  it('takes 0-dim tensors and keeps their dtype', () => {
    const d64 = derivative((x: any) => mul(x, x))(tensor(3))
    expect(d64).toBeInstanceOf(Tensor)
    expect(d64.shape).toEqual([])
    expect(d64.item()).toBe(6)
    const d32 = derivative((x: any) => sin(mul(x, 2)))(tensor(0.25, { dtype: 'float32' }))
    expect(d32.dtype).toBe('float32')
    expect(d32.item()).toBeCloseTo(2 * Math.cos(0.5), 6)
    // the identity's derivative of a float32 input is a float32 one
    const id = derivative((x: any) => x)(tensor(1, { dtype: 'float32' }))
    expect(id.dtype).toBe('float32')
    expect(id.item()).toBe(1)
  })

  it('works with methods on duals, and item() reads the primal for control flow', () => {
    expect(derivative((x: any) => x.mul(x).sin())(0.7)).toBeCloseTo(2 * 0.7 * Math.cos(0.49), 12)
    const relu = (x: any) => (x.item() > 0 ? x : mul(x, 0))
    expect(derivative(relu)(2)).toBe(1)
    expect(derivative(relu)(tensor(-2)).item()).toBe(0)
    // nested: the inner dual's primal is a dual of the outer level
    expect(derivative(derivative((x: any) => (x.item() > 0 ? mul(x, x) : x)))(3)).toBe(2)
  })

  it('rejects tensor inputs and outputs with INVALID_ARGUMENT', () => {
    const err = errorCode
    expect(err(() => derivative((x: any) => x)(tensor([1, 2])))).toBe('INVALID_ARGUMENT')
    expect(err(() => derivative((x: any) => mul(x, tensor([1, 2])))(1))).toBe('INVALID_ARGUMENT')
    expect(err(() => derivative((x: any) => x)('a' as never))).toBe('INVALID_ARGUMENT')
  })

  it('rejects a dual used after its transform returned', () => {
    let leaked: Value = 0
    derivative((x: any) => {
      leaked = x
      return x
    })(1)
    expect(() => mul(leaked, 2)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
