import { errorCode } from './testing/errors.js'
import { describe, expect, it } from 'vitest'
import {
  AdError, add, crossEntropy, derivative, exp, hessian, hessianVectorProduct, jacfwd, linear, logsumexp, mseLoss, mul, pow, reshape, sin,
  slice, sum, tanh, tensor, Tensor,
} from './index.js'
import { values } from './testing/fd.js'
import { expectMatrixClose, expectSymmetric, fdHessian, matVec, rows, vec, wave } from './testing/hessian.js'

const D = derivative

const code = errorCode

describe('nested forward mode', () => {
  it('does not confuse perturbations: D(x => x * D(y => x + y)(1))(1) is 1, not 2', () => {
    expect(D((x: any) => mul(x, D((y: any) => add(x, y))(1)))(1)).toBe(1)
  })

  it('keeps the perturbations apart inside hessian too: f(x) = x · d/dy (x·y) = x², so H = 2', () => {
    const f = (x: any) => mul(x, D((y: any) => mul(x, y))(1))
    expect(hessian(f)(0.7)).toBeCloseTo(2, 12)
    const g = (x: any) => sum(mul(x, D((y: any) => sum(mul(x, y)))(tensor(1))))
    expectMatrixClose(rows(hessian(g)(vec([0.3, -1.1]))), [[2, 2], [2, 2]], 1e-12)
  })
})

