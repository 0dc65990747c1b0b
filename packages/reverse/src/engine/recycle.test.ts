import { describe, expect, it } from 'vitest'
import { POOLED_MIN_ELEMENTS } from '@ad/core/internal'
import { autograd, tensor, type Tensor } from '../index.js'

// Large enough for the backward pass to recycle cotangent buffers (recycle.ts): a buffer
// reused while something still held it would show here as a wrong gradient.
const n = POOLED_MIN_ELEMENTS + 5
const xs = Float64Array.from({ length: n }, (_, i) => Math.sin(0.37 * i))
const values = (t: Tensor | null) => Array.from((t as Tensor).contiguousData())

/** |a − b| ≤ 1e-12·(1 + |b|) elementwise: the same operations, summed in another order at most. */
function expectClose(got: number[], want: number[]): void {
  expect(got.length).toBe(want.length)
  let worst = 0
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1 + Math.abs(want[i])))
  expect(worst).toBeLessThan(1e-12)
}

describe('cotangent buffers recycled during backward', () => {
  it('keep what hooks, retained gradients and shared cotangents still hold', () => {
    const x = tensor(xs, { requiresGrad: true })
    const y = x.square()
    y.retainGrad()
    const z = y.mul(3)
    const seen: Tensor[] = []
    z.registerHook((g) => void seen.push(g))
    const w = z.add(z) // add hands one cotangent to both of its inputs
    w.sin().sum().add(y.exp().sum()).backward()
    const dw = xs.map((v) => Math.cos(2 * (3 * v * v)))
    const dy = xs.map((v, i) => 6 * dw[i] + Math.exp(v * v))
    expectClose(values(seen[0]), Array.from(dw, (v) => 2 * v))
    expectClose(values(y.grad), Array.from(dy))
    expectClose(values(x.grad), Array.from(xs, (v, i) => dy[i] * 2 * v))
  })

  it('keep what autograd.grad returns, and give the same gradients twice in a row', () => {
    const x = tensor(xs, { requiresGrad: true })
    const run = () => {
      const a = x.mul(x).sub(x.cos())
      const b = a.tanh()
      const [ga, gx] = autograd.grad(b.mul(a).sum(), [a, x]) as Tensor[]
      return [values(ga), values(gx)]
    }
    const first = run()
    const tb = xs.map((v) => Math.tanh(v * v - Math.cos(v)))
    const av = xs.map((v) => v * v - Math.cos(v))
    const da = Array.from(xs, (_, i) => av[i] * (1 - tb[i] * tb[i]) + tb[i])
    expectClose(first[0], da)
    expectClose(first[1], Array.from(xs, (v, i) => da[i] * (2 * v + Math.sin(v))))
    expect(run()).toEqual(first)
  })

  it('leave a .grad accumulated over two passes intact', () => {
    const x = tensor(xs, { requiresGrad: true })
    for (let k = 0; k < 2; k++) x.exp().mul(x).sum().backward()
    expectClose(values(x.grad), Array.from(xs, (v) => 2 * (Math.exp(v) * v + Math.exp(v))))
  })
})

describe('dead cotangent buffers after the pass', () => {
  it('serve the next steps of a synchronous loop and never a tensor still held', () => {
    const x = tensor(xs, { requiresGrad: true })
    const held: Tensor[] = []
    const want: number[][] = []
    for (let k = 0; k < 4; k++) {
      // Every intermediate and gradient of every step stays held: none may share a buffer.
      const a = x.mul(k + 1)
      const b = a.sin()
      const c = b.mul(a)
      held.push(a, b, c)
      c.sum().backward()
      held.push(x.grad!.clone())
      want.push(Array.from(xs, (v) => (k + 1) * (Math.cos((k + 1) * v) * (k + 1) * v + Math.sin((k + 1) * v))))
      x.grad = null
    }
    // The steps after the first took pooled buffers (the pool rounds lengths up; a fresh
    // array outside a pass has exactly n elements).
    expect(held.slice(4).some((t) => t.storage.data.buffer.byteLength > 8 * n)).toBe(true)
    const buffers = new Set(held.map((t) => t.storage.data.buffer))
    expect(buffers.size).toBe(held.length)
    for (let k = 0; k < 4; k++) expectClose(values(held[4 * k + 3]), want[k])
    for (let k = 0; k < 4; k++) expectClose(values(held[4 * k + 1]), Array.from(xs, (v) => Math.sin((k + 1) * v)))
  })
})
