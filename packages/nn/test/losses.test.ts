import { describe, expect, it } from 'vitest'
import { checkGrads } from '@ad/check'
import { AdError, tensor, type Tensor } from '@ad/reverse'
import * as nn from '../src/index.js'
import { generate } from './oracle.js'

// Each loss against its formula written per element here, for each reduction, and its
// gradient against central differences.

const F = nn.functional
const input = tensor(generate('U', 12, 31, 2), { shape: [4, 3] })
const target = tensor(generate('U', 12, 32, 2), { shape: [4, 3] })
const classes = tensor([2, 0, -100, 1])
const probs = tensor(generate('U01', 12, 33), { shape: [4, 3] }).mul(0.9).add(0.05)
const soft = tensor(generate('U01', 12, 34), { shape: [4, 3] })

const rows = (t: Tensor) => t.tolist() as number[][]

function reduce(perElement: number[], reduction: nn.Reduction, count = perElement.length): number | number[] {
  const total = perElement.reduce((a, b) => a + b, 0)
  return reduction === 'none' ? perElement : reduction === 'sum' ? total : total / count
}

function expectValues(got: Tensor, want: number | number[]): void {
  const g = got.tolist()
  if (typeof want === 'number') expect(g as number).toBeCloseTo(want, 13)
  else (g as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo(want[i], 13))
}

const elementwise = (f: (x: number, y: number) => number, a: Tensor, b: Tensor) => rows(a).flat().map((x, i) => f(x, rows(b).flat()[i]))

const logSoftmaxRows = (x: number[][]) =>
  x.map((r) => {
    const m = Math.max(...r)
    const lse = m + Math.log(r.reduce((s, v) => s + Math.exp(v - m), 0))
    return r.map((v) => v - lse)
  })

describe('losses', () => {
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    it(`mse, l1, smoothL1 (${reduction})`, () => {
      expectValues(F.mseLoss(input, target, { reduction }), reduce(elementwise((x, y) => (x - y) ** 2, input, target), reduction))
      expectValues(F.l1Loss(input, target, { reduction }), reduce(elementwise((x, y) => Math.abs(x - y), input, target), reduction))
      for (const beta of [0, 0.5, 1]) {
        const f = (x: number, y: number) => (beta > 0 && Math.abs(x - y) < beta ? (0.5 * (x - y) ** 2) / beta : Math.abs(x - y) - beta / 2)
        expectValues(F.smoothL1Loss(input, target, { reduction, beta }), reduce(elementwise(f, input, target), reduction))
        expectValues(new nn.SmoothL1Loss({ reduction, beta }).call(input, target) as Tensor, reduce(elementwise(f, input, target), reduction))
      }
    })

    it(`nllLoss and crossEntropy with ignoreIndex and labelSmoothing (${reduction})`, () => {
      const t = classes.tolist() as number[]
      const kept = t.filter((c) => c !== -100).length
      const logp = logSoftmaxRows(rows(input))
      const nll = rows(input).map((r, i) => (t[i] === -100 ? 0 : -r[t[i]]))
      expectValues(F.nllLoss(input, classes, { reduction }), reduce(nll, reduction, kept))
      for (const eps of [0, 0.3]) {
        const ce = logp.map((r, i) => (t[i] === -100 ? 0 : (1 - eps) * -r[t[i]] + (eps * -r.reduce((a, b) => a + b)) / r.length))
        expectValues(F.crossEntropy(input, classes, { reduction, labelSmoothing: eps }), reduce(ce, reduction, kept))
        expectValues(new nn.CrossEntropyLoss({ reduction, labelSmoothing: eps }).call(input, classes) as Tensor, reduce(ce, reduction, kept))
      }
    })

    it(`binaryCrossEntropy and binaryCrossEntropyWithLogits with posWeight (${reduction})`, () => {
      const bce = (p: number, y: number) => -(y * Math.log(p) + (1 - y) * Math.log(1 - p))
      expectValues(F.binaryCrossEntropy(probs, soft, { reduction }), reduce(elementwise(bce, probs, soft), reduction))
      const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))
      expectValues(F.binaryCrossEntropyWithLogits(input, soft, { reduction }), reduce(elementwise((x, y) => bce(sigmoid(x), y), input, soft), reduction))
      const pw = [0.5, 2, 3]
      const weighted = rows(input).flatMap((r, i) => r.map((x, j) => {
        const y = rows(soft)[i][j]
        return -(pw[j] * y * Math.log(sigmoid(x)) + (1 - y) * Math.log(1 - sigmoid(x)))
      }))
      expectValues(new nn.BCEWithLogitsLoss({ reduction, posWeight: tensor(pw) }).call(input, soft) as Tensor, reduce(weighted, reduction))
    })
  }

  it('clamps BCE\'s logarithms at −100, so p = 0 and 1 give finite losses', () => {
    expect(F.binaryCrossEntropy(tensor([0, 1]), tensor([1, 0]), { reduction: 'none' }).tolist()).toEqual([100, 100])
  })

  it('gradients against finite differences', () => {
    const opts = { modes: ['rev'] as const }
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      checkGrads((x: Tensor, y: Tensor) => F.mseLoss(x, y, { reduction }), [input, target], { ...opts })
      checkGrads((x: Tensor, y: Tensor) => F.smoothL1Loss(x, y, { reduction, beta: 0.7 }), [input, target], { ...opts })
      checkGrads((x: Tensor) => F.crossEntropy(x, classes, { reduction, labelSmoothing: 0.2 }), [input], { ...opts })
      checkGrads((x: Tensor) => F.nllLoss(x, classes, { reduction }), [input], { ...opts })
      // The BCE targets are constants, as the registry's ops (and PyTorch's binary_cross_entropy) have them.
      checkGrads((p: Tensor) => F.binaryCrossEntropy(p, soft, { reduction }), [probs], { ...opts })
      checkGrads((x: Tensor) => F.binaryCrossEntropyWithLogits(x, soft, { reduction }), [input], { ...opts })
      checkGrads((x: Tensor) => F.binaryCrossEntropyWithLogits(x, soft, { reduction, posWeight: tensor([0.5, 2, 3]) }), [input], { ...opts })
    }
  })

  it('rejects bad targets and options with AdErrors', () => {
    expect(() => F.crossEntropy(input, tensor([0, 1, 3, 0]))).toThrow(AdError)
    expect(() => F.crossEntropy(input, tensor([0, 1]))).toThrow(AdError)
    expect(() => F.mseLoss(input, target, { reduction: 'max' as 'sum' })).toThrow(AdError)
    expect(() => F.binaryCrossEntropy(probs, tensor([1]))).toThrow(AdError)
  })
})
