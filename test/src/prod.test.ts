// prod's derivatives at zeros, in both engines: the gradient, the Hessian and a third
// derivative are polynomials in x (∂ⁿprod/∂x_i∂x_j... is the product of the elements not
// differentiated, 0 when an index repeats), so the exact values are known in closed form, and
// central differences of a multilinear gradient are exact up to rounding, zeros or not.
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { describe, expect, test } from 'vitest'

type Engine = typeof F | typeof R
const engines: [string, Engine][] = [
  ['forward', F],
  ['reverse', R],
]

/** ∏ of the elements whose index is not in `skip`; 0 if an index repeats (x_i appears once in prod). */
function productWithout(x: number[], skip: number[]): number {
  if (new Set(skip).size !== skip.length) return 0
  return x.reduce((p, v, k) => (skip.includes(k) ? p : p * v), 1)
}

const hessianOf = (m: Engine, x: number[]) => ((m.hessian as any)((t: any) => m.prod(t))(m.tensor(x)) as F.Tensor).tolist() as number[][]
const gradOf = (m: Engine, x: number[]) => ((m.grad as any)((t: any) => m.prod(t))(m.tensor(x)) as F.Tensor).tolist() as number[]

const points = {
  'one zero (the SPEC example)': [0, 2, 3],
  'two zeros': [0, 2, 0, 3],
  'three zeros': [0, 0, 5, 0],
  'no zero': [1.5, -2, 0.5, 3],
  'one element': [0],
}

describe.each(engines)('%s: prod', (_, m) => {
  test('hessian(prod)([0, 2, 3]) is [[0, 3, 2], [3, 0, 0], [2, 0, 0]]', () => {
    expect(hessianOf(m, [0, 2, 3])).toEqual([
      [0, 3, 2],
      [3, 0, 0],
      [2, 0, 0],
    ])
  })

  test.each(Object.entries(points))('%s: gradient and Hessian exact', (_, x) => {
    expect(gradOf(m, x)).toEqual(x.map((_, i) => productWithout(x, [i])))
    expect(hessianOf(m, x)).toEqual(x.map((_, i) => x.map((_, j) => productWithout(x, [i, j]))))
  })

  test.each(Object.entries(points))('%s: Hessian matches central differences of the gradient', (_, x) => {
    const h = 0.25 // the gradient is linear in each x_j, so the difference quotient is exact for any step
    const hess = hessianOf(m, x)
    x.forEach((_, j) => {
      const up = gradOf(m, x.map((v, k) => (k === j ? v + h : v)))
      const down = gradOf(m, x.map((v, k) => (k === j ? v - h : v)))
      up.forEach((u, i) => expect(hess[i][j]).toBeCloseTo((u - down[i]) / (2 * h), 12))
    })
  })

  test('a Hessian over a matrix argument, and a third derivative, at zeros', () => {
    const x = [
      [0, 2],
      [3, 0],
    ]
    const flat = x.flat()
    const hess = ((m.hessian as any)((t: any) => m.prod(t))(m.tensor(x)) as F.Tensor).tolist() as number[][][][]
    for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) expect(hess[i >> 1][i & 1][j >> 1][j & 1]).toBe(productWithout(flat, [i, j]))
    // The third derivative: the Jacobian of the gradient of the gradient.
    const flatX = [0, 2, 0, 3]
    const jac = m === F ? (F.jacfwd as any) : (R.jacrev as any)
    const third = jac((t: any) => (m.hessian as any)((u: any) => m.prod(u))(t))(m.tensor(flatX)).tolist() as number[][][]
    for (let i = 0; i < 4; i++)
      for (let j = 0; j < 4; j++) for (let k = 0; k < 4; k++) expect(third[i][j][k]).toBe(productWithout(flatX, [i, j, k]))
  })
})
