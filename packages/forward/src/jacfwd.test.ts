import { describe, expect, it } from 'vitest'
import {
  add, derivative, jacfwd, matmul, mul, reshape, sin, softmax, sum, tanh, tensor, Tensor, where, type Value,
} from './index.js'
import { expectClose, fdJacobian, values } from './testing/fd.js'

const x3 = tensor([0.3, -1.1, 0.7])

function checkAgainstFd(f: (x: any) => Value, x: Tensor, chunkSize?: number): Tensor {
  const J = jacfwd(f, { chunkSize })(x) as Tensor
  const out = f(x)
  const outShape = typeof out === 'number' ? [] : [...out.shape]
  expect(J.shape).toEqual([...outShape, ...x.shape])
  expectClose(values(J), fdJacobian(f, x).flat())
  return J
}

describe('jacfwd', () => {
  it('has shape [...out, ...in] and matches finite differences', () => {
    const W = tensor([[0.5, -1, 2], [1, 0.25, -0.5]])
    const b = tensor([0.1, -0.2])
    // BENCH.md W4's shape of function: tanh(W x + b), with non-elementwise matmul
    checkAgainstFd((x) => tanh(add(matmul(W, x), b)), x3)
    checkAgainstFd((x) => mul(sin(x), tensor([[1], [2]])), x3) // [2,3] out
    checkAgainstFd((x) => sum(mul(x, x)), tensor([[1, 2], [3, 4]])) // scalar out, [2,2] in
    checkAgainstFd((x) => softmax(reshape(x, { shape: [2, 2] }), { dim: 1 }), tensor([0.1, 0.2, -0.3, 0.4]))
  })

  it('gives the same Jacobian for every chunk size', () => {
    const f = (x: any) => where(tensor([1, 0, 1, 0]), sin(x), mul(sum(x), x))
    const x = tensor([0.2, 0.4, -0.6, 0.8])
    const full = values(checkAgainstFd(f, x))
    for (const k of [1, 3, 4, 100]) expectClose(values(jacfwd(f, { chunkSize: k })(x)), full, 1e-14)
  })

  it('is the identity for the identity and zeros for a constant', () => {
    expect((jacfwd((x: any) => x)(x3) as Tensor).tolist()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
    const z = jacfwd(() => tensor([1, 2]))(x3) as Tensor
    expect(z.shape).toEqual([2, 3])
    expect(values(z)).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('takes numbers, argnums and trees', () => {
    expect(jacfwd((x: any) => mul(x, x))(3)).toBe(6)
    const [ja, jb] = jacfwd((a: any, b: any) => mul(a, b), { argnums: [0, 1] })(tensor([1, 2]), 3)
    expect(ja.tolist()).toEqual([[3, 0], [0, 3]])
    expect(jb.tolist()).toEqual([1, 2])
    const tree = jacfwd((p: any) => add(mul(p.w, 2), p.b))({ w: tensor([1, 2]), b: 5 })
    expect(tree.w.tolist()).toEqual([[2, 0], [0, 2]])
    expect(tree.b.tolist()).toEqual([1, 1])
  })

  it('keeps float32', () => {
    const J = jacfwd((x: any) => sin(x))(tensor([1, 2], { dtype: 'float32' })) as Tensor
    expect(J.dtype).toBe('float32')
  })

  it('nests inside derivative (the tangent of a Jacobian entry)', () => {
    // d/ds of J(s) where J = jacfwd(x ↦ s·x²)([1, 2]) = diag(2 s x): d/ds = diag(2x) summed = 2 + 4
    const d = derivative((s: any) => sum(jacfwd((x: any) => mul(s, mul(x, x)))(tensor([1, 2]))))(0.5)
    expect((d as Tensor).item()).toBeCloseTo(6, 12)
  })
})
