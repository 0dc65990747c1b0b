import { describe, expect, it } from 'vitest'
import { AdError, tensor, type Tensor } from '@ad/reverse'
import * as nn from '../src/index.js'

// Each optimizer against its update rule as PyTorch documents it (torch.optim's algorithm
// boxes), written out here per element on plain numbers. Gradients are set by hand, one
// fixed list per step, so the rule is all that is tested. float64 throughout: the two sides
// do the same operations in the same order, so they agree to a few ulps.

const start = [0.5, -1.5, 2]
const gradients = [[0.1, -0.2, 0.3], [-0.4, 0.5, 0.05], [0.2, 0.2, -0.6], [1, -1, 0.5]]

function run(make: (p: nn.Parameter) => nn.Optimizer<object>): number[][] {
  const p = new nn.Parameter(tensor(start))
  const opt = make(p)
  const out: number[][] = []
  for (const g of gradients) {
    p.grad = tensor(g)
    opt.step()
    out.push(p.tolist() as number[])
  }
  return out
}

function expectTrajectory(actual: number[][], expected: number[][]): void {
  actual.forEach((row, s) => row.forEach((v, i) => expect(v, `step ${s + 1}, element ${i}`).toBeCloseTo(expected[s][i], 13)))
}

/** Applies `update(p, g, state, t)` per element over the gradient list. */
function byHand<S>(init: () => S, update: (p: number, g: number, s: S, t: number) => number): number[][] {
  const p = [...start]
  const states = p.map(init)
  return gradients.map((gs, s) => {
    for (let i = 0; i < p.length; i++) p[i] = update(p[i], gs[i], states[i], s + 1)
    return [...p]
  })
}

describe('SGD', () => {
  const cases = [
    { lr: 0.1 },
    { lr: 0.1, weightDecay: 0.2 },
    { lr: 0.05, momentum: 0.9 },
    { lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.1 },
    { lr: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.05 },
  ]
  for (const o of cases) {
    it(JSON.stringify(o), () => {
      const { lr, momentum = 0, dampening = 0, weightDecay = 0, nesterov = false } = o as unknown as Record<string, number & boolean>
      const expected = byHand(
        () => ({ b: null as number | null }),
        (p, grad, s) => {
          let g = grad + weightDecay * p
          if (momentum !== 0) {
            s.b = s.b === null ? g : momentum * s.b + (1 - dampening) * g
            g = nesterov ? g + momentum * s.b : s.b
          }
          return p - lr * g
        },
      )
      expectTrajectory(run((p) => new nn.SGD([p], o)), expected)
    })
  }

  it('rejects nesterov without momentum, and bad rates', () => {
    const p = new nn.Parameter(tensor(start))
    expect(() => new nn.SGD([p], { lr: 0.1, nesterov: true })).toThrow(AdError)
    expect(() => new nn.SGD([p], { lr: -1 })).toThrow(AdError)
    expect(() => new nn.SGD([], { lr: 1 })).toThrow(AdError)
  })

  it('a step between forward and backward is caught, as in PyTorch (the update is an in-place write)', () => {
    for (const Opt of [nn.SGD, nn.Adam, nn.RMSprop]) {
      const p = new nn.Parameter(tensor(start))
      const loss = p.mul(p).sum() // saves p
      p.grad = tensor(start)
      const storage = p.storage
      new Opt([p], { lr: 0.1 }).step()
      expect(p.storage).toBe(storage) // written where it lies
      expect(() => loss.backward()).toThrow(expect.objectContaining({ code: 'MODIFIED_AFTER_SAVE' }))
    }
  })

  it('rejects betas that are not two numbers in [0, 1) with INVALID_ARGUMENT naming them (null included)', () => {
    const p = new nn.Parameter(tensor(start))
    for (const betas of [null, 0.9, [0.9], [0.9, 1], ['0.9', 0.999]]) {
      for (const Opt of [nn.Adam, nn.AdamW]) {
        expect(() => new Opt([p], { betas } as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('betas') }))
      }
    }
  })
})

describe('Adam and AdamW', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['Adam', { lr: 0.01 }],
    ['Adam', { lr: 0.02, betas: [0.8, 0.95], eps: 1e-6, weightDecay: 0.1 }],
    ['Adam', { lr: 0.02, betas: [0.8, 0.95], amsgrad: true }],
    ['AdamW', { lr: 0.02 }],
    ['AdamW', { lr: 0.02, betas: [0.85, 0.995], weightDecay: 0.05, amsgrad: true }],
  ]
  for (const [name, o] of cases) {
    it(`${name} ${JSON.stringify(o)}`, () => {
      const lr = o.lr as number
      const [b1, b2] = (o.betas as number[]) ?? [0.9, 0.999]
      const eps = (o.eps as number) ?? 1e-8
      const wd = (o.weightDecay as number) ?? (name === 'AdamW' ? 0.01 : 0)
      const amsgrad = o.amsgrad === true
      const expected = byHand(
        () => ({ m: 0, v: 0, vmax: 0 }),
        (p, grad, s, t) => {
          let g = grad
          if (name === 'AdamW') p = p * (1 - lr * wd)
          else g = g + wd * p
          s.m = b1 * s.m + (1 - b1) * g
          s.v = b2 * s.v + (1 - b2) * g * g
          const mHat = s.m / (1 - b1 ** t)
          let vHat = s.v / (1 - b2 ** t)
          if (amsgrad) {
            s.vmax = Math.max(s.vmax, s.v)
            vHat = s.vmax / (1 - b2 ** t)
          }
          return p - (lr * mHat) / (Math.sqrt(vHat) + eps)
        },
      )
      const Optim = name === 'Adam' ? nn.Adam : nn.AdamW
      expectTrajectory(run((p) => new Optim([p], o)), expected)
    })
  }
})

