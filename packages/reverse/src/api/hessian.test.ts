import { describe, expect, it } from 'vitest'
import { autograd, grad, hessian, hessianVectorProduct, tensor, valueAndGrad, type Tensor } from '../index.js'
import { directional, relativeError } from '../testing.js'

const T = (x: unknown) => x as Tensor
const flat = (t: unknown) => Array.from(T(t).contiguousData())

/**
 * The Hessian of f at x by central differences of the reverse gradient: column j is
 * d/dt ∇f(x + t e_j). An oracle independent of double backward.
 */
function fdHessian(f: (x: Tensor) => Tensor, x0: number[], shape: number[]): number[][] {
  const g = (x: Float64Array) => Float64Array.from(flat(grad(f)(tensor(x, { shape }))))
  const x = Float64Array.from(x0)
  return x0.map((_, j) => Array.from(directional(g, x, Float64Array.from(x0, (_, i) => (i === j ? 1 : 0)))))
}

function expectHessian(H: Tensor, expected: number[][], tol = 1e-8): void {
  const n = expected.length
  const got = flat(H)
  // fdHessian gives columns; H is symmetric, so rows and columns agree.
  expect(relativeError(got, expected.flat()), `Hessian ${JSON.stringify(got)} vs ${JSON.stringify(expected)}`).toBeLessThan(tol)
  expect(got).toHaveLength(n * n)
}

describe('hessian (reverse over reverse)', () => {
  it('sum(x³): diag(6x), shape [...in, ...in]', () => {
    const f = (x: Tensor) => x.pow(3).sum()
    const x0 = [0.5, -1.25, 2]
    const H = T(hessian(f)(tensor(x0)))
    expect(H.shape).toEqual([3, 3])
    expect(flat(H).map((v) => v + 0)).toEqual([3, 0, 0, 0, -7.5, 0, 0, 0, 12]) // + 0: -0 reads as 0
    expectHessian(H, fdHessian(f, x0, [3]))
    // A matrix argument: shape [2, 2, 2, 2].
    expect(T(hessian(f)(tensor([[1, 2], [3, 4]]))).shape).toEqual([2, 2, 2, 2])
  })

  it('sin(x)·y²: blocks for argnums [0, 1] match finite differences and the closed form', () => {
    const f = (x: Tensor, y: Tensor) => x.sin().mul(y.pow(2)).sum()
    const x0 = [0.3, -1.1]
    const y0 = [1.5, 0.7]
    const H = hessian(f, { argnums: [0, 1] })(tensor(x0), tensor(y0)) as Tensor[][]
    const [[Hxx, Hxy], [Hyx, Hyy]] = H as [[Tensor, Tensor], [Tensor, Tensor]]
    for (const b of [Hxx, Hxy, Hyx, Hyy]) expect(b.shape).toEqual([2, 2])
    const diag = (v: number[]) => v.map((d, i) => v.map((_, j) => (i === j ? d : 0)))
    expectHessian(Hxx, diag(x0.map((x, i) => -Math.sin(x) * y0[i]! ** 2)), 1e-14)
    expectHessian(Hxy, diag(x0.map((x, i) => 2 * Math.cos(x) * y0[i]!)), 1e-14)
    expectHessian(Hyx, diag(x0.map((x, i) => 2 * Math.cos(x) * y0[i]!)), 1e-14)
    expectHessian(Hyy, diag(x0.map((x) => 2 * Math.sin(x))), 1e-14)
    // The whole Hessian over z = [x, y] against finite differences of the gradient.
    const g = (z: Tensor) => f(z.slice(0, 0, 2), z.slice(0, 2, 4))
    const full = T(hessian(g)(tensor([...x0, ...y0])))
    expectHessian(full, fdHessian(g, [...x0, ...y0], [4]))
  })

  it('logsumexp: diag(p) − p pᵀ, p = softmax(x)', () => {
    const f = (x: Tensor) => x.logsumexp([0])
    const x0 = [0.2, -0.7, 1.3, 0.05]
    const H = T(hessian(f)(tensor(x0)))
    const e = x0.map(Math.exp)
    const s = e.reduce((a, b) => a + b)
    const p = e.map((v) => v / s)
    expectHessian(H, p.map((pi, i) => p.map((pj, j) => (i === j ? pi : 0) - pi * pj)), 1e-14)
    expectHessian(H, fdHessian(f, x0, [4]))
    // Over a matrix, along one dim.
    const g = (x: Tensor) => x.logsumexp([1]).sum()
    const m0 = [0.1, 0.4, -0.3, 0.9, -1.2, 0.5]
    const Hm = T(hessian(g)(tensor([m0.slice(0, 3), m0.slice(3)])))
    expect(Hm.shape).toEqual([2, 3, 2, 3])
    expectHessian(Hm, fdHessian((x) => g(x.reshape([2, 3])), m0, [6]))
  })

  it('a small MLP loss: the Hessian with respect to the weights matches finite differences of the gradient', () => {
    const X = tensor([[0.5, -1.0, 0.3], [1.2, 0.1, -0.4], [-0.6, 0.8, 0.9], [0.2, 0.2, -1.5]])
    const targets = tensor([0, 2, 1, 2])
    const b1 = tensor([0.05, -0.1])
    const W2 = tensor([[0.7, -0.3], [0.2, 0.9], [-0.5, 0.4]])
    const loss = (W1: Tensor) => X.linear(W1, b1).tanh().linear(W2).crossEntropy(targets)
    const w0 = [0.3, -0.2, 0.1, 0.4, 0.25, -0.35]
    const H = T(hessian(loss)(tensor([w0.slice(0, 3), w0.slice(3)])))
    expect(H.shape).toEqual([2, 3, 2, 3])
    expectHessian(H, fdHessian((w) => loss(w.reshape([2, 3])), w0, [6]))
  })

  it('a tree argument gives a tree of trees of blocks', () => {
    const f = (p: { a: Tensor; b: Tensor }) => p.a.mul(p.b).sum().pow(2)
    const H = hessian(f)({ a: tensor([1, 2]), b: tensor(3) }) as { a: { a: Tensor; b: Tensor }; b: { a: Tensor; b: Tensor } }
    // f = (3·(a0 + a1))² … with b: f = b²(a0 + a1)²
    expect(H.a.a.shape).toEqual([2, 2])
    expect(H.a.b.shape).toEqual([2])
    expect(H.b.a.shape).toEqual([2])
    expect(H.b.b.shape).toEqual([])
    expect(H.a.a.tolist()).toEqual([[18, 18], [18, 18]]) // 2b²
    expect(H.b.b.item()).toBe(18) // 2(a0 + a1)²
    expect(H.a.b.tolist()).toEqual([36, 36]) // 4b(a0 + a1)
  })

  it('needs a scalar output', () => {
    expect(() => hessian((x: Tensor) => x.mul(2))(tensor([1, 2]))).toThrow(expect.objectContaining({ code: 'NON_SCALAR_BACKWARD' }))
  })

  it('nests: the gradient of a Hessian entry is a third derivative', () => {
    const f = (x: Tensor) => x.pow(4).sum()
    const d3 = grad((x: Tensor) => T(hessian(f)(x)).sum())(tensor([1.5, -2]))
    expect(T(d3).tolist()).toEqual([24 * 1.5, 24 * -2])
  })
})

