import { errorCode } from './testing/errors.js'
import { describe, expect, it } from 'vitest'
import { AdError, add, exp, jvp, mul, sin, sub, sum, tanh, tensor, Tensor, type Value } from './index.js'
import { expectClose, fdJacobian, values } from './testing/fd.js'

/** J·v from a finite-difference Jacobian. */
function fdJvp(f: (x: Tensor) => Value, x: Tensor, v: Tensor): number[] {
  const J = fdJacobian(f, x)
  const dv = values(v)
  return J.map((row) => row.reduce((s, jij, j) => s + jij * dv[j], 0))
}

describe('jvp', () => {
  it('returns the output and J·v (finite differences)', () => {
    const f = (x: any) => mul(sin(x), exp(mul(x, 0.5)))
    const x = tensor([0.3, -1.2, 2.0])
    const v = tensor([1, 0.5, -2])
    const [out, t] = jvp(f, [x], [v])
    expect(out.shape).toEqual([3])
    expectClose(values(out), values(f(x)))
    expect(t.shape).toEqual([3])
    expectClose(values(t), fdJvp(f, x, v))
  })

  it('broadcasts: a [3] input against a [2,3] constant gives a [2,3] tangent', () => {
    const c = tensor([[1, 2, 3], [4, 5, 6]])
    const f = (x: any) => tanh(mul(x, c))
    const x = tensor([0.1, -0.2, 0.3])
    const v = tensor([1, 2, 3])
    const [, t] = jvp(f, [x], [v])
    expect(t.shape).toEqual([2, 3])
    expectClose(values(t), fdJvp(f, x, v))
    // a smaller input broadcast into a larger one
    const g = (y: any) => add(c, y)
    const [, tg] = jvp(g, [tensor(0.5)], [tensor(2)])
    expect(tg.shape).toEqual([2, 3])
    expect(values(tg)).toEqual([2, 2, 2, 2, 2, 2])
  })

  it('takes several primals, numbers and nested arrays', () => {
    const f = (a: any, b: any) => sub(mul(a, b), sin(b))
    const [out, t] = jvp(f, [2, [1, 2]], [1, [0, 1]])
    expectClose(values(out), [2 - Math.sin(1), 4 - Math.sin(2)])
    // d = b·da + (a - cos b)·db
    expectClose(values(t), [1 + 0, 2 + (2 - Math.cos(2))])
    const [o2, t2] = jvp((x: any) => mul(x, x), [3], [1])
    expect([o2, t2]).toEqual([9, 6])
  })

  it('gives zeros of the output shape when f ignores its inputs', () => {
    const [out, t] = jvp(() => tensor([[1, 2]]), [tensor([1, 2, 3])], [tensor([1, 1, 1])])
    expect(values(out)).toEqual([1, 2])
    expect(t.shape).toEqual([1, 2])
    expect(values(t)).toEqual([0, 0])
    expect(jvp(() => 4, [1], [1])).toEqual([4, 0])
  })

  it('maps tree outputs leaf by leaf', () => {
    const [out, t] = jvp((x: any) => ({ s: sum(x), p: [mul(x, 2), 7] }), [tensor([1, 2])], [tensor([1, -1])])
    expect(values(out.s)).toEqual([3])
    expect(values(t.s)).toEqual([0])
    expect(values(t.p[0])).toEqual([2, -2])
    expect(t.p[1]).toBe(0)
  })

  it('keeps float32 and casts a float64 tangent to its float32 primal', () => {
    const x = tensor([0.5, 1], { dtype: 'float32' })
    const [out, t] = jvp((y: any) => mul(sin(y), 3), [x], [tensor([1, 1])])
    expect(out.dtype).toBe('float32')
    expect(t.dtype).toBe('float32')
    expectClose(values(t), [3 * Math.cos(0.5), 3 * Math.cos(1)], 1e-6)
  })

  it('nests: jvp of a jvp is a second directional derivative', () => {
    // d²/dx² sin(x) along v=1 twice: -sin(x)
    const inner = (x: any) => jvp((y: any) => sin(y), [x], [1])[1]
    const [, t] = jvp(inner, [0.8], [1])
    expect(t).toBeCloseTo(-Math.sin(0.8), 14)
  })

  it('checks its arguments', () => {
    const code = errorCode
    const f = (x: any) => x
    expect(code(() => jvp(f, [tensor([1, 2])], [tensor([1, 2, 3])]))).toBe('SHAPE_MISMATCH')
    expect(code(() => jvp(f, [tensor([1, 2])], []))).toBe('INVALID_ARGUMENT')
    expect(code(() => jvp(f, [null], [1]))).toBe('INVALID_ARGUMENT')
    expect(code(() => jvp(f, tensor([1]) as never, [1]))).toBe('INVALID_ARGUMENT')
  })
})
