import { describe, expect, it } from 'vitest'
import { ones, stack, tensor, type Tensor } from '../index.js'

/** Central finite differences of scalar f at x (a flat list of values), step h. */
function finiteDifferences(f: (x: number[]) => number, x: number[], h = 1e-6): number[] {
  return x.map((_, i) => {
    const up = [...x]
    const down = [...x]
    up[i] += h
    down[i] -= h
    return (f(up) - f(down)) / (2 * h)
  })
}

const code = (c: string) => expect.objectContaining({ code: c })

function expectClose(t: Tensor, expected: number[], digits = 12): void {
  const got = t.tolist() as number[]
  expect(got).toHaveLength(expected.length)
  got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], digits))
}

describe('backward', () => {
  it('seed example: t = 2(x² + y²) at x=3, y=2 gives dt/dx = 12, dt/dy = 8', () => {
    const x = tensor(3, { requiresGrad: true })
    const y = tensor(2, { requiresGrad: true })
    const t = x.pow(2).add(y.pow(2)).mul(2)
    expect(t.item()).toBe(26)
    t.backward()
    expect(x.grad!.item()).toBe(12)
    expect(y.grad!.item()).toBe(8)
  })

  it('seed example: y = 5(x + 2)² at x = 1 gives 30', () => {
    const x = ones([1], { requiresGrad: true })
    const y = x.add(2).pow(2).mul(5)
    expect(y.tolist()).toEqual([45])
    y.backward() // one element: no cotangent needed
    expect(x.grad!.tolist()).toEqual([30])
  })

  it('seed example: f = sin(x²) + eʸ tan(z) matches its partials', () => {
    const x = tensor([3], { requiresGrad: true })
    const y = tensor([4.5], { requiresGrad: true })
    const z = tensor([6.8], { requiresGrad: true })
    x.pow(2).sin().add(y.exp().mul(z.tan())).backward()
    expect(x.grad!.item()).toBeCloseTo(2 * 3 * Math.cos(9), 10)
    expect(y.grad!.item()).toBeCloseTo(Math.exp(4.5) * Math.tan(6.8), 10)
    expect(z.grad!.item()).toBeCloseTo(Math.exp(4.5) / Math.cos(6.8) ** 2, 8)
  })

  it('gradients match central finite differences', () => {
    const fns: [string, (m: Tensor[]) => Tensor, number[]][] = [
      ['sqrt(x² + y²)', ([x, y]) => x.pow(2).add(y.pow(2)).sqrt(), [3, 2]],
      ['sigmoid(w·x) with a shared input', ([a, b, c]) => a.mul(1).add(b.mul(2)).add(c.mul(3)).sigmoid().mul(a), [0.3, -0.2, 0.5]],
      ['tanh(x)·log(y) / (1 + x²)', ([x, y]) => x.tanh().mul(y.log()).div(x.pow(2).add(1)), [0.7, 1.9]],
      ['x^y·atan2(x, y)', ([x, y]) => x.pow(y).mul(x.atan2(y)), [1.3, 0.8]],
    ]
    for (const [name, f, at] of fns) {
      const vars = at.map((v) => tensor(v, { requiresGrad: true }))
      f(vars).backward()
      const fd = finiteDifferences((xs) => f(xs.map((v) => tensor(v))).item(), at)
      vars.forEach((v, i) => expect(v.grad!.item(), `${name} d/dx${i}`).toBeCloseTo(fd[i], 6))
    }
  })

  it('matches finite differences on tensors with broadcasting and reductions', () => {
    const a0 = [[0.1, -0.4, 0.9], [1.2, 0.3, -0.7]]
    const b0 = [0.5, -1.5, 2]
    const f = (a: Tensor, b: Tensor) => a.mul(b).sin().add(a.exp().mul(0.1)).sum([1]).pow(2).mean()
    const a = tensor(a0, { requiresGrad: true })
    const b = tensor(b0, { requiresGrad: true })
    f(a, b).backward()
    const flatA = a0.flat()
    const fdA = finiteDifferences((xs) => f(tensor([xs.slice(0, 3), xs.slice(3)]), tensor(b0)).item(), flatA)
    const fdB = finiteDifferences((xs) => f(tensor(a0), tensor(xs)).item(), b0)
    ;(a.grad!.tolist() as number[][]).flat().forEach((g, i) => expect(g).toBeCloseTo(fdA[i], 6))
    ;(b.grad!.tolist() as number[]).forEach((g, i) => expect(g).toBeCloseTo(fdB[i], 6))
  })

  it('a vector output takes an explicit cotangent (vector-Jacobian product)', () => {
    const a = tensor([2, 3], { requiresGrad: true })
    const b = tensor([6, 4], { requiresGrad: true })
    const q = a.pow(3).mul(3).sub(b.pow(2))
    expect(q.tolist()).toEqual([-12, 65])
    expect(q.gradFn?.name).toBe('SubBackward')
    q.backward(tensor([1.5, 1.9]))
    expectClose(a.grad!, [54, 153.9])
    expectClose(b.grad!, [-18, -15.2])
  })

  it('a cotangent may be nested arrays; its shape must match', () => {
    const a = tensor([2, 3], { requiresGrad: true })
    a.mul(2).backward([1, 10])
    expect(a.grad!.tolist()).toEqual([2, 20])
    expect(() => a.mul(2).backward(tensor([1, 2, 3]))).toThrow(code('SHAPE_MISMATCH'))
  })

  it('without a cotangent, a non-scalar output throws NON_SCALAR_BACKWARD', () => {
    const a = tensor([2, 3], { requiresGrad: true })
    expect(() => a.mul(2).backward()).toThrow(code('NON_SCALAR_BACKWARD'))
  })

  it('an output that does not require grad throws NO_GRAD', () => {
    expect(() => tensor(2).mul(3).backward()).toThrow(code('NO_GRAD'))
    const x = tensor(2, { requiresGrad: true })
    expect(() => x.detach().mul(3).backward()).toThrow(code('NO_GRAD'))
  })

  it('gradients accumulate across backward calls (graph retained), and .grad can be reset', () => {
    const x = tensor([3], { requiresGrad: true })
    const f = x.sin()
    const g = f.log()
    const h = f.pow(0.5)
    g.backward(undefined, { retainGraph: true })
    expect(x.grad!.item()).toBeCloseTo(Math.cos(3) / Math.sin(3), 12)
    h.backward()
    expect(x.grad!.item()).toBeCloseTo(Math.cos(3) / Math.sin(3) + Math.cos(3) / (2 * Math.sqrt(Math.sin(3))), 12)
    x.grad = null
    x.mul(2).sum().backward()
    expect(x.grad!.tolist()).toEqual([2])
  })

  it('backward a second time without retainGraph throws GRAPH_FREED', () => {
    const x = tensor([9], { requiresGrad: true })
    const f = x.pow(2)
    f.backward()
    expect(x.grad!.tolist()).toEqual([18])
    expect(() => f.backward()).toThrow(code('GRAPH_FREED'))
    expect(f.gradFn!.freed).toBe(true)
    expect(f.gradFn!.next[0]?.name).toBe('AccumulateGrad') // the edges outlive the saved tensors
    // A retained graph can be walked again.
    const y = tensor(2, { requiresGrad: true })
    const z = y.exp()
    z.backward(undefined, { retainGraph: true })
    z.backward()
    expect(y.grad!.item()).toBeCloseTo(2 * Math.exp(2), 12)
  })

  it('backward on a leaf deposits the cotangent', () => {
    const x = tensor(5, { requiresGrad: true })
    x.backward()
    expect(x.grad!.item()).toBe(1)
  })

  it('non-leaf tensors get .grad only after retainGrad()', () => {
    const x = tensor(2, { requiresGrad: true })
    const y = x.mul(3)
    const z = x.mul(4)
    y.retainGrad()
    y.mul(z).backward()
    expect(y.grad!.item()).toBe(8)
    expect(z.grad).toBeNull()
    expect(x.grad!.item()).toBe(2 * 3 * 4 * 2)
  })

  it('a tensor used twice gets both contributions', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    x.mul(x).add(x).sum().backward()
    expect(x.grad!.tolist()).toEqual([3, 5])
  })

  it('leaves that receive the same cotangent storage get their own .grad', () => {
    const a = tensor([1, 2], { requiresGrad: true })
    const b = tensor([3, 4], { requiresGrad: true })
    const c = tensor([1, 1])
    a.add(b).backward(c)
    expect(a.grad!.storage).not.toBe(b.grad!.storage)
    expect(a.grad!.storage).not.toBe(c.storage)
  })

  it('createGraph records the backward pass: x³ gives 3x², whose backward gives 6x', () => {
    const x = tensor(3, { requiresGrad: true })
    x.pow(3).backward(undefined, { createGraph: true })
    const g = x.grad!
    expect(g.item()).toBe(27)
    expect(g.requiresGrad).toBe(true)
    x.grad = null
    g.backward()
    expect(x.grad!.item()).toBe(18)
  })

  it('stack keeps the graph through index, unlike tensor([a, b])', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const s = stack([x.index(0).mul(2), x.index(1)])
    expect(s.gradFn?.name).toBe('StackBackward')
    s.backward(tensor([1, 10]))
    expect(x.grad!.tolist()).toEqual([2, 10])
  })

  it('walks a chain of 1,000,000 nodes without overflowing the stack', () => {
    const x = tensor(1, { requiresGrad: true })
    let y: Tensor = x
    for (let i = 0; i < 1_000_000; i++) y = y.add(1)
    y.backward()
    expect(x.grad!.item()).toBe(1)
  }, 60_000)
})