describe('RMSprop', () => {
  const cases = [
    { lr: 0.01 },
    { lr: 0.01, alpha: 0.9, weightDecay: 0.1 },
    { lr: 0.01, momentum: 0.9 },
    { lr: 0.01, centered: true, momentum: 0.5, eps: 1e-6 },
  ]
  for (const o of cases) {
    it(JSON.stringify(o), () => {
      const { lr, alpha = 0.99, eps = 1e-8, weightDecay = 0, momentum = 0, centered = false } = o as unknown as Record<string, number & boolean>
      const expected = byHand(
        () => ({ sq: 0, avg: 0, b: 0 }),
        (p, grad, s) => {
          const g = grad + weightDecay * p
          s.sq = alpha * s.sq + (1 - alpha) * g * g
          let denom = s.sq
          if (centered) {
            s.avg = alpha * s.avg + (1 - alpha) * g
            denom = s.sq - s.avg * s.avg
          }
          const d = Math.sqrt(denom) + eps
          if (momentum > 0) {
            s.b = momentum * s.b + g / d
            return p - lr * s.b
          }
          return p - (lr * g) / d
        },
      )
      expectTrajectory(run((p) => new nn.RMSprop([p], o)), expected)
    })
  }
})

describe('parameter groups and state dicts', () => {
  it('each group uses its own options over the defaults; parameters without a gradient stay', () => {
    const a = new nn.Parameter(tensor([1, 2]))
    const b = new nn.Parameter(tensor([3]))
    const c = new nn.Parameter(tensor([4]))
    const opt = new nn.SGD([{ params: [a] }, { params: [b, c], lr: 0.5 }], { lr: 0.1 })
    a.grad = tensor([1, 1])
    b.grad = tensor([1])
    opt.step()
    expect(a.tolist()).toEqual([0.9, 1.9])
    expect(b.tolist()).toEqual([2.5])
    expect(c.tolist()).toEqual([4])
    expect(() => new nn.SGD([{ params: [a] }, { params: [a] }], { lr: 0.1 })).toThrow(AdError)
  })

  it('stateDict indexes parameters in order; loading it into a fresh optimizer continues the same trajectory', () => {
    const make = (p: nn.Parameter[]) => new nn.Adam([{ params: [p[0]] }, { params: [p[1]], lr: 0.05 }], { lr: 0.01, amsgrad: true })
    const params = () => [new nn.Parameter(tensor([1, -1])), new nn.Parameter(tensor([0.5]))]
    const step = (ps: nn.Parameter[], opt: nn.Optimizer<object>, k: number) => {
      ps[0].grad = tensor([0.3 * k, -0.1])
      ps[1].grad = tensor([0.2 - k])
      opt.step()
    }
    const p1 = params()
    const o1 = make(p1)
    step(p1, o1, 1)
    const sd = o1.stateDict()
    expect(Object.keys(sd.state)).toEqual(['0', '1'])
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0], [1]])
    expect(sd.paramGroups[1].lr).toBe(0.05)
    expect(sd.state[0].step).toBe(1)
    expect((sd.state[0].expAvg as Tensor).shape).toEqual([2])
    expect(Object.keys(sd.state[0]).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step'])
    // A fresh optimizer over parameters with the same values, given the state dict, takes the same next step.
    const values = (ps: nn.Parameter[]) => ps.map((p) => p.tolist())
    const q2 = p1.map((p) => new nn.Parameter(tensor(p.tolist())))
    const o3 = make(q2)
    o3.loadStateDict(sd)
    const r2 = p1.map((p) => new nn.Parameter(tensor(p.tolist())))
    const withoutState = make(r2)
    step(p1, o1, 2)
    step(q2, o3, 2)
    step(r2, withoutState, 2)
    expect(values(q2)).toEqual(values(p1))
    expect(values(r2)).not.toEqual(values(p1))
    expect(() => o3.loadStateDict({ state: {}, paramGroups: [sd.paramGroups[0]] })).toThrow(AdError)
  })
})

describe('clipGradNorm_', () => {
  it('scales by maxNorm / (total + 1e-6) above the limit and returns the total norm', () => {
    const a = new nn.Parameter(tensor([3, 0]))
    const b = new nn.Parameter(tensor([4]))
    a.grad = tensor([3, 0])
    b.grad = tensor([4])
    expect(nn.clipGradNorm_([a, b], 1)).toBe(5)
    const coef = 1 / (5 + 1e-6)
    expect(a.grad?.tolist()).toEqual([3 * coef, 0])
    expect(b.grad?.tolist()).toEqual([4 * coef])
    expect(nn.clipGradNorm_([a, b], 10)).toBeCloseTo(5 * coef, 14)
    expect(b.grad?.tolist()).toEqual([4 * coef])
    a.grad = tensor([-7, 2])
    expect(nn.clipGradNorm_([a, b], 100, Infinity)).toBe(7)
    expect(nn.clipGradNorm_([a, b], 100, 1)).toBeCloseTo(9 + 4 * coef, 14)
  })
})
