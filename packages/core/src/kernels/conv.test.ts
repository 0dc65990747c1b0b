import { describe, expect, it } from 'vitest'
import { Tensor } from '../tensor.js'
import { conv2dInputGradKernel, conv2dKernel, conv2dWeightGradKernel, type ConvGeometry } from './conv.js'

// The im2col + gemm kernels against the definition, summed term by term: every stride,
// padding and dilation (including "same" convolutions, whose im2col copies whole blocks),
// 1x1 kernels, one group, two groups and depthwise (groups = channels).

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32 - 0.5
  }
}

function geometries(): ConvGeometry[] {
  const out: ConvGeometry[] = []
  for (const [kh, kw] of [[1, 1], [3, 3], [2, 3], [5, 5]]) {
    for (const stride of [1, 2, 3]) {
      for (const padding of [0, 1, 2]) {
        for (const dilation of kh === 5 ? [1] : [1, 2]) {
          for (const [c, o, groups] of [[3, 5, 1], [4, 6, 2], [3, 3, 3]]) {
            const n = 2, h = 7, w = 9
            const oh = Math.floor((h + 2 * padding - dilation * (kh - 1) - 1) / stride) + 1
            const ow = Math.floor((w + 2 * padding - dilation * (kw - 1) - 1) / stride) + 1
            if (oh >= 1 && ow >= 1) out.push({ n, c, h, w, o, kh, kw, oh, ow, stride, padding, dilation, groups })
          }
        }
      }
    }
  }
  return out
}

/** x_pad[n, c, i·s + p·d, j·s + q·d], 0 in the padding. */
function pixel(g: ConvGeometry, x: Float64Array, b: number, ci: number, i: number, j: number, p: number, q: number): number {
  const hi = i * g.stride + p * g.dilation - g.padding
  const wi = j * g.stride + q * g.dilation - g.padding
  return hi < 0 || hi >= g.h || wi < 0 || wi >= g.w ? 0 : x[((b * g.c + ci) * g.h + hi) * g.w + wi]
}

describe('conv2d kernels', () => {
  it('match the definition, forward and both gradients (their sum of products, term by term)', () => {
    for (const g of geometries()) {
      const rnd = lcg(g.kh * 1000 + g.stride * 100 + g.padding * 10 + g.groups)
      const x = Float64Array.from({ length: g.n * g.c * g.h * g.w }, rnd)
      const cg = g.c / g.groups
      const og = g.o / g.groups
      const wt = Float64Array.from({ length: g.o * cg * g.kh * g.kw }, rnd)
      const gy = Float64Array.from({ length: g.n * g.o * g.oh * g.ow }, rnd)
      const X = Tensor.fromArray(x, [g.n, g.c, g.h, g.w])
      const W = Tensor.fromArray(wt, [g.o, cg, g.kh, g.kw])
      const GY = Tensor.fromArray(gy, [g.n, g.o, g.oh, g.ow])
      const y = conv2dKernel(g, X, W, undefined).contiguousData()
      const dx = conv2dInputGradKernel(g, GY, W).contiguousData()
      const dw = conv2dWeightGradKernel(g, X, GY).contiguousData()
      const yRef = new Float64Array(y.length)
      const dxRef = new Float64Array(dx.length)
      const dwRef = new Float64Array(dw.length)
      for (let b = 0; b < g.n; b++) for (let oc = 0; oc < g.o; oc++) for (let i = 0; i < g.oh; i++) for (let j = 0; j < g.ow; j++) {
        const yi = ((b * g.o + oc) * g.oh + i) * g.ow + j
        // output channel oc sees the input channels of its group only
        const first = Math.floor(oc / og) * cg
        for (let cj = 0; cj < cg; cj++) for (let p = 0; p < g.kh; p++) for (let q = 0; q < g.kw; q++) {
          const ci = first + cj
          const wi = ((oc * cg + cj) * g.kh + p) * g.kw + q
          const xv = pixel(g, x, b, ci, i, j, p, q)
          yRef[yi] += wt[wi] * xv
          dwRef[wi] += gy[yi] * xv
          const hi = i * g.stride + p * g.dilation - g.padding
          const wj = j * g.stride + q * g.dilation - g.padding
          if (hi >= 0 && hi < g.h && wj >= 0 && wj < g.w) dxRef[((b * g.c + ci) * g.h + hi) * g.w + wj] += gy[yi] * wt[wi]
        }
      }
      // One expect per array (vitest's expect per element dominated the run time).
      const close = (a: ArrayLike<number>, b: Float64Array) => {
        let worst = 0
        for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]))
        expect(worst, JSON.stringify(g)).toBeLessThan(1e-12)
      }
      close(y, yRef)
      close(dx, dxRef)
      close(dw, dwRef)
    }
  })
})

describe('conv2d kernels on an empty batch', () => {
  it('give a zero weight gradient (no image writes it) and empty outputs', () => {
    const g: ConvGeometry = { n: 0, c: 2, h: 4, w: 4, o: 3, kh: 3, kw: 3, oh: 2, ow: 2, stride: 1, padding: 0, dilation: 1, groups: 1 }
    for (const dtype of ['float64', 'float32'] as const) {
      const x = Tensor.fromArray(dtype === 'float32' ? new Float32Array(0) : new Float64Array(0), [0, 2, 4, 4])
      const gy = Tensor.fromArray(dtype === 'float32' ? new Float32Array(0) : new Float64Array(0), [0, 3, 2, 2])
      const dw = conv2dWeightGradKernel(g, x, gy)
      expect(dw.shape).toEqual([3, 2, 3, 3])
      expect(Array.from(dw.contiguousData())).toEqual(new Array(54).fill(0))
    }
  })
})
