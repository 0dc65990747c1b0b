// Two behaviours of JAX's transforms, in both engines: argnums counted from the end when
// negative (api_test.py's test_grad_argnums with argnums=-1), and jacfwd / jacrev / hessian
// of a function returning an array or plain object of tensors giving that structure, each
// output replaced by its Jacobian (jax.jacfwd of a tuple-valued function returns a tuple).
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import * as C from '@ad/compile'
import * as Core from '@ad/core'
import { describe, expect, test } from 'vitest'

type Engine = typeof F | typeof R
const engines: [string, Engine, (f: any, o?: any) => any][] = [
  ['forward', F, F.jacfwd],
  ['reverse', R, R.jacrev],
]
const code = (c: string) => expect.objectContaining({ code: c })
/** Any result (tensors in arrays and objects) as plain nested numbers, to compare structures and values at once. */
const plain = (v: any): any =>
  Array.isArray(v) ? v.map(plain) : v instanceof F.Tensor ? v.tolist() : typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v

describe.each(engines)('%s', (_, m, jac) => {
  const x = () => m.tensor([1, 2])
  const y = () => m.tensor([3, 4])
  const f = (a: any, b: any) => m.sum(m.mul(m.mul(a, a), b)) // ∂/∂a = 2ab, ∂/∂b = a²

  test('negative argnums count from the end', () => {
    expect(plain((m.grad as any)(f, { argnums: -1 })(x(), y()))).toEqual([1, 4])
    expect(plain((m.grad as any)(f, { argnums: -2 })(x(), y()))).toEqual([6, 16])
    expect(plain((m.grad as any)(f, { argnums: [-1, 0] })(x(), y()))).toEqual([
      [1, 4],
      [6, 16],
    ])
    const [value, g] = (m.valueAndGrad as any)(f, { argnums: -1 })(x(), y())
    expect(value.item()).toBe(19)
    expect(plain(g)).toEqual([1, 4])
    expect(plain(jac((a: any, b: any) => m.mul(a, b), { argnums: -1 })(x(), y()))).toEqual([
      [1, 0],
      [0, 2],
    ])
    // ∂²f/∂b∂a = diag(2a)
    expect(plain((m.hessian as any)(f, { argnums: [-1, -2] })(x(), y()))).toEqual([
      [
        [
          [0, 0],
          [0, 0],
        ],
        [
          [2, 0],
          [0, 4],
        ],
      ],
      [
        [
          [2, 0],
          [0, 4],
        ],
        [
          [6, 0],
          [0, 8],
        ],
      ],
    ])
  })

  test('an array of argnums gives an array of Jacobians (JAX returns a tuple)', () => {
    expect(plain(jac((a: any, b: any) => m.mul(a, b), { argnums: [-1, 0] })(x(), y()))).toEqual([
      [
        [1, 0],
        [0, 2],
      ],
      [
        [3, 0],
        [0, 4],
      ],
    ])
  })

  test('argnums out of range, or naming an argument twice, is INVALID_ARGUMENT', () => {
    expect(() => (m.grad as any)(f, { argnums: -3 })(x(), y())).toThrow(code('INVALID_ARGUMENT'))
    expect(() => (m.grad as any)(f, { argnums: 2 })(x(), y())).toThrow(code('INVALID_ARGUMENT'))
    expect(() => (m.grad as any)(f, { argnums: [0, -2] })(x(), y())).toThrow(code('INVALID_ARGUMENT'))
    expect(() => (m.hessian as any)(f, { argnums: -3 })(x(), y())).toThrow(code('INVALID_ARGUMENT'))
    expect(() => jac(f, { argnums: -3 })(x(), y())).toThrow(code('INVALID_ARGUMENT'))
    expect(() => (m.valueAndGrad as any)(f, { argnums: 1.5 })(x(), y())).toThrow(code('INVALID_ARGUMENT'))
  })

  test('the Jacobian of an array or object of outputs has their structure', () => {
    const g = (a: any) => [m.mul(a, 3), { total: m.sum(a), square: m.square(a) }]
    const J = jac(g)(x())
    expect(plain(J)).toEqual([
      [
        [3, 0],
        [0, 3],
      ],
      {
        total: [1, 1],
        square: [
          [2, 0],
          [0, 4],
        ],
      },
    ])
    // Each block is what the Jacobian of that output alone gives.
    expect(plain(J[1].square)).toEqual(plain(jac((a: any) => m.square(a))(x())))
    expect(plain(jac((a: any) => [a])(x()))).toEqual([
      [
        [1, 0],
        [0, 1],
      ],
    ])
  })

  test('the Hessians of an array or object of scalar outputs have their structure', () => {
    const h = (a: any) => ({ cube: m.sum(m.pow(a, 3)), both: [m.prod(a), m.sum(a)] })
    expect(plain((m.hessian as any)(h)(x()))).toEqual({
      cube: [
        [6, 0],
        [0, 12],
      ],
      both: [
        [
          [0, 1],
          [1, 0],
        ],
        [
          [0, 0],
          [0, 0],
        ],
      ],
    })
    // Each output must have one element, as for a single output.
    expect(() => (m.hessian as any)((a: any) => [m.sum(a), a])(x())).toThrow()
  })

  test('grad still needs one scalar output', () => {
    expect(() => (m.grad as any)((a: any) => [m.sum(a)])(x())).toThrow(code('INVALID_ARGUMENT'))
  })
})

describe('compile', () => {
  test('jacfwd and jacrev take an array of argnums as the eager engines do, compiled or not', () => {
    const g = (a: any, b: any) => Core.mul(a, b)
    const x = Core.tensor([1, 2])
    const y = Core.tensor([3, 4])
    for (const jac of [C.jacfwd, C.jacrev]) {
      // ∂(a·b)/∂b = diag(a), ∂(a·b)/∂a = diag(b)
      const expected = [
        [
          [1, 0],
          [0, 2],
        ],
        [
          [3, 0],
          [0, 4],
        ],
      ]
      expect(plain(jac(g, { argnums: [1, 0] })(x, y))).toEqual(expected)
      expect(plain(C.compile(jac(g, { argnums: [1, 0] }))(x, y))).toEqual(expected)
    }
  })

  test('the gradient of a number argument f does not use is the number 0, compiled or not, as eager', () => {
    const f = (xs: any[]) => Core.mul(xs[0], 2)
    expect(C.compile(C.grad(f))([1, 2])).toEqual([2, 0])
    expect(C.grad(f)([1, 2])).toEqual([2, 0])
    expect(F.grad((xs: any[]) => F.mul(xs[0], 2))([1, 2])).toEqual([2, 0])
  })
})