describe('hessianVectorProduct', () => {
  it('is H·v, by one double backward', () => {
    const f = (x: Tensor) => x.sin().mul(x.pow(2)).sum().add(x.index(0).mul(x.index(1)))
    const x = tensor([0.4, -0.9, 1.7])
    const v = tensor([1, -2, 0.5])
    const H = T(hessian(f)(x))
    const hv = T(hessianVectorProduct(f)(x, v))
    const expected = H.matmul(v)
    expect(relativeError(flat(hv), flat(expected))).toBeLessThan(1e-14)
  })

  it('takes trees: v has the structure of x', () => {
    const f = (p: Tensor[]) => p[0]!.mul(p[1]!).pow(2).sum()
    const hv = hessianVectorProduct(f)([tensor([1, 2]), tensor([3, 4])], [tensor([1, 0]), tensor([0, 1])]) as Tensor[]
    // f = Σ aᵢ²bᵢ²: ∂²/∂a² = 2b², ∂²/∂a∂b = 4ab, ∂²/∂b² = 2a²
    expect(hv[0]!.tolist()).toEqual([2 * 9, 4 * 2 * 4])
    expect(hv[1]!.tolist()).toEqual([4 * 1 * 3, 2 * 4])
    expect(() => hessianVectorProduct(f)([tensor([1, 2]), tensor([3, 4])], [tensor([1, 0])])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
    )
  })
})

describe('higher order and nesting', () => {
  it('grad(grad(f)) with argnums and object arguments', () => {
    // f(p, k) = k · (w·b)²: d/dw = 2k(w·b)b, d²/dw² summed over … via grad of a sum.
    const f = (p: { w: Tensor; b: Tensor }, k: Tensor) => p.w.mul(p.b).sum().pow(2).mul(k)
    const p = { w: tensor([1, 2]), b: tensor([3, -1]) }
    const gk = T(grad(f, { argnums: 1 })(p, tensor(2)))
    expect(gk.item()).toBe(1)
    // d/dk of Σ d f/dw = d/dk [2k(w·b) Σb] = 2(w·b)Σb = 2·1·2
    const mixed = T(grad((k: Tensor) => (grad(f)(p, k) as { w: Tensor }).w.sum(), { argnums: 0 })(tensor(2)))
    expect(mixed.item()).toBe(4)
    const [value, [gp, gk2]] = valueAndGrad(f, { argnums: [0, 1] })(p, tensor(2)) as [Tensor, [{ w: Tensor; b: Tensor }, Tensor]]
    expect(value.item()).toBe(2)
    expect(gp.w.tolist()).toEqual([12, -4])
    expect(gp.b.tolist()).toEqual([4, 8])
    expect(gk2.item()).toBe(1)
  })

  it('an inner grad closing over the outer variable: right answer, outer .grad untouched', () => {
    // g(x) = d/dy [sin(x·y)] at y = 2 = x·cos(2x); g'(x) = cos(2x) − 2x·sin(2x)
    const x = tensor(0.7, { requiresGrad: true })
    const inner = T(grad((y: Tensor) => x.mul(y).sin())(tensor(2)))
    expect(inner.item()).toBeCloseTo(0.7 * Math.cos(1.4), 14)
    expect(x.grad).toBeNull()
    const [d] = autograd.grad(inner, [x])
    expect(d!.item()).toBeCloseTo(Math.cos(1.4) - 1.4 * Math.sin(1.4), 14)
    expect(x.grad).toBeNull()
  })

  it('autograd.grad with createGraph: a Hessian row by row equals hessian()', () => {
    const x = tensor([0.3, 0.8], { requiresGrad: true })
    const y = x.index(0).exp().mul(x.index(1).pow(3))
    const [g] = autograd.grad(y, [x], { createGraph: true })
    const rows = [0, 1].map((k) => autograd.grad(g!.index(k), [x], { retainGraph: true })[0]!.tolist())
    const H = T(hessian((v: Tensor) => v.index(0).exp().mul(v.index(1).pow(3)))(tensor([0.3, 0.8])))
    expect(rows).toEqual(H.tolist())
    expect(x.grad).toBeNull()
  })
})
