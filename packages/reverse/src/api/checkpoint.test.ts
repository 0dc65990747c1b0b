import { describe, expect, it } from 'vitest'
import { autograd, checkpoint, grad, hessian, noGrad, randn, manualSeed, tapeStats, tensor, type Tensor } from '../index.js'
import { relativeError } from '../testing.js'

const flat = (t: Tensor | null) => Array.from(t!.contiguousData())

/** A chain of `n` steps h ← sin(h·w_i + 0.1) on a vector, weights (of shape `wShape`) closed over. */
function chain(n: number, size: number, wShape: number[] = [size]) {
  manualSeed(7)
  const weights = Array.from({ length: n }, () => randn(wShape).mul(0.5).add(1).requiresGrad_())
  const step = (h: Tensor, i: number) => h.mul(weights[i]!).add(0.1).sin()
  const run = (x: Tensor, segment: number) => {
    let h = x
    for (let i = 0; i < n; i += segment) {
      const from = i
      const to = Math.min(n, i + segment)
      const segmentFn = (v: Tensor) => {
        let u = v
        for (let j = from; j < to; j++) u = step(u, j)
        return u
      }
      h = segment === 1 ? step(h, i) : checkpoint(segmentFn, h)
    }
    return h.pow(2).sum()
  }
  return { weights, run }
}

describe('checkpoint', () => {
  it('gives the same value and gradients (inputs and closed-over weights) as the plain computation', () => {
    const { weights, run } = chain(12, 5)
    const x = randn([5]).requiresGrad_()
    const plainLoss = run(x, 1)
    plainLoss.backward()
    const expected = [flat(x.grad), ...weights.map((w) => flat(w.grad))]
    x.grad = null
    for (const w of weights) w.grad = null
    const loss = run(x, 4)
    expect(loss.item()).toBe(plainLoss.item())
    expect(loss.gradFn?.next[0]?.next[0]?.name).toBe('CheckpointBackward')
    loss.backward()
    const got = [flat(x.grad), ...weights.map((w) => flat(w.grad))]
    got.forEach((g, i) => expect(relativeError(g, expected[i]!), `gradient ${i}`).toBeLessThan(1e-14))
  })

  it('keeps only its inputs: the peak tape size falls for a long chain', () => {
    const n = 64
    const { run } = chain(n, 1000, []) // scalar weights: the activations are what the tape keeps
    const x = randn([1000]).requiresGrad_()
    const plainRun = tapeStats(() => run(x, 1).backward())
    const ckptRun = tapeStats(() => run(x, 8).backward())
    // Each step keeps a few [1000]-tensors; checkpointing keeps the 8 segment boundaries
    // plus, during backward, one recomputed segment of 8 steps.
    expect(plainRun.peakNodes).toBeGreaterThanOrEqual(3 * n)
    expect(ckptRun.peakNodes).toBeLessThan(plainRun.peakNodes / 3)
    expect(ckptRun.peakSavedBytes).toBeLessThan(plainRun.peakSavedBytes / 3)
    // Everything was freed by the backward passes.
    expect(plainRun.liveNodes).toBe(0)
    expect(ckptRun.liveNodes).toBe(0)
  })

  it('works under autograd.grad and nested in transforms, and with createGraph (double backward)', () => {
    const f = (v: Tensor) => v.pow(3).sin()
    const x = tensor([0.3, -0.8], { requiresGrad: true })
    const [g] = autograd.grad(checkpoint(f, x).sum(), [x], { createGraph: true })
    const [g0] = autograd.grad(f(x).sum(), [x], { createGraph: true })
    expect(relativeError(flat(g!), flat(g0!))).toBeLessThan(1e-15)
    const [h] = autograd.grad(g!.sum(), [x])
    const [h0] = autograd.grad(g0!.sum(), [x])
    expect(relativeError(flat(h!), flat(h0!))).toBeLessThan(1e-14)
    const viaGrad = grad((v: Tensor) => checkpoint(f, v).sum())(tensor([0.3, -0.8])) as Tensor
    expect(relativeError(flat(viaGrad), flat(g0!))).toBeLessThan(1e-15)
    const H = hessian((v: Tensor) => checkpoint(f, v).sum())(tensor([0.3, -0.8])) as Tensor
    const H0 = hessian((v: Tensor) => f(v).sum())(tensor([0.3, -0.8])) as Tensor
    expect(relativeError(flat(H), flat(H0))).toBeLessThan(1e-14)
  })

  it('nested checkpoints, non-tensor arguments, and noGrad', () => {
    const w = tensor([2, 3], { requiresGrad: true })
    const inner = (v: Tensor, k: number) => v.mul(w).mul(k)
    const outer = (v: Tensor) => checkpoint(inner, v, 2).exp()
    const x = tensor([0.1, 0.2], { requiresGrad: true })
    checkpoint(outer, x).sum().backward()
    const e = [0.1 * 2 * 2, 0.2 * 3 * 2].map(Math.exp)
    expect(relativeError(flat(x.grad), [e[0]! * 4, e[1]! * 6])).toBeLessThan(1e-15)
    expect(relativeError(flat(w.grad), [e[0]! * 0.2, e[1]! * 0.4])).toBeLessThan(1e-15)
    const y = noGrad(() => checkpoint(outer, x))
    expect(y.requiresGrad).toBe(false)
    expect(() => checkpoint(() => 3 as unknown as Tensor)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
  })
})
