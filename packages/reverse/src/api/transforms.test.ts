import { describe, expect, it } from 'vitest'
import { grad, jacrev, tensor, valueAndGrad, vjp, type Tensor } from '../index.js'

const T = (x: unknown) => x as Tensor

describe('grad and valueAndGrad', () => {
  it('differentiates numbers, nested arrays and tensors', () => {
    const f = (x: Tensor) => x.sin().mul(x).sum()
    expect(T(grad(f)(1.5)).item()).toBeCloseTo(Math.sin(1.5) + 1.5 * Math.cos(1.5), 12)
    const g = T(grad(f)([0.5, 1]))
    expect(g.shape).toEqual([2])
    expect(g.tolist()).toEqual([0.5, 1].map((v) => Math.sin(v) + v * Math.cos(v)))
    expect(T(grad(f)(tensor([[1]]))).shape).toEqual([1, 1])
  })

  it('does not touch .grad of the arguments', () => {
    const x = tensor(2, { requiresGrad: true })
    expect(T(grad((v: Tensor) => v.pow(3))(x)).item()).toBe(12)
    expect(x.grad).toBeNull()
  })

  it('argnums picks arguments; an array gives an array', () => {
    const f = (x: Tensor, y: Tensor, k: number) => x.mul(y).mul(k)
    expect(T(grad(f, { argnums: 1 })(tensor(3), tensor(4), 2)).item()).toBe(6)
    const [gx, gy] = grad(f, { argnums: [0, 1] })(tensor(3), tensor(4), 2) as Tensor[]
    expect([gx.item(), gy.item()]).toEqual([8, 6])
    expect(() => grad(f, { argnums: 5 })(1, 2, 3)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })

  it('gradients keep the structure of arrays and plain objects of tensors', () => {
    const f = (p: { w: Tensor; b: Tensor[] }) => p.w.mul(p.b[0]).add(p.b[1].mul(p.b[1])).sum()
    const g = grad(f)({ w: tensor([1, 2]), b: [tensor(3), tensor(4)] }) as { w: Tensor; b: Tensor[] }
    expect(g.w.tolist()).toEqual([3, 3])
    expect(g.b[0].item()).toBe(3)
    expect(g.b[1].item()).toBe(16) // b1² is broadcast to both elements of w before the sum
  })

  it('an argument f does not use gets zeros', () => {
    const [, gy] = grad((x: Tensor, _y: Tensor) => x.mul(2), { argnums: [0, 1] })(tensor(1), tensor([1, 2])) as Tensor[]
    expect(gy.tolist()).toEqual([0, 0])
    expect(T(grad(() => 3)(tensor(1))).item()).toBe(0)
  })

  it('needs a one-element output', () => {
    expect(() => grad((x: Tensor) => x.mul(2))(tensor([1, 2]))).toThrow(expect.objectContaining({ code: 'NON_SCALAR_BACKWARD' }))
  })

  it('valueAndGrad returns the value without history', () => {
    const [v, g] = valueAndGrad((x: Tensor) => x.pow(2).sum())(tensor([1, 2]))
    expect(T(v).item()).toBe(5)
    expect(T(v).requiresGrad).toBe(false)
    expect(T(g).tolist()).toEqual([2, 4])
  })

  it('nests: grad of grad is the second derivative', () => {
    const d2 = grad(grad((x: Tensor) => x.pow(3)))
    expect(T(d2(2)).item()).toBe(12)
    const d3 = grad(grad(grad((x: Tensor) => x.sin())))
    expect(T(d3(0.3)).item()).toBeCloseTo(-Math.cos(0.3), 12)
  })

  it('an inner grad closing over an outer variable stays differentiable', () => {
    // d/dx [x · d/dy (x·y)] = d/dx x² = 2x
    const f = (x: Tensor) => x.mul(grad((y: Tensor) => x.mul(y))(tensor(2)))
    expect(T(grad(f)(tensor(3))).item()).toBe(6)
  })

  it('no perturbation confusion: D(x -> x · D(y -> x + y)(x))(1) = 1', () => {
    const f = (x: Tensor) => x.mul(grad((y: Tensor) => x.add(y))(x))
    expect(T(grad(f)(1)).item()).toBe(1)
  })

  it('an inner grad never adds into outer .grad', () => {
    const x = tensor(3, { requiresGrad: true })
    const inner = T(grad((y: Tensor) => x.mul(y).mul(y))(tensor(2)))
    expect(inner.item()).toBe(12) // 2·x·y
    expect(x.grad).toBeNull()
    inner.backward() // d/dx (2xy) = 2y
    expect(x.grad!.item()).toBe(4)
  })
})

describe('vjp', () => {
  it('returns the output and a pullback that can be called repeatedly', () => {
    const [out, pullback] = vjp((x: Tensor, y: Tensor) => x.mul(y).exp(), tensor([0, 1]), tensor([2, 3]))
    expect(T(out).tolist()).toEqual([1, Math.exp(3)])
    const [gx, gy] = pullback(tensor([1, 1])) as Tensor[]
    expect(gx.tolist()).toEqual([2, 3 * Math.exp(3)])
    expect(gy.tolist()).toEqual([0, Math.exp(3)])
    const [gx2] = pullback(tensor([0, 2])) as Tensor[]
    expect(gx2.tolist()).toEqual([0, 6 * Math.exp(3)])
  })

  it('gives gradients in the structure of each primal', () => {
    const [, pullback] = vjp((p: { a: Tensor; b: Tensor }, k: Tensor) => p.a.mul(p.b).mul(k), { a: tensor(2), b: tensor(3) }, tensor(4))
    const [gp, gk] = pullback() as [{ a: Tensor; b: Tensor }, Tensor]
    expect([gp.a.item(), gp.b.item(), gk.item()]).toEqual([12, 8, 6])
  })

  it('checks the cotangent shape', () => {
    const [, pullback] = vjp((x: Tensor) => x.mul(2), tensor([1, 2]))
    expect(() => pullback(tensor([1]))).toThrow(expect.objectContaining({ code: 'SHAPE_MISMATCH' }))
  })
})

describe('jacrev', () => {
  it('has shape [...out, ...in]', () => {
    const J = jacrev((x: Tensor) => x.mul(x))(tensor([1, 2, 3]))
    expect(J.shape).toEqual([3, 3])
    expect(J.tolist()).toEqual([[2, 0, 0], [0, 4, 0], [0, 0, 6]])
    const J2 = jacrev((x: Tensor) => x.sum([1]))(tensor([[1, 2], [3, 4]]))
    expect(J2.shape).toEqual([2, 2, 2])
    expect(J2.tolist()).toEqual([[[1, 1], [0, 0]], [[0, 0], [1, 1]]])
    expect(jacrev((x: Tensor) => x.pow(2).sum())(tensor([1, 2])).tolist()).toEqual([2, 4])
    expect(jacrev((x: Tensor) => x.mul(tensor([1, 2])))(3).tolist()).toEqual([1, 2])
  })

  it('matches tanh(Wx + b) by hand', () => {
    const W = tensor([[0.5, -0.2], [0.1, 0.3]])
    const b = tensor([0.1, -0.1])
    const x = [0.4, -0.6]
    const J = jacrev((v: Tensor) => W.matmul(v).add(b).tanh())(x).tolist() as number[][]
    const Wl = W.tolist() as number[][]
    const bl = b.tolist() as number[]
    for (let i = 0; i < 2; i++) {
      const z = Wl[i][0] * x[0] + Wl[i][1] * x[1] + bl[i]
      for (let j = 0; j < 2; j++) expect(J[i][j]).toBeCloseTo((1 - Math.tanh(z) ** 2) * Wl[i][j], 12)
    }
  })

  it('nests inside grad (the Hessian of a scalar function, by jacrev of grad)', () => {
    const f = (x: Tensor) => x.pow(3).sum().add(x.index(0).mul(x.index(1)))
    const H = jacrev((x: Tensor) => T(grad(f)(x)))(tensor([1, 2]))
    expect(H.tolist()).toEqual([[6, 1], [1, 12]])
  })
})
