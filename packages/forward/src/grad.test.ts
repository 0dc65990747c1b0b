import { errorCode } from './testing/errors.js'
import { describe, expect, it } from 'vitest'
import { AdError, add, defaultChunkSize, exp, grad, jacfwd, matmul, mul, sin, square, sub, sum, tensor, Tensor, valueAndGrad } from './index.js'
import { mulberry32 } from '@ad/core'
import { expectClose, fdJacobian, values } from './testing/fd.js'

/** BENCH.md W1: the Rosenbrock function, one op per scalar step. */
function rosenbrock(x: readonly any[]): any {
  let acc: any = 0
  for (let i = 0; i < x.length - 1; i++) {
    const a = sub(x[i + 1], square(x[i]))
    const term = add(mul(100, square(a)), square(sub(1, x[i])))
    acc = i === 0 ? term : add(acc, term)
  }
  return acc
}

/** Its gradient, derived by hand. */
function rosenbrockGrad(x: readonly number[]): number[] {
  const g = new Array<number>(x.length).fill(0)
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i]
    g[i] += -400 * a * x[i] - 2 * (1 - x[i])
    g[i + 1] += 200 * a
  }
  return g
}

const U = (n: number, seed: number): number[] => {
  const r = mulberry32(seed)
  return Array.from({ length: n }, () => 2 * r() - 1)
}

const code = errorCode