describe('backward keeps the dtype of a float32 graph', () => {
  // A 0-dim cotangent is a plain number; the rules must still see it as float32 so that
  // every step of the pass rounds to float32, as PyTorch's does: d/dx sum(((x·a)·b)·c) is
  // then fl(fl(c·b)·a), not c·b·a rounded once (which a float64 pass would give).
  const a = [1.38, 0.96, 0.83], b = [1.6, 2.96, 2.74], c = [0.66, 1.48, 1.59]
  const f = Math.fround
  const expected = a.map((_, i) => f(f(f(c[i]) * f(b[i])) * f(a[i])))
  const onceRounded = a.map((_, i) => f(f(c[i]) * f(b[i]) * f(a[i])))

  it('a float32 loss reduced to 0-dim rounds every cotangent to float32', () => {
    expect(expected).not.toEqual(onceRounded) // the values discriminate
    const t32 = (v: number[]) => tensor(v, { dtype: 'float32' })
    for (const reduce of [(z: Tensor) => z.sum(), (z: Tensor) => z.mean().mul(3)]) {
      const x = tensor([0.5, -1, 2], { dtype: 'float32', requiresGrad: true })
      reduce(x.mul(t32(a)).mul(t32(b)).mul(t32(c))).backward()
      expect(x.grad!.dtype).toBe('float32')
      expect(x.grad!.tolist()).toEqual(expected)
    }
  })
})