describe('hessian (forward over forward)', () => {
  it('of sum(x³) is diag(6x), and agrees with finite differences of the gradient', () => {
    const f = (x: any) => sum(pow(x, 3))
    const x = vec([1, -2, 0.5, 3])
    const h = hessian(f)(x) as Tensor
    expect(h.shape).toEqual([4, 4])
    expectMatrixClose(rows(h), [[6, 0, 0, 0], [0, -12, 0, 0], [0, 0, 3, 0], [0, 0, 0, 18]], 1e-14)
    expectMatrixClose(rows(h), fdHessian(f, x), 1e-7)
  })

  it('of sin(x)·y² (as one vector [x, y], and with argnums) matches the hand Hessian and finite differences', () => {
    const [x, y] = [0.8, -1.3]
    const exact = [[-Math.sin(x) * y * y, 2 * y * Math.cos(x)], [2 * y * Math.cos(x), 2 * Math.sin(x)]]
    const f = (p: any) => mul(sin(slice(p, { dim: 0, start: 0, end: 1 })), pow(slice(p, { dim: 0, start: 1, end: 2 }), 2)) // shape [1]
    const h = rows(hessian(f)(vec([x, y])))
    expectMatrixClose(h, exact, 1e-14)
    expectMatrixClose(h, fdHessian(f, vec([x, y])), 1e-7)
    expectSymmetric(h, 0)
    // two number arguments: an array of arrays of numbers, H[i][j] = d²f / d args[i] d args[j]
    const byArg = hessian((a: any, b: any) => mul(sin(a), mul(b, b)), { argnums: [0, 1] })(x, y) as number[][]
    expect(typeof byArg[0][1]).toBe('number')
    expectMatrixClose(byArg, exact, 1e-14)
  })

  it('of logsumexp is diag(p) − p pᵀ (p = softmax), on a 2-D input', () => {
    const f = (x: any) => logsumexp(x, { dims: [0, 1] })
    const x = vec(wave(6, 0.4), [2, 3])
    const h = hessian(f)(x) as Tensor
    expect(h.shape).toEqual([2, 3, 2, 3])
    const e = values(x).map(Math.exp)
    const p = e.map((v) => v / e.reduce((a, b) => a + b))
    const exact = p.map((pi, i) => p.map((pj, j) => (i === j ? pi : 0) - pi * pj))
    expectMatrixClose(rows(h), exact, 1e-14)
    expectMatrixClose(rows(h), fdHessian(f, x), 1e-7)
    expectSymmetric(rows(h))
  })

  it('gives a number for a number, a 0-dim tensor for a 0-dim tensor, and takes outputs of shape [] or [1]', () => {
    const f = (x: any) => mul(sin(x), x) // f'' = 2 cos x − x sin x
    const d2 = 2 * Math.cos(1.2) - 1.2 * Math.sin(1.2)
    const h = hessian(f)(1.2)
    expect(typeof h).toBe('number')
    expect(h).toBeCloseTo(d2, 14)
    const h0 = hessian(f)(tensor(1.2)) as Tensor
    expect(h0.shape).toEqual([])
    expect(h0.item()).toBeCloseTo(d2, 14)
    const h1 = hessian(f)(tensor([1.2])) as Tensor // f returns shape [1]
    expect(h1.shape).toEqual([1, 1])
    expect(h1.item()).toBeCloseTo(d2, 14)
    const hk = hessian((x: any) => sum(pow(x, 3), { dims: [0, 1], keepdim: true }))(vec([1, 2], [1, 2])) as Tensor // output [1, 1]
    expect(hk.shape).toEqual([1, 2, 1, 2])
  })

  it('is the same for every chunk size (only blocks on and below the diagonal are computed; the rest mirrored)', () => {
    const W = vec(wave(35, 1), [5, 7])
    const f = (x: any) => add(logsumexp(tanh(linear(x, W)), { dims: [0] }), sum(mul(exp(mul(x, 0.3)), pow(x, 2))))
    const x = vec(wave(7, 2).map((v) => v * 2), [7])
    const ref = rows(hessian(f, { chunkSize: 7 })(x))
    expectMatrixClose(ref, fdHessian(f, x), 1e-7)
    for (const chunkSize of [1, 2, 3, 5, 100]) expectMatrixClose(rows(hessian(f, { chunkSize })(x)), ref, 1e-13)
    expectSymmetric(rows(hessian(f, { chunkSize: 3 })(x)), 0)
  })

  it('of the scalar-graph Rosenbrock over an array of numbers is an array of arrays of numbers (tridiagonal, by hand)', () => {
    const rosenbrock = (x: readonly any[]): any => {
      let acc: any = 0
      for (let i = 0; i < x.length - 1; i++) {
        acc = add(acc, add(mul(100, pow(add(x[i + 1], mul(-1, pow(x[i], 2))), 2)), pow(add(1, mul(-1, x[i])), 2)))
      }
      return acc
    }
    const xs = wave(6, 0.5)
    const exact = xs.map(() => xs.map(() => 0))
    for (let i = 0; i < xs.length - 1; i++) {
      exact[i][i] += 1200 * xs[i] ** 2 - 400 * xs[i + 1] + 2
      exact[i + 1][i + 1] += 200
      exact[i][i + 1] = exact[i + 1][i] = -400 * xs[i]
    }
    const h = hessian(rosenbrock, { chunkSize: 4 })(xs) as number[][]
    expect(typeof h[2][3]).toBe('number')
    expectMatrixClose(h, exact, 1e-13)
  })

  it('keeps float32', () => {
    const h = hessian((x: any) => sum(pow(x, 3)))(tensor([1, 2], { dtype: 'float32' })) as Tensor
    expect(h.dtype).toBe('float32')
    expect(h.tolist()).toEqual([[6, 0], [0, 12]])
  })

  it('differentiates again when nested: jacfwd of hessian gives the third derivative', () => {
    const f = (x: any) => sum(mul(sin(x), pow(x, 2)))
    const x = vec([0.4, -0.9, 1.3])
    const t = jacfwd((p: any) => hessian(f, { chunkSize: 2 })(p))(x) as Tensor
    expect(t.shape).toEqual([3, 3, 3])
    // f''' of sin(x) x² is 6 cos x − 6 x sin x − x² cos x, on the diagonal only
    const third = values(x).map((v) => 6 * Math.cos(v) - 6 * v * Math.sin(v) - v * v * Math.cos(v))
    const exact = [0, 1, 2].flatMap((i) => [0, 1, 2].flatMap((j) => [0, 1, 2].map((k) => (i === j && j === k ? third[i] : 0))))
    expectMatrixClose([values(t)], [exact], 1e-13)
    // and derivative over a hessian, wrt a parameter: d/da H(a · sum(x³)) = diag(6x)
    const dh = jacfwd((a: any) => hessian((p: any) => mul(a, sum(pow(p, 3))), { chunkSize: 2 })(x))(tensor(1.5)) as Tensor
    expectMatrixClose(rows(dh), [[2.4, 0, 0], [0, -5.4, 0], [0, 0, 7.8]], 1e-14)
  })

  it('rejects non-scalar outputs and bad options with INVALID_ARGUMENT', () => {
    expect(code(() => hessian((x: any) => mul(x, 2))(vec([1, 2])))).toBe('INVALID_ARGUMENT')
    expect(code(() => hessian((x: any) => sum(x), { chunkSize: 0 })(vec([1, 2])))).toBe('INVALID_ARGUMENT')
    expect(code(() => hessian((x: any) => sum(x), { argnums: 1 })(vec([1, 2])))).toBe('INVALID_ARGUMENT')
    expect(code(() => hessian(() => 'no')(vec([1, 2])))).toBe('INVALID_ARGUMENT')
  })

  it('of an empty input is empty', () => {
    const h = hessian((x: any) => sum(x))(tensor(new Float64Array(0), { shape: [0] })) as Tensor
    expect(h.shape).toEqual([0, 0])
  })
})

