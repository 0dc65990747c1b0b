import { describe, expect, it } from 'vitest'
import { add, AdError, defineUnary, exp, expand, matmul, mul, real, reshape, sin, slice, square, sub, sum, tanh, tensor, transpose, type Tensor } from '@ad/core'
import { compile, explain, grad, valueAndGrad } from './index.js'

/** Rosenbrock written with registry ops, as COMPILE.md's example. */
export const rosenbrock = (x: Tensor): Tensor => {
  const n = x.shape[0]
  const a = slice(x, { dim: 0, start: 0, end: n - 1 })
  const b = slice(x, { dim: 0, start: 1, end: n })
  return sum(add(mul(100, square(sub(b, square(a)))), square(sub(1, a)))) as Tensor
}

const x = tensor([0.5, 1.5, -0.3, 2, 0.7])
const modes = [{ codegen: true }, { codegen: false }] as const

describe.each(modes)('compile (%o)', (options) => {
  it('gives the eager value and the same gradient as the hand-written one', () => {
    expect(compile(rosenbrock, options)(x).item()).toBe(rosenbrock(x).item())
    const g = compile(grad(rosenbrock), options)(x) as Tensor
    const v = x.tolist() as number[]
    const byHand = v.map((_, i) => (i < v.length - 1 ? -400 * v[i] * (v[i + 1] - v[i] ** 2) - 2 * (1 - v[i]) : 0) + (i > 0 ? 200 * (v[i] - v[i - 1] ** 2) : 0))
    // Same operations in another order: a few ulps of the largest term (~2000).
    ;(g.tolist() as number[]).forEach((gi, i) => expect(gi).toBeCloseTo(byHand[i], 9))
  })

  it('takes and returns trees of tensors and numbers; numbers stay numbers', () => {
    const f = (p: { w: Tensor; b: number }, xs: [Tensor]) => ({ y: add(mul(p.w, xs[0]), p.b), s: mul(p.b, 2) })
    const out = compile(f, options)({ w: tensor([1, 2]), b: 3 }, [tensor([4, 5])])
    expect(out.y.tolist()).toEqual([7, 13])
    expect(out.s).toBe(6)
  })

  it('broadcasts, and reads non-contiguous views through their strides', () => {
    const m = tensor([[1, 2, 3], [4, 5, 6]])
    const f = (a: Tensor, b: Tensor): Tensor => sum(mul(sin(transpose(a, { dim0: 0, dim1: 1 })), expand(reshape(b, { shape: [3, 1] }), { shape: [3, 2] })), { dims: [1] }) as Tensor
    const b = tensor([0.5, -1, 2])
    expect(compile(f, options)(m, b).tolist()).toEqual(f(m, b).tolist())
  })

  it('equals the float32 kernels to the bit (each fused result rounded as they store it)', () => {
    const a = tensor([0.1, 0.7, -1.3], { dtype: 'float32' })
    const f = (v: Tensor) => add(tanh(mul(v, 0.3)), exp(square(v)))
    const out = compile(f, options)(a) as Tensor
    expect(out.dtype).toBe('float32')
    expect(out.tolist()).toEqual(f(a).tolist())
  })

  it('runs a user-defined op, its gradient from its own rule', () => {
    const cube = defineUnary({ name: `cube_${options.codegen}`, tex: '\\frac{d}{dx}x^3 = 3x^2', f: (v) => v * v * v, d: (v) => mul(3, square(v)), values: real })
    const g = compile(grad((v: Tensor) => sum(cube(v))), options)(x) as Tensor
    // The rule computes 3·(v·v), the check (3·v)·v: they differ in the last bit.
    ;(g.tolist() as number[]).forEach((gi, i) => expect(gi).toBeCloseTo(3 * (x.tolist() as number[])[i] ** 2, 14))
  })

  it('returns fresh outputs on every call although its working buffers are reused', () => {
    const f = compile((v: Tensor) => mul(sin(v), 2), options)
    const first = f(x) as Tensor
    const second = f(tensor([0, 0, 0, 0, 0])) as Tensor
    expect(first.tolist()).toEqual((x.tolist() as number[]).map((v) => Math.sin(v) * 2))
    expect(second.tolist()).toEqual([0, 0, 0, 0, 0])
  })
})

describe('reuseOutputs', () => {
  it('writes results into arrays kept from call to call: valid until the next call', () => {
    const f = compile((v: Tensor) => mul(sin(v), 2), { reuseOutputs: true })
    const first = f(x) as Tensor
    const data = first.storage.data
    expect(first.tolist()).toEqual((x.tolist() as number[]).map((v) => Math.sin(v) * 2))
    const second = f(tensor([0, 0, 0, 0, 0])) as Tensor
    expect(second.storage.data).toBe(data)
    expect(first.tolist()).toEqual([0, 0, 0, 0, 0])
  })
})

describe('the cache', () => {
  it('traces once per input shapes and dtypes', () => {
    let traces = 0
    const f = compile((v: Tensor) => {
      traces++
      return sum(square(v))
    })
    f(tensor([1, 2]))
    f(tensor([3, 4]))
    expect(traces).toBe(1)
    f(tensor([1, 2, 3]))
    f(tensor([1, 2], { dtype: 'float32' }))
    expect([traces, f.cacheSize]).toEqual([3, 3])
  })
})

