import { describe, expect, it } from 'vitest'
import {
  Tensor,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  conv2d,
  convTranspose2d,
  layerNorm,
  mulberry32,
  nllLoss,
  tensor,
} from '../../index.js'
import { codeOf } from '../../testing/helpers.js'

// The second wave's nn ops against loops written from their definitions, and their errors.
// (PyTorch's own values are in the case files; the gradients in the cross-validation suite.)

function randomTensor(seed: number, shape: number[], lo = -2, hi = 2): Tensor {
  const rng = mulberry32(seed)
  return Tensor.fromArray(Float64Array.from({ length: shape.reduce((p, d) => p * d, 1) }, () => lo + (hi - lo) * rng()), shape)
}

const vals = (v: unknown): number[] => Array.from((v as Tensor).contiguousData())

function expectClose(got: unknown, want: readonly number[], tol = 1e-12): void {
  const g = Array.isArray(got) ? (got as number[]) : vals(got)
  expect(g.length).toBe(want.length)
  let worst = 0
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - want[i]))
  expect(worst).toBeLessThan(tol)
}

describe('convTranspose2d', () => {
  it('scatters each input pixel times the kernel at stride spacing, cropped by padding, plus the bias', () => {
    for (const [stride, padding, outputPadding] of [[1, 0, 0], [2, 1, 1], [3, 0, 2], [2, 2, 0]]) {
      const [n, cin, cout, h, w, kh, kw] = [2, 3, 2, 3, 4, 3, 2]
      const x = randomTensor(stride * 10 + padding, [n, cin, h, w])
      const wt = randomTensor(7, [cin, cout, kh, kw])
      const b = randomTensor(8, [cout])
      const oh = (h - 1) * stride - 2 * padding + kh + outputPadding
      const ow = (w - 1) * stride - 2 * padding + kw + outputPadding
      const want = new Array<number>(n * cout * oh * ow).fill(0)
      const xs = vals(x)
      const ws = vals(wt)
      const bs = vals(b)
      for (let i = 0; i < want.length; i++) want[i] = bs[Math.floor(i / (oh * ow)) % cout]
      for (let bi = 0; bi < n; bi++) for (let c = 0; c < cin; c++) for (let i = 0; i < h; i++) for (let j = 0; j < w; j++)
        for (let o = 0; o < cout; o++) for (let p = 0; p < kh; p++) for (let q = 0; q < kw; q++) {
          const r = i * stride + p - padding
          const t = j * stride + q - padding
          if (r < 0 || r >= oh || t < 0 || t >= ow) continue
          want[((bi * cout + o) * oh + r) * ow + t] += xs[((bi * cin + c) * h + i) * w + j] * ws[((c * cout + o) * kh + p) * kw + q]
        }
      const got = convTranspose2d(x, wt, b, { stride, padding, outputPadding }) as Tensor
      expect(got.shape).toEqual([n, cout, oh, ow])
      expectClose(got, want)
    }
  })

  it('rejects bad shapes and attributes', () => {
    const x = randomTensor(1, [1, 2, 3, 3])
    expect(codeOf(() => convTranspose2d(x, randomTensor(2, [3, 1, 2, 2])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => convTranspose2d(x, randomTensor(2, [2, 1, 2, 2]), randomTensor(3, [2])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => convTranspose2d(x, randomTensor(2, [2, 1, 2, 2]), { stride: 2, outputPadding: 2 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => convTranspose2d(x, randomTensor(2, [2, 1, 1, 1]), { padding: 2 }))).toBe('SHAPE_MISMATCH')
  })
})

describe('conv2d with groups and dilation', () => {
  it('a depthwise convolution is one single-channel convolution per channel', () => {
    const x = randomTensor(1, [2, 3, 6, 5])
    const w = randomTensor(2, [3, 1, 3, 3])
    const got = vals(conv2d(x, w, { groups: 3, padding: 2, dilation: 2 }))
    const want: number[] = []
    for (let b = 0; b < 2; b++) {
      for (let c = 0; c < 3; c++) {
        const xc = Tensor.fromArray(Float64Array.from(vals(x).slice((b * 3 + c) * 30, (b * 3 + c + 1) * 30)), [1, 1, 6, 5])
        const wc = Tensor.fromArray(Float64Array.from(vals(w).slice(c * 9, (c + 1) * 9)), [1, 1, 3, 3])
        want.push(...vals(conv2d(xc, wc, { padding: 2, dilation: 2 })))
      }
    }
    expect(got.length).toBe(2 * 3 * 6 * 5) // 'same' size: the dilated 3x3 kernel spans 5x5, padding 2
    expectClose(got, want)
  })
})

describe('layerNorm', () => {
  it('normalizes each run of the last dims, then scales and shifts', () => {
    const x = randomTensor(3, [2, 3, 4])
    const w = randomTensor(4, [3, 4])
    const b = randomTensor(5, [3, 4])
    const xs = vals(x)
    const want: number[] = []
    for (let r = 0; r < 2; r++) {
      const run = xs.slice(r * 12, (r + 1) * 12)
      const mean = run.reduce((s, v) => s + v, 0) / 12
      const variance = run.reduce((s, v) => s + (v - mean) ** 2, 0) / 12
      run.forEach((v, j) => want.push(((v - mean) / Math.sqrt(variance + 1e-5)) * vals(w)[j] + vals(b)[j]))
    }
    expectClose(layerNorm(x, w, b, { normalizedShape: [3, 4] }), want)
    expectClose(layerNorm(x, { normalizedShape: [3, 4] }), want.map((v, i) => (v - vals(b)[i % 12]) / vals(w)[i % 12]), 1e-10)
  })

  it('rejects a normalizedShape that is not the input\'s last dims, and affine params of another shape', () => {
    const x = randomTensor(3, [2, 3, 4])
    expect(codeOf(() => layerNorm(x, { normalizedShape: [3] }))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => layerNorm(x, randomTensor(1, [3]), { normalizedShape: [4] }))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => layerNorm(x, { normalizedShape: [] }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => layerNorm(x, {} as never))).toBe('INVALID_ARGUMENT')
  })
})

describe('losses', () => {
  it('nllLoss is the mean of −input at the targets', () => {
    expectClose(nllLoss(tensor([[-1, -2], [-3, -4], [-5, -6]]), tensor([1, 0, 1])), [(2 + 3 + 6) / 3])
    expect(codeOf(() => nllLoss(tensor([[-1, -2]]), tensor([2])))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => nllLoss(tensor([[-1, -2]]), tensor([0, 1])))).toBe('SHAPE_MISMATCH')
  })

  it('binaryCrossEntropy clamps each log at −100; the logits form is stable and agrees with it', () => {
    const p = [0.2, 0.9, 0, 1]
    const y = [1, 0.5, 1, 1]
    const want = (-Math.log(0.2) - 0.5 * (Math.log(0.9) + Math.log(0.1)) + 100 + 0) / 4
    expectClose(binaryCrossEntropy(tensor(p), tensor(y)), [want], 1e-12)
    const logits = [-1.5, 0.3, 2]
    const sig = logits.map((v) => 1 / (1 + Math.exp(-v)))
    expectClose(binaryCrossEntropyWithLogits(tensor(logits), tensor([0, 1, 0.25])), vals(binaryCrossEntropy(tensor(sig), tensor([0, 1, 0.25]))), 1e-12)
    expectClose(binaryCrossEntropyWithLogits(tensor([1000, -1000]), tensor([0, 0])), [500])
    expect(codeOf(() => binaryCrossEntropy(tensor([0.5, 0.5]), tensor([1])))).toBe('SHAPE_MISMATCH')
  })
})
