import { describe, expect, it } from 'vitest'
import {
  AdError,
  Tensor,
  avgPool2d,
  batchNorm,
  conv2d,
  crossEntropy,
  linear,
  logSoftmax,
  maxPool2d,
  mseLoss,
  softmax,
  tensor,
  type DType,
  type Value,
} from '../../index.js'
import { mulberry32 } from '../../index.js'
import { getOp, opFunction } from '../../internal.js'

// The helper ops of the gradients are internal (not exported): reached through the registry.
const avgPool2dGrad = opFunction('avgPool2dGrad')
const conv2dInputGrad = opFunction('conv2dInputGrad')
const conv2dWeightGrad = opFunction('conv2dWeightGrad')
const maxPool2dGather = opFunction('maxPool2dGather')
const maxPool2dGrad = opFunction('maxPool2dGrad')

// Each kernel against a naive loop written straight from the definition (an independent
// oracle, not the kernel's formula), plus the error codes of bad shapes and attributes.

function randomTensor(seed: number, shape: number[], lo = -2, hi = 2, dtype: DType = 'float64'): Tensor {
  const rng = mulberry32(seed)
  const n = shape.reduce((p, d) => p * d, 1)
  const data = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n)
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * rng()
  return Tensor.fromArray(data, shape)
}

const vals = (v: unknown): number[] => Array.from((v as Tensor).contiguousData())

function expectClose(got: unknown, want: readonly number[], tol = 1e-12): void {
  const g = vals(got)
  expect(g.length).toBe(want.length)
  for (let i = 0; i < g.length; i++) {
    if (!(Math.abs(g[i] - want[i]) <= tol * (1 + Math.abs(want[i])))) {
      throw new Error(`element ${i}: got ${g[i]}, want ${want[i]}`)
    }
  }
}

const dot = (a: unknown, b: unknown): number => vals(a).reduce((s, x, i) => s + x * vals(b)[i], 0)

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return e instanceof AdError ? e.code : `not an AdError: ${String(e)}`
  }
  return undefined
}

/** Row-major flat index. */
const at = (shape: readonly number[], ...idx: number[]): number => idx.reduce((o, i, d) => o * shape[d] + i, 0)

/** Central finite difference of <f(args), g> w.r.t. every element of args[k]. */
function numericGrad(f: (args: Tensor[]) => unknown, args: Tensor[], k: number, g: Tensor, h = 1e-6): number[] {
  const out: number[] = []
  for (let j = 0; j < args[k].size; j++) {
    const shifted = (s: number) => args.map((a, i) => {
      if (i !== k) return a
      const c = a.clone()
      c.storage.data[j] += s
      return c
    })
    out.push((dot(f(shifted(h)), g) - dot(f(shifted(-h)), g)) / (2 * h))
  }
  return out
}

