import { describe, expect, it } from 'vitest'
import { add, AdError, cos, matmul, mul, sin, sum, tanh, tensor, type Tensor } from '@ad/core'
import { compile, grad, hessian, jacfwd, jacrev, jvp, valueAndGrad, vjp } from './index.js'

const W = tensor([[0.5, -1, 0.25], [2, 0.1, -0.3]])
const b = tensor([0.1, -0.2])
const layer = (v: Tensor) => tanh(add(matmul(W, v), b))
const v = tensor([0.3, -0.7, 1.1])
/** dy_i/dv_j = (1 − y_i²) W_ij, by hand. */
const jacobianByHand = (): number[][] => {
  const y = layer(v).tolist() as number[]
  return (W.tolist() as number[][]).map((row, i) => row.map((w) => (1 - y[i] ** 2) * w))
}
const close = (a: unknown, e: unknown) => {
  if (Array.isArray(e)) (e as unknown[]).forEach((ei, i) => close((a as unknown[])[i], ei))
  else expect(a as number).toBeCloseTo(e as number, 13) // different orders of the same sums
}

describe.each([true, false])('transforms on the graph, compiled = %s', (compiled) => {
  const c = <F extends (...args: any[]) => any>(f: F): F => (compiled ? (compile(f) as unknown as F) : f)

  it('grad, valueAndGrad and argnums', () => {
    const f = (a: Tensor, s: Tensor) => sum(mul(sin(a), s))
    const a = tensor([0.2, 1.3])
    const s = tensor([2, -1])
    close((c(grad(f))(a, s) as Tensor).tolist(), [2 * Math.cos(0.2), -Math.cos(1.3)])
    const [value, grads] = c(valueAndGrad(f, { argnums: [0, 1] }))(a, s) as [Tensor, Tensor[]]
    close(value.item(), 2 * Math.sin(0.2) - Math.sin(1.3))
    close(grads[1].tolist(), [Math.sin(0.2), Math.sin(1.3)])
    // Negative argnums count from the end, as JAX (and both eager engines).
    close((c(grad(f, { argnums: -1 }))(a, s) as Tensor).tolist(), [Math.sin(0.2), Math.sin(1.3)])
  })

  it('jvp and vjp', () => {
    const t = tensor([1, 0, -1])
    const [y, dy] = c((p: Tensor, q: Tensor) => jvp(layer, [p], [q]))(v, t) as [Tensor, Tensor]
    close(y.tolist(), layer(v).tolist())
    close(dy.tolist(), jacobianByHand().map((row) => row[0] - row[2]))
    const pulled = c((p: Tensor, u: Tensor) => vjp(layer, p)[1](u))(v, tensor([1, 2])) as Tensor[]
    const J = jacobianByHand()
    close(pulled[0].tolist(), [0, 1, 2].map((j) => J[0][j] + 2 * J[1][j]))
  })

  it('jacfwd and jacrev: shape [...out, ...in], equal to the Jacobian by hand', () => {
    close((c(jacfwd(layer))(v) as Tensor).tolist(), jacobianByHand())
    close((c(jacrev(layer))(v) as Tensor).tolist(), jacobianByHand())
  })

  it('hessian, and nested transforms that close over an outer variable', () => {
    const f = (x: Tensor) => sum(mul(sin(x), x))
    const x = tensor([0.4, -1.2])
    const d2 = (t: number) => 2 * Math.cos(t) - t * Math.sin(t)
    close((c(hessian(f))(x) as Tensor).tolist(), [[d2(0.4), 0], [0, d2(-1.2)]])
    // d/dx [d/dy (x·y) at y = 1] = 1: the inner derivative must not see the outer variable.
    const outer = (p: Tensor) => grad((q: Tensor) => mul(p, q))(tensor(1))
    close((c(grad(outer))(tensor(3)) as Tensor).item(), 1)
    close((c(grad(grad((p: Tensor) => sin(p))))(tensor(0.5)) as Tensor).item(), -Math.sin(0.5))
    expect(cos).toBeDefined()
  })

  it('closes over values computed before it, and keeps one value passed twice as two arguments', () => {
    const x = tensor([0.3, -0.5])
    const y = tensor([1, 2])
    // d/du Σ u²·k = 2·u·k, with k computed outside the differentiated function.
    const g = c((p: Tensor, q: Tensor) => {
      const k = sin(q)
      return grad((u: Tensor) => sum(mul(u, mul(u, k))))(p)
    })(x, y) as Tensor
    close(g.tolist(), [2 * 0.3 * Math.sin(1), 2 * -0.5 * Math.sin(2)])
    // f(a, b) = Σ a·b at a = b = x: each partial is x, not 2x.
    const both = c((p: Tensor) => grad((a: Tensor, b2: Tensor) => sum(mul(a, b2)), { argnums: [0, 1] })(p, p))(x) as Tensor[]
    both.forEach((gi) => close(gi.tolist(), [0.3, -0.5]))
  })

  it('grad of a non-scalar output: NON_SCALAR_BACKWARD', () => {
    expect(() => c(grad(layer))(v)).toThrow(expect.objectContaining({ code: 'NON_SCALAR_BACKWARD' }) as unknown as AdError)
  })
})
