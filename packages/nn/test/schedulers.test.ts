import { describe, expect, it } from 'vitest'
import { AdError, tensor } from '@ad/reverse'
import * as nn from '../src/index.js'

// Each scheduler against its rate written out from PyTorch's documentation, per epoch.

const base = 0.1

function rates(make: (opt: nn.SGD) => nn.LRScheduler, steps: number, options: Partial<nn.SGDOptions> = {}): { lrs: number[]; opt: nn.SGD } {
  const opt = new nn.SGD([new nn.Parameter(tensor([1]))], { lr: base, ...options })
  const s = make(opt)
  const lrs = [s.getLastLr()[0]]
  for (let i = 0; i < steps; i++) {
    s.step()
    lrs.push(s.getLastLr()[0])
    expect(opt.paramGroups[0].lr).toBe(lrs[lrs.length - 1])
  }
  return { lrs, opt }
}

function expectRates(actual: number[], expected: number[]): void {
  actual.forEach((v, t) => expect(v, `epoch ${t}`).toBeCloseTo(expected[t], 14))
}

const epochs = (n: number) => Array.from({ length: n + 1 }, (_, t) => t)

describe('schedulers', () => {
  it('LambdaLR: base·λ(t)', () => {
    expectRates(rates((o) => new nn.LambdaLR(o, (t) => 1 / (t + 1)), 5).lrs, epochs(5).map((t) => base / (t + 1)))
  })

  it('StepLR: base·γ^floor(t/size)', () => {
    expectRates(rates((o) => new nn.StepLR(o, 2, { gamma: 0.5 }), 7).lrs, epochs(7).map((t) => base * 0.5 ** Math.floor(t / 2)))
  })

  it('MultiStepLR: base·γ^(milestones passed)', () => {
    const ms = [2, 5]
    expectRates(rates((o) => new nn.MultiStepLR(o, ms, { gamma: 0.1 }), 7).lrs, epochs(7).map((t) => base * 0.1 ** ms.filter((m) => m <= t).length))
  })

  it('ExponentialLR: base·γ^t', () => {
    expectRates(rates((o) => new nn.ExponentialLR(o, 0.9), 5).lrs, epochs(5).map((t) => base * 0.9 ** t))
  })

  it('CosineAnnealingLR: η_min + (base − η_min)(1 + cos(πt/T))/2, past T too', () => {
    const eta = 0.01
    const T = 4
    expectRates(rates((o) => new nn.CosineAnnealingLR(o, T, { etaMin: eta }), 12).lrs, epochs(12).map((t) => eta + ((base - eta) * (1 + Math.cos((Math.PI * t) / T))) / 2))
  })

  it('LinearLR: base·(start + (end − start)·min(t, n)/n)', () => {
    const [s, e, n] = [0.25, 0.75, 4]
    expectRates(rates((o) => new nn.LinearLR(o, { startFactor: s, endFactor: e, totalIters: n }), 7).lrs, epochs(7).map((t) => base * (s + ((e - s) * Math.min(t, n)) / n)))
  })

  it('SequentialLR: linear warm-up, then cosine restarted from the base rate at the milestone', () => {
    const warm = 3
    const T = 5
    const { lrs } = rates((o) => new nn.SequentialLR(o, [new nn.LinearLR(o, { startFactor: 0.1, totalIters: warm }), new nn.CosineAnnealingLR(o, T)], [warm]), 9)
    const expected = epochs(9).map((t) => (t < warm ? base * (0.1 + (0.9 * t) / warm) : (base * (1 + Math.cos((Math.PI * (t - warm)) / T))) / 2))
    expectRates(lrs, expected)
  })

  it('OneCycleLR: cosine up to maxLr over pctStart, down to initial/finalDivFactor, momentum the other way', () => {
    const total = 10
    const maxLr = 1
    const { lrs, opt } = rates((o) => new nn.OneCycleLR(o, maxLr, { totalSteps: total }), total - 1, { momentum: 0.9 })
    const initial = maxLr / 25
    const min = initial / 1e4
    const up = 0.3 * total - 1
    const cos = (a: number, b: number, pct: number) => b + ((a - b) / 2) * (1 + Math.cos(Math.PI * pct))
    expectRates(lrs, epochs(total - 1).map((t) => (t <= up ? cos(initial, maxLr, t / up) : cos(maxLr, min, (t - up) / (total - 1 - up)))))
    expect(opt.paramGroups[0].momentum).toBeCloseTo(0.95, 14) // back to maxMomentum at the end
  })

  it('OneCycleLR cycles Adam\'s β₁ and refuses to step past totalSteps', () => {
    const opt = new nn.Adam([new nn.Parameter(tensor([1]))], { lr: 1 })
    const s = new nn.OneCycleLR(opt, 0.5, { totalSteps: 4, pctStart: 0.5 })
    expect(opt.paramGroups[0].betas[0]).toBeCloseTo(0.95, 14)
    s.step()
    expect(opt.paramGroups[0].betas[0]).toBeCloseTo(0.85, 14)
    s.step()
    s.step()
    expect(() => s.step()).toThrow(AdError)
  })
})