describe('grad (forward, chunked)', () => {
  it('matches finite differences on a tensor argument', () => {
    const f = (x: any) => sum(mul(sin(x), exp(mul(x, 0.3))))
    const x = tensor([[0.1, -0.5], [1.2, 2]])
    const g = grad(f)(x) as Tensor
    expect(g.shape).toEqual([2, 2])
    expectClose(values(g), fdJacobian(f, x).flat())
  })

  it('the Rosenbrock of W1 over 1000 scalars matches the hand gradient (numbers and 0-dim tensors)', () => {
    const xs = U(1000, 42)
    const expected = rosenbrockGrad(xs)
    const g = grad(rosenbrock)(xs) as number[]
    expect(g).toHaveLength(1000)
    expect(typeof g[0]).toBe('number')
    expectClose(g, expected, 1e-12)
    const g0 = grad(rosenbrock)(xs.map((v) => tensor(v))) as Tensor[]
    expect(g0[5]).toBeInstanceOf(Tensor)
    expect(g0[5].shape).toEqual([])
    expectClose(g0.map((t) => t.item()), expected, 1e-12)
  })

  it('gives the same gradient for every chunk size', () => {
    const xs = U(37, 7)
    const expected = rosenbrockGrad(xs)
    for (const chunkSize of [1, 5, 16, 37, 100]) expectClose(grad(rosenbrock, { chunkSize })(xs), expected, 1e-12)
    // a tensor argument split across chunks, with a non-elementwise op (matmul) in f
    const Wt = tensor([U(4, 4), U(4, 5), U(4, 6)])
    const f = (x: any) => sum(sin(matmul(Wt, x)))
    const x = tensor(U(4, 8))
    const ref = values(grad(f, { chunkSize: 4 })(x))
    expectClose(ref, fdJacobian(f, x).flat())
    for (const chunkSize of [1, 3]) expectClose(values(grad(f, { chunkSize })(x)), ref, 1e-14)
  })

  it('follows argnums and the structure of arrays and plain objects', () => {
    const f = (p: { w: any; b: any }, xs: any[], c: any) => mul(c, add(sum(mul(p.w, xs[0])), add(p.b, xs[1])))
    const p = { w: tensor([1, 2]), b: 0.5 }
    const xs = [tensor([3, 4]), 2]
    const gp = grad(f)(p, xs, 3)
    expect(gp.w.tolist()).toEqual([9, 12])
    expect(gp.b).toBe(3)
    const [g0, g1, g2] = grad(f, { argnums: [0, 1, 2] })(p, xs, 3)
    expect(g0.w.tolist()).toEqual([9, 12])
    expect(g1[0].tolist()).toEqual([3, 6])
    expect(g1[1]).toBe(3)
    expect(g2).toBe(11 + 2.5)
    expect(grad(f, { argnums: 2 })(p, xs, 3)).toBe(13.5)
  })

  it('valueAndGrad returns the value too; a constant f has zero gradient', () => {
    const [v, g] = valueAndGrad((x: any) => sum(square(x)))(tensor([1, 2, 3]))
    expect(values(v)).toEqual([14])
    expect(g.tolist()).toEqual([2, 4, 6])
    const [v2, g2] = valueAndGrad(() => 5)(tensor([1, 2]))
    expect(v2).toBe(5)
    expect(g2.tolist()).toEqual([0, 0])
    // a one-element output of shape [1] counts as a scalar
    expect(grad((x: any) => mul(x, tensor([2])))(3)).toBe(2)
    // an empty argument
    const [v3, g3] = valueAndGrad((x: any, y: any) => add(sum(x), y))(tensor([]), 1)
    expect(v3 instanceof Tensor ? v3.item() : v3).toBe(1)
    expect(g3.shape).toEqual([0])
  })

  it('keeps float32', () => {
    const g = grad((x: any) => sum(sin(x)))(tensor([0.5, 1], { dtype: 'float32' })) as Tensor
    expect(g.dtype).toBe('float32')
    expectClose(values(g), [Math.cos(0.5), Math.cos(1)], 1e-6)
  })

  it('nests: jacfwd of grad is the Hessian (forward over forward)', () => {
    // f = Σ x_i² x_{i+1}: H is symmetric with 2 x_{i+1} on the diagonal and 2 x_i off it
    const f = (x: any) => {
      let acc: any = 0
      for (let i = 0; i < 2; i++) acc = add(acc, mul(square(x.index(i)), x.index(i + 1)))
      return acc
    }
    const x = tensor([1, 2, 3])
    const H = jacfwd((y: any) => grad(f)(y))(x) as Tensor
    expect(H.shape).toEqual([3, 3])
    expect(H.tolist()).toEqual([[4, 2, 0], [2, 6, 4], [0, 4, 0]])
  })

  it('does not confuse perturbations of nested grads', () => {
    // d/dx [x · d/dy (x + y)] = 1, with chunked tangents at both levels
    expect(grad((x: any) => mul(x, grad((y: any) => add(x, y))(1)))(1)).toBe(1)
    const outer = (x: any) => mul(sum(x), sum(mul(x, grad((y: any) => sum(mul(x, y)))(tensor([5, 6])))))
    // inner grad = x, so f = Σx · Σx² and ∂f/∂x_i = Σx² + 2 x_i Σx
    const g = grad(outer)(tensor([1, 2])) as Tensor
    expect(g.tolist()).toEqual([5 + 2 * 1 * 3, 5 + 2 * 2 * 3])
  })

  it('rejects misuse with INVALID_ARGUMENT', () => {
    expect(code(() => grad((x: any) => mul(x, 2))(tensor([1, 2])))).toBe('INVALID_ARGUMENT')
    expect(code(() => grad((x: any) => x, { argnums: 1 })(1))).toBe('INVALID_ARGUMENT')
    expect(code(() => grad((x: any) => x, { argnums: [] })(1))).toBe('INVALID_ARGUMENT')
    expect(code(() => grad((x: any) => x, { argnums: [0, 0] })(1))).toBe('INVALID_ARGUMENT')
    expect(code(() => grad((x: any) => x)('a'))).toBe('INVALID_ARGUMENT')
    expect(code(() => grad((x: any) => x, { chunkSize: 0 })(1))).toBe('INVALID_ARGUMENT')
    expect(code(() => grad(() => 'no')(1))).toBe('INVALID_ARGUMENT')
  })

  it('chooses all inputs up to 256 per call, fewer for huge inputs', () => {
    expect(defaultChunkSize(16)).toBe(16)
    expect(defaultChunkSize(1000)).toBe(256)
    expect(defaultChunkSize(1e6)).toBe(8)
    expect(defaultChunkSize(0)).toBe(1)
  })
})