describe('softmax / logSoftmax', () => {
  const naive = (x: Tensor, dim: number, log: boolean): number[] => {
    const shape = x.shape
    const d = dim < 0 ? dim + shape.length : dim
    const inner = shape.slice(d + 1).reduce((p, s) => p * s, 1)
    const n = shape[d]
    const xs = vals(x)
    return xs.map((v, i) => {
      const base = i - (Math.floor(i / inner) % n) * inner
      let z = 0
      for (let k = 0; k < n; k++) z += Math.exp(xs[base + k * inner])
      return log ? v - Math.log(z) : Math.exp(v) / z
    })
  }

  it('matches the definition along every dim', () => {
    const x = randomTensor(1, [2, 3, 4])
    for (const dim of [0, 1, 2, -1, -3]) {
      expectClose(softmax(x, { dim }), naive(x, dim, false))
      expectClose(logSoftmax(x, { dim }), naive(x, dim, true))
    }
  })

  it('is stable for large inputs (subtracts the max)', () => {
    expectClose(softmax(tensor([1000, 1000, -Infinity]), { dim: 0 }), [0.5, 0.5, 0])
    expectClose(logSoftmax(tensor([1000, 0]), { dim: 0 }), [0, -1000])
    expectClose(logSoftmax(tensor([-1000, -1000]), { dim: 0 }), [-Math.log(2), -Math.log(2)])
  })

  it('keeps float32 and checks the dim', () => {
    expect((softmax(randomTensor(2, [2, 3], -2, 2, 'float32'), { dim: 1 }) as Tensor).dtype).toBe('float32')
    expect(codeOf(() => softmax(tensor([[1, 2]]), { dim: 2 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => softmax(tensor([1, 2]), {}))).toBe('INVALID_ARGUMENT')
  })
})

describe('linear', () => {
  it('is x Wᵀ + b for any leading dims', () => {
    const x = randomTensor(3, [2, 3, 4])
    const w = randomTensor(4, [5, 4])
    const b = randomTensor(5, [5])
    const want: number[] = []
    const xs = vals(x)
    const ws = vals(w)
    const bs = vals(b)
    for (let r = 0; r < 6; r++) {
      for (let o = 0; o < 5; o++) {
        let s = bs[o]
        for (let k = 0; k < 4; k++) s += xs[r * 4 + k] * ws[o * 4 + k]
        want.push(s)
      }
    }
    const y = linear(x, w, b) as Tensor
    expect(y.shape).toEqual([2, 3, 5])
    expectClose(y, want)
    expectClose(linear(x, w), want.map((v, i) => v - bs[i % 5]))
    expect((linear(tensor([1, 2]), tensor([[1, 1], [2, 0], [0, 3]])) as Tensor).tolist()).toEqual([3, 2, 6])
  })

  it('rejects mismatched shapes', () => {
    expect(codeOf(() => linear(randomTensor(1, [2, 3]), randomTensor(2, [4, 2])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => linear(randomTensor(1, [2, 3]), randomTensor(2, [4, 3]), randomTensor(3, [3])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => linear(randomTensor(1, [2, 3]), randomTensor(2, [3])))).toBe('SHAPE_MISMATCH')
  })
})

/** The definition: out[n,o,i,j] = b[o] + Σ_{c,p,q} x[n,c,i·s+p−pad,j·s+q−pad]·W[o,c,p,q], zero outside. */
function naiveConv(x: Tensor, w: Tensor, b: Tensor | undefined, s: number, pad: number): { shape: number[]; data: number[] } {
  const [n, c, h, wd] = x.shape
  const [o, , kh, kw] = w.shape
  const oh = Math.floor((h + 2 * pad - kh) / s) + 1
  const ow = Math.floor((wd + 2 * pad - kw) / s) + 1
  const xs = vals(x)
  const ws = vals(w)
  const data: number[] = []
  for (let bi = 0; bi < n; bi++)
    for (let oc = 0; oc < o; oc++)
      for (let i = 0; i < oh; i++)
        for (let j = 0; j < ow; j++) {
          let acc = b ? vals(b)[oc] : 0
          for (let ci = 0; ci < c; ci++)
            for (let p = 0; p < kh; p++)
              for (let q = 0; q < kw; q++) {
                const y = i * s + p - pad
                const z = j * s + q - pad
                if (y >= 0 && y < h && z >= 0 && z < wd) acc += xs[at(x.shape, bi, ci, y, z)] * ws[at(w.shape, oc, ci, p, q)]
              }
          data.push(acc)
        }
  return { shape: [n, o, oh, ow], data }
}

describe('conv2d and its gradients', () => {
  const configs = [
    { x: [2, 3, 5, 4], w: [4, 3, 3, 2], stride: 1, padding: 0 },
    { x: [1, 2, 6, 7], w: [3, 2, 3, 3], stride: 2, padding: 1 },
    { x: [2, 3, 4, 4], w: [5, 3, 1, 1], stride: 1, padding: 0 }, // pointwise: no im2col
    { x: [1, 1, 5, 5], w: [2, 1, 2, 3], stride: 3, padding: 2 },
    { x: [2, 2, 3, 3], w: [2, 2, 3, 3], stride: 1, padding: 1 },
  ]

  it('matches the direct loop (with and without bias, every stride and padding)', () => {
    configs.forEach((cfg, t) => {
      const x = randomTensor(10 + t, cfg.x)
      const w = randomTensor(20 + t, cfg.w)
      const b = randomTensor(30 + t, [cfg.w[0]])
      const attrs = { stride: cfg.stride, padding: cfg.padding }
      const want = naiveConv(x, w, b, cfg.stride, cfg.padding)
      const got = conv2d(x, w, b, attrs) as Tensor
      expect(got.shape).toEqual(want.shape)
      expectClose(got, want.data)
      expectClose(conv2d(x, w, attrs), naiveConv(x, w, undefined, cfg.stride, cfg.padding).data)
    })
  })

  it('defaults to stride 1, padding 0 and computes in float32', () => {
    const x = randomTensor(1, [1, 2, 4, 4], -2, 2, 'float32')
    const w = randomTensor(2, [3, 2, 3, 3], -2, 2, 'float32')
    const got = conv2d(x, w) as Tensor
    expect(got.dtype).toBe('float32')
    expectClose(got, naiveConv(x, w, undefined, 1, 0).data, 1e-5)
  })

  it('input and weight gradients are the adjoints of conv2d (⟨conv(x,W),g⟩ = ⟨x,dx⟩ = ⟨W,dW⟩)', () => {
    configs.forEach((cfg, t) => {
      const x = randomTensor(40 + t, cfg.x)
      const w = randomTensor(50 + t, cfg.w)
      const { stride, padding } = cfg
      const y = conv2d(x, w, { stride, padding }) as Tensor
      const g = randomTensor(60 + t, [...y.shape])
      const dx = conv2dInputGrad(g, w, { stride, padding, inputSize: cfg.x.slice(2) })
      const dw = conv2dWeightGrad(x, g, { stride, padding, kernelSize: cfg.w.slice(2) })
      const ref = dot(y, g)
      expect(dot(x, dx)).toBeCloseTo(ref, 10)
      expect(dot(w, dw)).toBeCloseTo(ref, 10)
    })
  })

  it('its VJP matches finite differences, bias included', () => {
    const x = randomTensor(70, [2, 2, 4, 3])
    const w = randomTensor(71, [3, 2, 2, 2])
    const b = randomTensor(72, [3])
    const attrs = getOp('conv2d').parseAttrs({ stride: 2, padding: 1 })
    const f = (a: Tensor[]) => conv2d(a[0], a[1], a[2], attrs)
    const out = f([x, w, b]) as Tensor
    const g = randomTensor(73, [...out.shape])
    const grads = getOp('conv2d').vjp!({ args: [x, w, b], out, attrs }, g, [true, true, true])
    for (let k = 0; k < 3; k++) expectClose(grads[k], numericGrad(f, [x, w, b], k, g), 1e-7)
  })

  it('rejects bad shapes and attributes', () => {
    const x = randomTensor(1, [1, 2, 4, 4])
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 1, 3, 3])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 2, 5, 5])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 2, 3, 3]), randomTensor(3, [2])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => conv2d(randomTensor(1, [2, 4, 4]), randomTensor(2, [3, 2, 3, 3])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 2, 3, 3]), { stride: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 2, 3, 3]), { padding: -1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 2, 3, 3]), { stride: 1.5 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 2, 3, 3]), { dilation: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 2, 3, 3]), { dilation: 2 }))).toBe('SHAPE_MISMATCH') // spans 5x5
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 1, 3, 3]), { groups: 2, dilation: 1.5 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => conv2d(x, randomTensor(2, [3, 1, 3, 3]), { groups: 2 }))).toBe('SHAPE_MISMATCH') // 3 outputs, 2 groups
    expect(codeOf(() => conv2d(x, randomTensor(2, [4, 2, 3, 3]), { groups: 2 }))).toBe('SHAPE_MISMATCH') // 1 input channel per group
    const g = randomTensor(4, [1, 3, 2, 2])
    expect(codeOf(() => conv2dInputGrad(g, randomTensor(2, [3, 2, 3, 3]), { inputSize: [5, 5] }))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => conv2dInputGrad(g, randomTensor(2, [3, 2, 3, 3]), { inputSize: [4] }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => conv2dWeightGrad(x, g, { kernelSize: [2, 2] }))).toBe('SHAPE_MISMATCH')
  })
})

