import { allocate, allocateUnset, type FloatArray } from '../dtype.js'
import { Tensor } from '../tensor.js'
import { gemm, rowMajor, transposed } from './gemm.js'

/**
 * The geometry of one 2-D cross-correlation (NCHW input, OIHW weight). With `groups` g, the
 * c input and o output channels split into g blocks, output block k seeing only input block
 * k (weight [o, c/g, kh, kw]); `dilation` spaces the kernel taps: tap p reads row i·s + p·d − pad.
 */
export interface ConvGeometry {
  n: number
  /** All input channels (c/groups per group). */
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
  dilation: number
  groups: number
}

/** True when the unfolded input is the input itself (1×1 kernel, stride 1, no padding). */
function isPointwise(g: ConvGeometry): boolean {
  return g.kh === 1 && g.kw === 1 && g.stride === 1 && g.padding === 0 && g.groups === 1
}

/** The output positions t (along one dim) whose input index t·s + tap − pad falls inside [0, size) (tap = p·dilation). */
function validRange(size: number, out: number, tap: number, s: number, pad: number): [lo: number, hi: number] {
  const lo = Math.min(out, Math.max(0, Math.ceil((pad - tap) / s)))
  const hi = Math.max(lo, Math.min(out, Math.floor((size - 1 + pad - tap) / s) + 1))
  return [lo, hi]
}

/**
 * im2col: unfolds the c/groups channels of one group of one image, `x[xOff ..]`, into `col`
 * as a [(c/groups)·kh·kw, oh·ow] matrix, row (ci, p, q) holding the input pixel under kernel tap (p, q) for every output
 * position. Taps that fall into the padding are 0 and are never written: `col` must start
 * zeroed (a fresh buffer), and may then be reused for the next image of the same geometry.
 * The valid block of each tap is computed once, so the copies have no bounds tests; with
 * stride 1 and an output as wide as the input ("same" padding) the block is one run in
 * both arrays, copied whole (a memcpy), and only its padding columns are zeroed again.
 */
function im2col(g: ConvGeometry, x: FloatArray, xOff: number, col: FloatArray): void {
  const { h, w, kh, kw, oh, ow, stride: s, padding: pad, dilation: d } = g
  const c = g.c / g.groups
  const L = oh * ow
  const wholeRows = s === 1 && ow === w
  let row = 0
  for (let ci = 0; ci < c; ci++) {
    const plane = xOff + ci * h * w
    for (let p = 0; p < kh; p++) {
      const [ilo, ihi] = validRange(h, oh, p * d, s, pad)
      for (let q = 0; q < kw; q++, row++) {
        const [jlo, jhi] = validRange(w, ow, q * d, s, pad)
        if (ilo === ihi || jlo === jhi) continue
        const first = row * L + ilo * ow // col's row ilo of this tap
        const src = plane + (ilo * s + p * d - pad) * w + jlo * s + q * d - pad // x under (ilo, jlo)
        if (wholeRows) {
          const n = (ihi - ilo - 1) * ow + (jhi - jlo)
          col.set(x.subarray(src, src + n), first + jlo)
          // the copy ran across row ends: put back the zeros of the padding columns
          for (let i = ilo; i < ihi; i++) {
            const r = row * L + i * ow
            for (let j = 0; j < jlo; j++) col[r + j] = 0
            for (let j = jhi; j < ow; j++) col[r + j] = 0
          }
          continue
        }
        const n = jhi - jlo
        for (let i = ilo, r = first + jlo, at = src; i < ihi; i++, r += ow, at += s * w) {
          if (s === 1) for (let j = 0; j < n; j++) col[r + j] = x[at + j]
          else for (let j = 0; j < n; j++) col[r + j] = x[at + j * s]
        }
      }
    }
  }
}

/** col2im: the transpose of im2col, adding each row of `col` back into one group of image `dx[dxOff ..]`. */
function col2im(g: ConvGeometry, col: FloatArray, dx: FloatArray, dxOff: number): void {
  const { h, w, kh, kw, oh, ow, stride: s, padding: pad, dilation: d } = g
  const c = g.c / g.groups
  const L = oh * ow
  let row = 0
  for (let ci = 0; ci < c; ci++) {
    const plane = dxOff + ci * h * w
    for (let p = 0; p < kh; p++) {
      const [ilo, ihi] = validRange(h, oh, p * d, s, pad)
      for (let q = 0; q < kw; q++, row++) {
        const [jlo, jhi] = validRange(w, ow, q * d, s, pad)
        const n = jhi - jlo
        let r = row * L + ilo * ow + jlo
        let at = plane + (ilo * s + p * d - pad) * w + jlo * s + q * d - pad
        for (let i = ilo; i < ihi; i++, r += ow, at += s * w) {
          if (s === 1) for (let j = 0; j < n; j++) dx[at + j] += col[r + j]
          else for (let j = 0; j < n; j++) dx[at + j * s] += col[r + j]
        }
      }
    }
  }
}