describe('reading a traced value', () => {
  const code = (fn: () => unknown): string | undefined => {
    try {
      fn()
    } catch (e) {
      expect(e).toBeInstanceOf(AdError)
      expect((e as Error).message).toMatch(/sin/)
      return (e as AdError).code
    }
    return undefined
  }
  it('throws TRACED_VALUE naming the op, for item(), tolist() and an if', () => {
    expect(code(() => compile((v: Tensor) => sin(v).item())(tensor(1)))).toBe('TRACED_VALUE')
    expect(code(() => compile((v: Tensor) => sin(v).tolist())(tensor([1])))).toBe('TRACED_VALUE')
    expect(code(() => compile((v: Tensor) => ((sin(v) as unknown as number) > 0 ? v : mul(v, 2)))(tensor(1)))).toBe('TRACED_VALUE')
  })
})

describe('explain', () => {
  it('shows the graph with common subexpressions shared and dead code gone, and the fused loops', () => {
    const text = explain((v: Tensor) => {
      exp(v) // unused: removed
      return add(sin(v), sin(v))
    })(x)
    const graph = text.slice(0, text.indexOf('\n\n'))
    expect(graph.match(/= sin\(/g)).toHaveLength(1)
    expect(text).not.toMatch(/exp/)
    expect(text).toMatch(/fused loop over \[5\] float64/)
    expect(text).toMatch(/Math\.sin/)
  })

  it('writes a value read once inside its reader, and keeps one read twice (x·x) in a const', () => {
    const text = explain((v: Tensor) => mul(square(exp(v)), sin(v)))(x)
    const code = text.slice(text.indexOf('for ('))
    expect(code.match(/Math\.exp/g)).toHaveLength(1)
    expect(code).toMatch(/const v\d+ = Math\.exp/)
    expect(code).toMatch(/Math\.sin\(l0\)/)
    expect((compile((v: Tensor) => mul(square(exp(v)), sin(v)))(x) as Tensor).tolist()).toEqual((mul(square(exp(x)), sin(x)) as Tensor).tolist())
  })

  it('fuses Rosenbrock into one loop with its sum, and its gradient (slices transposed by cat) into one loop too', () => {
    const text = explain(rosenbrock)(x)
    expect(text).toMatch(/1 steps/)
    expect(text).not.toMatch(/kernel/)
    const gradient = explain(grad(rosenbrock))(x)
    expect(gradient).toMatch(/= cat\(/)
    expect(gradient).toMatch(/1 steps/)
    expect(gradient).not.toMatch(/kernel/)
    const big = tensor(Array.from({ length: 40 }, (_, i) => Array.from({ length: 40 }, (__, j) => Math.sin(i + 2 * j))))
    expect(explain(matmul)(big, big)).toMatch(/step 0: kernel/)
  })

  it('runs a small matrix product as its declared decomposition, fused; a large one, and float32, call the kernel', () => {
    const a = tensor([[1.5, -2, 0.25], [3, 0.5, -1]])
    const b = tensor([[0.1, 2], [-0.3, 1], [0.7, -4]])
    const f = (p: Tensor, q: Tensor) => tanh(matmul(p, q))
    const text = explain(f)(a, b)
    expect(text).not.toMatch(/kernel/)
    expect(text).toMatch(/= mul\(/)
    expect(text).toMatch(/= sum\(/)
    // Each element a sum of three products in the kernel's order: equal to the bit.
    expect((compile(f)(a, b) as Tensor).tolist()).toEqual(f(a, b).tolist())
    const a32 = tensor([[1.5, -2, 0.25]], { dtype: 'float32' })
    const b32 = tensor([[0.1], [-0.3], [0.7]], { dtype: 'float32' })
    expect(explain(matmul)(a32, b32)).toMatch(/step 0: kernel/)
  })
})

describe('scalar code (functions of many numbers)', () => {
  /** Rosenbrock over an array of numbers: one graph node per scalar op, as W1. */
  const scalarRosenbrock = (xs: number[]): number => {
    let f = 0
    for (let i = 0; i < xs.length - 1; i++) f = add(f, add(mul(100, square(sub(xs[i + 1], square(xs[i])))), square(sub(1, xs[i])))) as number
    return f
  }
  const xs = Array.from({ length: 120 }, (_, i) => Math.sin(i) * 1.5)

  it('runs as generated functions (loops where it repeats), equal to the interpreted graph to the bit', () => {
    const generated = compile(valueAndGrad(scalarRosenbrock))(xs) as [number, number[]]
    const interpreted = compile(valueAndGrad(scalarRosenbrock), { codegen: false })(xs) as [number, number[]]
    const eager = valueAndGrad(scalarRosenbrock)(xs) as [number, number[]]
    // Same ops in the same order on float64 numbers: identical, not merely close.
    expect(generated).toEqual(interpreted)
    expect(generated).toEqual(eager)
    expect(generated[1]).toHaveLength(xs.length)
    expect(typeof generated[1][0]).toBe('number')
    // ~1,900 scalar nodes: straight-line pieces and re-rolled loops (codegen/periodic.ts), more than one function.
    const steps = explain(valueAndGrad(scalarRosenbrock))(xs).match(/fused loop over \[\] float64|scalar code re-rolled/g) ?? []
    expect(steps.length).toBeGreaterThan(1)
  })

  it('takes and returns numbers next to tensors, and traces again for another count of numbers', () => {
    const f = compile((p: { a: number[]; t: Tensor }) => ({ s: add(p.a[0], p.a[1]), u: mul(p.t, p.a[2]), list: [mul(p.a[0], 2), p.a[1]] }))
    const out = f({ a: [1, 2, 3], t: tensor([1, 2]) })
    expect(out.s).toBe(3)
    expect(out.u.tolist()).toEqual([3, 6])
    expect(out.list).toEqual([2, 2])
    const again = f({ a: [5, 6, 7, 8], t: tensor([1]) })
    expect([again.s, again.u.tolist(), f.cacheSize]).toEqual([11, [7], 2])
  })
})
