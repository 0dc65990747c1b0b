import { allocate, type FloatArray } from '../dtype.js'
import { Tensor } from '../tensor.js'
import { gemm, rowMajor, transposed } from './gemm.js'

/** The geometry of one 2-D cross-correlation (NCHW input, OIHW weight). */
export interface ConvGeometry {
  n: number
  c: number
  h: number
  w: number
  o: number
  kh: number
  kw: number
  oh: number
  ow: number
  stride: number
  padding: number
}

/** True when the unfolded input is the input itself (1×1 kernel, stride 1, no padding). */
function isPointwise(g: ConvGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.stride === 1 && g.padding === 0
}

/**
 * im2col: unfolds one image `x[xOff .. xOff + c·h·w]` into `col` as a [c·kh·kw, oh·ow]
 * matrix, row (ci, p, q) holding the input pixel under kernel tap (p, q) for every output
 * position; taps that fall into the padding are 0. The valid output columns of each tap
 * are computed once, so the inner loop has no bounds test.
 */
function im2col(g: ConvGeometry, x: FloatArray, xOff: number, col: FloatArray): void {
  const { c, h, w, kh, kw, oh, ow, stride: s, padding: pad } = g
  const L = oh * ow
  let row = 0
  for (let ci = 0; ci < c; ci++) {
    const plane = xOff + ci * h * w
    for (let p = 0; p < kh; p++) {
      for (let q = 0; q < kw; q++, row++) {
        const base = row * L
        // output columns j with 0 <= j·s + q - pad < w
        const jlo = Math.min(ow, Math.max(0, Math.ceil((pad - q) / s)))
        const jhi = Math.max(jlo, Math.min(ow, Math.floor((w - 1 + pad - q) / s) + 1))
        for (let i = 0; i < oh; i++) {
          const r = base + i * ow
          const hi = i * s + p - pad
          if (hi < 0 || hi >= h) {
            col.fill(0, r, r + ow)
            continue
          }
          const src = plane + hi * w + q - pad
          for (let j = 0; j < jlo; j++) col[r + j] = 0
          if (s === 1) for (let j = jlo; j < jhi; j++) col[r + j] = x[src + j]
          else for (let j = jlo; j < jhi; j++) col[r + j] = x[src + j * s]
          for (let j = jhi; j < ow; j++) col[r + j] = 0
        }
      }
    }
  }
}

/** col2im: the transpose of im2col, adding each row of `col` back into image `dx[dxOff ..]`. */
function col2im(g: ConvGeometry, col: FloatArray, dx: FloatArray, dxOff: number): void {
  const { c, h, w, kh, kw, oh, ow, stride: s, padding: pad } = g
  const L = oh * ow
  let row = 0
  for (let ci = 0; ci < c; ci++) {
    const plane = dxOff + ci * h * w
    for (let p = 0; p < kh; p++) {
      for (let q = 0; q < kw; q++, row++) {
        const base = row * L
        const jlo = Math.min(ow, Math.max(0, Math.ceil((pad - q) / s)))
        const jhi = Math.max(jlo, Math.min(ow, Math.floor((w - 1 + pad - q) / s) + 1))
        for (let i = 0; i < oh; i++) {
          const hi = i * s + p - pad
          if (hi < 0 || hi >= h) continue
          const r = base + i * ow
          const dst = plane + hi * w + q - pad
          if (s === 1) for (let j = jlo; j < jhi; j++) dx[dst + j] += col[r + j]
          else for (let j = jlo; j < jhi; j++) dx[dst + j * s] += col[r + j]
        }
      }
    }
  }
}

/** out[n] = W[o, c·kh·kw] · im2col(x[n]) + bias, one matrix product per image. */
export function conv2dKernel(g: ConvGeometry, x: Tensor, weight: Tensor, bias: Tensor | undefined): Tensor {
  const { n, c, h, w, o, kh, kw, oh, ow } = g
  const K = c * kh * kw
  const L = oh * ow
  const xs = x.contiguousData()
  const W = rowMajor(weight.contiguousData(), 0, K)
  const out = allocate(x.dtype, n * o * L)
  const pointwise = isPointwise(g)
  const col = pointwise ? xs : allocate(x.dtype, K * L)
  const bs = bias?.contiguousData()
  for (let b = 0; b < n; b++) {
    const oOff = b * o * L
    if (bs !== undefined) for (let oc = 0; oc < o; oc++) out.fill(bs[oc], oOff + oc * L, oOff + (oc + 1) * L)
    if (!pointwise) im2col(g, xs, b * c * h * w, col)
    gemm(o, L, K, W, rowMajor(col, pointwise ? b * c * h * w : 0, L), out, oOff, bs !== undefined)
  }
  return Tensor.fromArray(out, [n, o, oh, ow])
}

/**
 * The input gradient of conv2d (a transposed convolution): for each image,
 * col = Wᵀ · gy[n], then col2im adds the columns back onto the input grid.
 */
export function conv2dInputGradKernel(g: ConvGeometry, gy: Tensor, weight: Tensor): Tensor {
  const { n, c, h, w, o, kh, kw, oh, ow } = g
  const K = c * kh * kw
  const L = oh * ow
  const gs = gy.contiguousData()
  // Wᵀ [K, o], read in place through its strides.
  const Wt = transposed(weight.contiguousData(), 0, K)
  const dx = allocate(gy.dtype, n * c * h * w)
  const pointwise = isPointwise(g)
  const col = pointwise ? dx : allocate(gy.dtype, K * L)
  for (let b = 0; b < n; b++) {
    gemm(K, L, o, Wt, rowMajor(gs, b * o * L, L), col, pointwise ? b * c * h * w : 0, false)
    if (!pointwise) col2im(g, col, dx, b * c * h * w)
  }
  return Tensor.fromArray(dx, [n, c, h, w])
}

/** The weight gradient of conv2d: dW[o, c·kh·kw] = Σ_n gy[n] · im2col(x[n])ᵀ. */
export function conv2dWeightGradKernel(g: ConvGeometry, x: Tensor, gy: Tensor): Tensor {
  const { n, c, h, w, o, kh, kw, oh, ow } = g
  const K = c * kh * kw
  const L = oh * ow
  const xs = x.contiguousData()
  const gs = gy.contiguousData()
  const dw = allocate(x.dtype, o * K)
  const pointwise = isPointwise(g)
  const col = pointwise ? xs : allocate(x.dtype, K * L)
  for (let b = 0; b < n; b++) {
    if (!pointwise) im2col(g, xs, b * c * h * w, col)
    // gy[n] [o, L] · colᵀ [L, K], the transpose read in place.
    gemm(o, K, L, rowMajor(gs, b * o * L, L), transposed(col, pointwise ? b * c * h * w : 0, L), dw, 0, b > 0)
  }
  return Tensor.fromArray(dw, [o, c, kh, kw])
}
