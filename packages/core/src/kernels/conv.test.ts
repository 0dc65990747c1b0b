import { describe, expect, it } from 'vitest'
import { Tensor } from '../tensor.js'
import { conv2dInputGradKernel, conv2dKernel, conv2dWeightGradKernel, type ConvGeometry } from './conv.js'

// The im2col + gemm kernels against the definition, summed term by term: every stride and
// padding (including "same" convolutions, whose im2col copies whole blocks), 1x1 kernels.

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
        const n = 2, c = 3, o = 5, h = 7, w = 9
        const oh = Math.floor((h + 2 * padding - kh) / stride) + 1
        const ow = Math.floor((w + 2 * padding - kw) / stride) + 1
        if (oh >= 1 && ow >= 1) out.push({ n, c, h, w, o, kh, kw, oh, ow, stride, padding })
      }
    }
  }
  return out
}

/** x_pad[n, c, i·s + p, j·s + q], 0 in the padding. */
function pixel(g: ConvGeometry, x: Float64Array, b: number, ci: number, i: number, j: number, p: number, q: number): number {
  const hi = i * g.stride + p - g.padding
  const wi = j * g.stride + q - g.padding
  return hi < 0 || hi >= g.h || wi < 0 || wi >= g.w ? 0 : x[((b * g.c + ci) * g.h + hi) * g.w + wi]
}

describe('conv2d kernels', () => {
  it('match the definition, forward and both gradients (their sum of products, term by term)', () => {
    for (const g of geometries()) {
      const rnd = lcg(g.kh * 100 + g.stride * 10 + g.padding)
      const x = Float64Array.from({ length: g.n * g.c * g.h * g.w }, rnd)
      const wt = Float64Array.from({ length: g.o * g.c * g.kh * g.kw }, rnd)
      const gy = Float64Array.from({ length: g.n * g.o * g.oh * g.ow }, rnd)
      const X = Tensor.fromArray(x, [g.n, g.c, g.h, g.w])
      const W = Tensor.fromArray(wt, [g.o, g.c, g.kh, g.kw])
      const GY = Tensor.fromArray(gy, [g.n, g.o, g.oh, g.ow])
      const y = conv2dKernel(g, X, W, undefined).contiguousData()
      const dx = conv2dInputGradKernel(g, GY, W).contiguousData()
      const dw = conv2dWeightGradKernel(g, X, GY).contiguousData()
      const yRef = new Float64Array(y.length)
      const dxRef = new Float64Array(dx.length)
      const dwRef = new Float64Array(dw.length)
      for (let b = 0; b < g.n; b++) for (let oc = 0; oc < g.o; oc++) for (let i = 0; i < g.oh; i++) for (let j = 0; j < g.ow; j++) {
        const yi = ((b * g.o + oc) * g.oh + i) * g.ow + j
        for (let ci = 0; ci < g.c; ci++) for (let p = 0; p < g.kh; p++) for (let q = 0; q < g.kw; q++) {
          const wi = ((oc * g.c + ci) * g.kh + p) * g.kw + q
          const xv = pixel(g, x, b, ci, i, j, p, q)
          yRef[yi] += wt[wi] * xv
          dwRef[wi] += gy[yi] * xv
          const hi = i * g.stride + p - g.padding
          const wj = j * g.stride + q - g.padding
          if (hi >= 0 && hi < g.h && wj >= 0 && wj < g.w) dxRef[((b * g.c + ci) * g.h + hi) * g.w + wj] += gy[yi] * wt[wi]
        }
      }
      const close = (a: ArrayLike<number>, b: Float64Array) => {
        for (let i = 0; i < b.length; i++) expect(Math.abs(a[i] - b[i]), JSON.stringify(g)).toBeLessThan(1e-12)
      }
      close(y, yRef)
      close(dx, dxRef)
      close(dw, dwRef)
    }
  })
})