/**
 * out[n, block k] = W[block k] [o/g, (c/g)·kh·kw] · im2col(x[n], group k) + bias: one matrix
 * product per image and group.
 */
export function conv2dKernel(g: ConvGeometry, x: Tensor, weight: Tensor, bias: Tensor | undefined): Tensor {
  const { n, c, h, w, o, kh, kw, oh, ow, groups } = g
  const cg = c / groups
  const og = o / groups
  const K = cg * kh * kw
  const L = oh * ow
  const xs = x.contiguousData()
  const ws = weight.contiguousData()
  const out = allocateUnset(x.dtype, n * o * L) // every element written: the bias, or a product without accumulate
  const pointwise = isPointwise(g)
  const col = pointwise ? xs : allocate(x.dtype, K * L)
  const bs = bias?.contiguousData()
  for (let b = 0; b < n; b++) {
    const oOff = b * o * L
    if (bs !== undefined) for (let oc = 0; oc < o; oc++) out.fill(bs[oc], oOff + oc * L, oOff + (oc + 1) * L)
    for (let k = 0; k < groups; k++) {
      const xOff = (b * c + k * cg) * h * w
      if (!pointwise) im2col(g, xs, xOff, col)
      gemm(og, L, K, rowMajor(ws, k * og * K, K), rowMajor(col, pointwise ? xOff : 0, L), out, oOff + k * og * L, bs !== undefined)
    }
  }
  return Tensor.fromArray(out, [n, o, oh, ow])
}

/**
 * The input gradient of conv2d (a transposed convolution): for each image and group,
 * col = W[block]ᵀ · gy[n, block], then col2im adds the columns back onto the input grid.
 */
export function conv2dInputGradKernel(g: ConvGeometry, gy: Tensor, weight: Tensor): Tensor {
  const { n, c, h, w, o, kh, kw, oh, ow, groups } = g
  const cg = c / groups
  const og = o / groups
  const K = cg * kh * kw
  const L = oh * ow
  const gs = gy.contiguousData()
  const ws = weight.contiguousData()
  const dx = allocate(gy.dtype, n * c * h * w)
  const pointwise = isPointwise(g)
  const col = pointwise ? dx : allocate(gy.dtype, K * L)
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < groups; k++) {
      const xOff = (b * c + k * cg) * h * w
      // W[block]ᵀ [K, og], read in place through its strides.
      gemm(K, L, og, transposed(ws, k * og * K, K), rowMajor(gs, (b * o + k * og) * L, L), col, pointwise ? xOff : 0, false)
      if (!pointwise) col2im(g, col, dx, xOff)
    }
  }
  return Tensor.fromArray(dx, [n, c, h, w])
}

/** The weight gradient of conv2d: dW[block k] [o/g, (c/g)·kh·kw] = Σ_n gy[n, block k] · im2col(x[n], group k)ᵀ. */
export function conv2dWeightGradKernel(g: ConvGeometry, x: Tensor, gy: Tensor): Tensor {
  const { n, c, h, w, o, kh, kw, oh, ow, groups } = g
  const cg = c / groups
  const og = o / groups
  const K = cg * kh * kw
  const L = oh * ow
  const xs = x.contiguousData()
  const gs = gy.contiguousData()
  // The first image's products write every element (with no image, the gradient is zero).
  const dw = n > 0 ? allocateUnset(x.dtype, o * K) : allocate(x.dtype, o * K)
  const pointwise = isPointwise(g)
  const col = pointwise ? xs : allocate(x.dtype, K * L)
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < groups; k++) {
      const xOff = (b * c + k * cg) * h * w
      if (!pointwise) im2col(g, xs, xOff, col)
      // gy[n, block] [og, L] · colᵀ [L, K], the transpose read in place.
      gemm(og, K, L, rowMajor(gs, (b * o + k * og) * L, L), transposed(col, pointwise ? xOff : 0, L), dw, k * og * K, b > 0)
    }
  }
  return Tensor.fromArray(dw, [o, cg, kh, kw])
}