/** Window values of plane (n, c) at output (i, j), in row-major window order; `fill` in the padding. */
function windows(x: Tensor, k: number, s: number, f: (vs: number[]) => number, pad = 0, fill = 0): number[] {
  const [n, c, h, w] = x.shape
  const xs = vals(x)
  const out: number[] = []
  for (let b = 0; b < n; b++)
    for (let ci = 0; ci < c; ci++)
      for (let i = -pad; i + k <= h + pad; i += s)
        for (let j = -pad; j + k <= w + pad; j += s) {
          const vs: number[] = []
          for (let p = 0; p < k; p++)
            for (let q = 0; q < k; q++) {
              const r = i + p
              const t = j + q
              vs.push(r < 0 || r >= h || t < 0 || t >= w ? fill : xs[at(x.shape, b, ci, r, t)])
            }
          out.push(f(vs))
        }
  return out
}

describe('maxPool2d / avgPool2d', () => {
  const cases = [
    { shape: [2, 3, 5, 6], k: 2, s: undefined },
    { shape: [1, 2, 5, 5], k: 3, s: 1 },
    { shape: [2, 1, 7, 4], k: 2, s: 3 },
    { shape: [3, 4, 4], k: 2, s: 1 }, // CHW
  ]

  it('take window maxima and means (floor mode, stride defaults to the kernel)', () => {
    cases.forEach(({ shape, k, s }, t) => {
      const x = randomTensor(80 + t, shape)
      const x4 = shape.length === 3 ? Tensor.fromArray(x.contiguousData(), [1, ...shape]) : x
      const attrs = s === undefined ? { kernelSize: k } : { kernelSize: k, stride: s }
      const stride = s ?? k
      const mx = maxPool2d(x, attrs) as Tensor
      expect(mx.shape.slice(-2)).toEqual([Math.floor((shape.at(-2)! - k) / stride) + 1, Math.floor((shape.at(-1)! - k) / stride) + 1])
      expectClose(mx, windows(x4, k, stride, (vs) => Math.max(...vs)))
      expectClose(avgPool2d(x, attrs), windows(x4, k, stride, (vs) => vs.reduce((a, b) => a + b, 0) / vs.length))
    })
  })

  it('pad with −inf (max) and with zeros counted in the divisor (avg)', () => {
    for (const [k, stride, padding] of [[2, 2, 1], [3, 2, 1], [3, 1, 1], [4, 3, 2]]) {
      const x = randomTensor(70 + k + padding, [2, 2, 5, 6])
      const attrs = { kernelSize: k, stride, padding }
      expectClose(maxPool2d(x, attrs), windows(x, k, stride, (vs) => Math.max(...vs), padding, -Infinity))
      expectClose(avgPool2d(x, attrs), windows(x, k, stride, (vs) => vs.reduce((a, b) => a + b, 0) / (k * k), padding, 0))
    }
  })

  it('sends the gradient to the first maximum of each window on ties', () => {
    const x = tensor([[[[1, 3, 1, 0], [3, 2, 1, 1]]]])
    const attrs = getOp('maxPool2d').parseAttrs({ kernelSize: 2 })
    const out = maxPool2d(x, attrs) as Tensor
    expect(out.tolist()).toEqual([[[[3, 1]]]])
    const [dx] = getOp('maxPool2d').vjp!({ args: [x], out, attrs }, tensor([[[[10, 20]]]]), [true])
    // window 1 holds 3 at (0,1) and (1,0), window 2 holds 1 three times: the first in row-major order wins.
    expect((dx as Tensor).tolist()).toEqual([[[[0, 10, 20, 0], [0, 0, 0, 0]]]])
  })

  it('overlapping windows add their gradients at a shared maximum', () => {
    const x = tensor([[[[0, 0, 0], [0, 9, 0], [0, 0, 0]]]])
    const g = tensor([[[[1, 2], [3, 4]]]])
    expect((maxPool2dGrad(x, g, { kernelSize: 2, stride: 1 }) as Tensor).tolist()).toEqual([[[[0, 0, 0], [0, 10, 0], [0, 0, 0]]]])
  })

  it('propagates NaN like PyTorch', () => {
    expect(Number.isNaN((maxPool2d(tensor([[[[1, NaN], [2, 0]]]]), { kernelSize: 2 }) as Tensor).item())).toBe(true)
  })

  it('gather and scatter are adjoint, and so are avgPool2d and avgPool2dGrad', () => {
    const x = randomTensor(90, [2, 2, 5, 5])
    const v = randomTensor(91, [2, 2, 5, 5])
    const attrs = { kernelSize: 2, stride: 1 }
    const g = randomTensor(92, [2, 2, 4, 4])
    expect(dot(maxPool2dGather(x, v, attrs), g)).toBeCloseTo(dot(v, maxPool2dGrad(x, g, attrs)), 12)
    expect(dot(maxPool2dGather(x, x, attrs), g)).toBeCloseTo(dot(maxPool2d(x, attrs), g), 12)
    const a = { kernelSize: 3, stride: 2 }
    const ga = randomTensor(93, [2, 2, 2, 2])
    expect(dot(avgPool2d(x, a), ga)).toBeCloseTo(dot(x, avgPool2dGrad(ga, { ...a, inputSize: [5, 5] })), 12)
    const p = { kernelSize: 3, stride: 2, padding: 1 }
    const gp = randomTensor(94, [2, 2, 3, 3])
    expect(dot(avgPool2d(x, p), gp)).toBeCloseTo(dot(x, avgPool2dGrad(gp, { ...p, inputSize: [5, 5] })), 12)
    expect(dot(maxPool2dGather(x, v, p), gp)).toBeCloseTo(dot(v, maxPool2dGrad(x, gp, p)), 12)
  })

  it('rejects bad shapes and attributes', () => {
    const x = randomTensor(1, [1, 1, 3, 3])
    expect(codeOf(() => maxPool2d(x, { kernelSize: 4 }))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => avgPool2d(randomTensor(1, [3, 3]), { kernelSize: 2 }))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => maxPool2d(x, { kernelSize: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => maxPool2d(x, { kernelSize: 2, stride: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => maxPool2d(x, {}))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => avgPool2d(x, { kernelSize: 2, padding: 2 }))).toBe('INVALID_ARGUMENT') // more than half the window
    expect(codeOf(() => maxPool2d(x, { kernelSize: 2, padding: -1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => maxPool2dGrad(x, randomTensor(2, [1, 1, 2, 2]), { kernelSize: 2 }))).toBe('SHAPE_MISMATCH')
  })
})

describe('batchNorm', () => {
  /** Per channel: gather its values, mean and biased variance by the textbook formulas. */
  function naiveBatchNorm(x: Tensor, w: Tensor, b: Tensor, eps: number): number[] {
    const [n, c] = x.shape
    const inner = x.size / (n * c)
    const xs = vals(x)
    const out = new Array<number>(xs.length)
    for (let ch = 0; ch < c; ch++) {
      const idx: number[] = []
      for (let i = 0; i < n; i++) for (let j = 0; j < inner; j++) idx.push((i * c + ch) * inner + j)
      const mean = idx.reduce((s, i) => s + xs[i], 0) / idx.length
      const variance = idx.reduce((s, i) => s + (xs[i] - mean) ** 2, 0) / idx.length
      for (const i of idx) out[i] = ((xs[i] - mean) / Math.sqrt(variance + eps)) * vals(w)[ch] + vals(b)[ch]
    }
    return out
  }

  it('normalizes each channel with batch statistics (biased variance, eps 1e-5 by default)', () => {
    for (const shape of [[3, 2, 4, 5], [4, 3], [2, 3, 5]]) {
      const x = randomTensor(100, shape, -3, 5)
      const w = randomTensor(101, [shape[1]])
      const b = randomTensor(102, [shape[1]])
      expectClose(batchNorm(x, w, b), naiveBatchNorm(x, w, b, 1e-5), 1e-10)
      expectClose(batchNorm(x, w, b, { eps: 0.1 }), naiveBatchNorm(x, w, b, 0.1), 1e-10)
    }
  })

  it('its VJP and JVP match finite differences', () => {
    const x = randomTensor(110, [2, 3, 2, 2])
    const w = randomTensor(111, [3])
    const b = randomTensor(112, [3])
    const op = getOp('batchNorm')
    const attrs = op.parseAttrs({ eps: 1e-3 })
    const f = (a: Tensor[]) => batchNorm(a[0], a[1], a[2], attrs)
    const out = f([x, w, b]) as Tensor
    const g = randomTensor(113, [...out.shape])
    const grads = op.vjp!({ args: [x, w, b], out, attrs }, g, [true, true, true])
    for (let k = 0; k < 3; k++) expectClose(grads[k], numericGrad(f, [x, w, b], k, g), 1e-6)
    // ⟨jvp(t), g⟩ = ⟨t, vjp(g)⟩ for any tangents t
    const ts = [randomTensor(114, [2, 3, 2, 2]), randomTensor(115, [3]), randomTensor(116, [3])]
    const j = op.jvp!({ args: [x, w, b], out, attrs }, ts)
    expect(dot(j, g)).toBeCloseTo(ts.reduce((s, t, k) => s + dot(t, grads[k]), 0), 9)
  })

  it('rejects bad shapes and one value per channel', () => {
    const w = randomTensor(1, [3])
    expect(codeOf(() => batchNorm(randomTensor(1, [2, 2, 2, 2]), w, w))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => batchNorm(randomTensor(1, [3]), w, w))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => batchNorm(randomTensor(1, [1, 3, 1, 1]), w, w))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => batchNorm(randomTensor(1, [2, 3]), w, w, { eps: -1 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('mseLoss / crossEntropy', () => {
  it('mseLoss is the mean squared difference, broadcasting like PyTorch', () => {
    const a = randomTensor(120, [3, 4])
    const b = randomTensor(121, [3, 4])
    const want = vals(a).reduce((s, v, i) => s + (v - vals(b)[i]) ** 2, 0) / 12
    expectClose(mseLoss(a, b), [want])
    expect((mseLoss(a, b) as Tensor).shape).toEqual([])
    const row = randomTensor(122, [4])
    const wantB = vals(a).reduce((s, v, i) => s + (v - vals(row)[i % 4]) ** 2, 0) / 12
    expectClose(mseLoss(a, row), [wantB])
    expect(codeOf(() => mseLoss(a, randomTensor(1, [3])))).toBe('SHAPE_MISMATCH')
  })

  it('crossEntropy is the mean of −log softmax at the targets; its gradient is (softmax − onehot)/N', () => {
    const x = randomTensor(130, [4, 5], -3, 3)
    const target = tensor([0, 4, 2, 2])
    const xs = vals(x)
    let want = 0
    const grad: number[] = []
    for (let i = 0; i < 4; i++) {
      const row = xs.slice(i * 5, i * 5 + 5)
      const z = row.reduce((s, v) => s + Math.exp(v), 0)
      want -= Math.log(Math.exp(row[vals(target)[i]]) / z) / 4
      row.forEach((v, k) => grad.push((Math.exp(v) / z - (k === vals(target)[i] ? 1 : 0)) / 4))
    }
    const out = crossEntropy(x, target) as Tensor
    expectClose(out, [want])
    expect(out.shape).toEqual([])
    const op = getOp('crossEntropy')
    const [dx, dt] = op.vjp!({ args: [x, target], out, attrs: {} }, tensor(2), [true, false])
    expectClose(dx, grad.map((v) => 2 * v))
    expect(dt).toBeNull()
    // Targets as a plain array, and float32 logits staying float32.
    expectClose(crossEntropy(x, [0, 4, 2, 2]), [want])
    expect((crossEntropy(randomTensor(1, [2, 3], -1, 1, 'float32'), [1, 2]) as Tensor).dtype).toBe('float32')
  })

  it('crossEntropy is stable for large logits', () => {
    expectClose(crossEntropy(tensor([[1000, 0], [0, -1000]]), tensor([0, 1])), [500], 1e-12)
  })

  it('crossEntropy rejects bad targets and shapes', () => {
    const x = randomTensor(1, [2, 3])
    expect(codeOf(() => crossEntropy(x, tensor([0, 3])))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => crossEntropy(x, tensor([0, -1])))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => crossEntropy(x, tensor([0, 1.5])))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => crossEntropy(x, tensor([0, 1, 2])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => crossEntropy(randomTensor(1, [3]), tensor([0])))).toBe('SHAPE_MISMATCH')
  })
})

describe('methods', () => {
  it('every nn op is a tensor method with its positional attrs', () => {
    const x = randomTensor(1, [1, 1, 4, 4])
    expect((x.maxPool2d(2) as Value as Tensor).shape).toEqual([1, 1, 2, 2])
    expect((x.avgPool2d(2, 1) as Value as Tensor).shape).toEqual([1, 1, 3, 3])
    expect((x.softmax(-1) as Value as Tensor).shape).toEqual([1, 1, 4, 4])
    expect((x.conv2d(randomTensor(2, [2, 1, 3, 3]), { padding: 1 }) as Value as Tensor).shape).toEqual([1, 2, 4, 4])
  })
})