describe('hessian of an MLP loss', () => {
  // One hidden tanh layer: x [5, 3] → 4 hidden → 2 outputs; parameters W1 [4,3], b1 [4], W2 [2,4], b2 [2] (26 in all).
  const X = vec(wave(15, 0.1), [5, 3])
  const Y = vec(wave(10, 2.5), [5, 2])
  const shapes = { W1: [4, 3], b1: [4], W2: [2, 4], b2: [2] }
  type Params = Record<keyof typeof shapes, any>
  const forward = (p: Params) => linear(tanh(linear(X, p.W1, p.b1)), p.W2, p.b2)
  /** The parameters from one flat vector θ, so finite differences can perturb them all. */
  const unpack = (theta: any): Params => {
    let at = 0
    const out: Record<string, any> = {}
    for (const [name, shape] of Object.entries(shapes)) {
      const size = shape.reduce((a, b) => a * b, 1)
      out[name] = reshape(slice(theta, { dim: 0, start: at, end: at + size }), { shape })
      at += size
    }
    return out as Params
  }
  const theta = vec(wave(26, 0.7).map((v) => 0.8 * v))

  it('with mseLoss matches finite differences of the gradient, and the tree form has the same blocks', () => {
    const loss = (p: Params) => mseLoss(forward(p), Y)
    const flat = (t: any) => loss(unpack(t))
    const h = rows(hessian(flat)(theta))
    expectMatrixClose(h, fdHessian(flat, theta), 1e-7)
    expectSymmetric(h)
    // The same Hessian with the parameters as a plain object: H[a][b] has shape [...a, ...b].
    const tree = hessian(loss)(unpack(theta)) as Record<string, Record<string, Tensor>>
    expect(tree.W1.b1.shape).toEqual([4, 3, 4])
    expect(tree.b2.W2.shape).toEqual([2, 2, 4])
    const offsets = { W1: 0, b1: 12, W2: 16, b2: 24 }
    for (const a of Object.keys(shapes) as (keyof typeof shapes)[]) {
      for (const b of Object.keys(shapes) as (keyof typeof shapes)[]) {
        const block = values(tree[a][b])
        const [na, nb] = [values(unpack(theta)[a]).length, values(unpack(theta)[b]).length]
        const expected = Array.from({ length: na }, (_, i) => h[offsets[a] + i].slice(offsets[b], offsets[b] + nb)).flat()
        expectMatrixClose([block], [expected], 1e-14)
      }
    }
  })

  it('with crossEntropy matches finite differences of the gradient', () => {
    const target = tensor([0, 1, 1, 0, 1])
    const flat = (t: any) => crossEntropy(forward(unpack(t)), target)
    const h = rows(hessian(flat, { chunkSize: 8 })(theta))
    expectMatrixClose(h, fdHessian(flat, theta), 1e-7)
    expectSymmetric(h)
  })
})

describe('hessianVectorProduct', () => {
  const f = (x: any) => add(logsumexp(mul(x, x), { dims: [0] }), sum(mul(sin(x), pow(x, 3))))

  it('equals hessian(f)(x) @ v', () => {
    const x = vec(wave(9, 0.2))
    const v = wave(9, 3.1)
    const hv = hessianVectorProduct(f)(x, vec(v)) as Tensor
    expect(hv.shape).toEqual([9])
    expectMatrixClose([values(hv)], [matVec(rows(hessian(f)(x)), v)], 1e-13)
    expectMatrixClose([values(hessianVectorProduct(f, { chunkSize: 4 })(x, vec(v)))], [values(hv)], 1e-13)
  })

  it('takes numbers and trees, giving the structure of x', () => {
    const g = (x: any) => mul(sin(x), x)
    const hv = hessianVectorProduct(g)(1.2, 2)
    expect(typeof hv).toBe('number')
    expect(hv).toBeCloseTo(2 * (2 * Math.cos(1.2) - 1.2 * Math.sin(1.2)), 14)
    const loss = (p: { a: any; b: any }) => mul(sum(pow(p.a, 2)), p.b) // H = [[2b I, 2a], [2aᵀ, 0]]
    const out = hessianVectorProduct(loss)({ a: vec([1, 2]), b: tensor(3) }, { a: vec([1, -1]), b: tensor(0.5) }) as { a: Tensor; b: Tensor }
    expect(values(out.a)).toEqual([6 + 1, -6 + 2])
    expect(out.b.item()).toBeCloseTo(2 * (1 - 2), 14)
  })

  it('checks that v has the shapes of x', () => {
    expect(code(() => hessianVectorProduct(f)(vec([1, 2]), vec([1, 2, 3])))).toBe('SHAPE_MISMATCH')
  })
})

describe('hessian at n = 50', () => {
  it('of a 50-input function agrees with its HVPs and finite differences', () => {
    const W = vec(wave(50 * 50, 0.3).map((v) => v / 7), [50, 50])
    const f = (x: any) => add(logsumexp(tanh(linear(x, W)), { dims: [0] }), sum(pow(x, 4)))
    const x = vec(wave(50, 1.9))
    const h = rows(hessian(f)(x))
    expectSymmetric(h, 0)
    const v = wave(50, 0.6)
    expectMatrixClose([values(hessianVectorProduct(f)(x, vec(v)))], [matVec(h, v)], 1e-12)
    expectMatrixClose(h, fdHessian(f, x), 1e-7)
  })
})
