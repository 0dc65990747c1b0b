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
 * as a [(c/groups)·kh·kw, oh·ow] block (rows `ld` apart, from column `colOff`: images of a
 * batch side by side), row (ci, p, q) holding the input pixel under kernel tap (p, q) for
 * every output position. Taps that fall into the padding are 0 and are never written: `col`
 * must start zeroed (a fresh buffer), and may then be reused for the next images of the same
 * geometry and layout. The valid block of each tap is computed once, so the copies have no
 * bounds tests; with stride 1 and an output as wide as the input ("same" padding) the block
 * is one run in both arrays, copied whole (a memcpy), and only its padding columns are
 * zeroed again.
 */
function im2col(g: ConvGeometry, x: FloatArray, xOff: number, col: FloatArray, ld: number, colOff: number): void {
  const { h, w, kh, kw, oh, ow, stride: s, padding: pad, dilation: d } = g
  const c = g.c / g.groups
  const wholeRows = s === 1 && ow === w
  let row = 0
  for (let ci = 0; ci < c; ci++) {
    const plane = xOff + ci * h * w
    for (let p = 0; p < kh; p++) {
      const [ilo, ihi] = validRange(h, oh, p * d, s, pad)
      for (let q = 0; q < kw; q++, row++) {
        const [jlo, jhi] = validRange(w, ow, q * d, s, pad)
        if (ilo === ihi || jlo === jhi) continue
        const first = row * ld + colOff + ilo * ow // col's row ilo of this tap
        const src = plane + (ilo * s + p * d - pad) * w + jlo * s + q * d - pad // x under (ilo, jlo)
        if (wholeRows) {
          const n = (ihi - ilo - 1) * ow + (jhi - jlo)
          col.set(x.subarray(src, src + n), first + jlo)
          // the copy ran across row ends: put back the zeros of the padding columns
          for (let i = ilo; i < ihi; i++) {
            const r = row * ld + colOff + i * ow
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

/** col2im: the transpose of im2col, adding each row of `col`'s block back into one group of image `dx[dxOff ..]`. */
function col2im(g: ConvGeometry, col: FloatArray, ld: number, colOff: number, dx: FloatArray, dxOff: number): void {
  const { h, w, kh, kw, oh, ow, stride: s, padding: pad, dilation: d } = g
  const c = g.c / g.groups
  let row = 0
  for (let ci = 0; ci < c; ci++) {
    const plane = dxOff + ci * h * w
    for (let p = 0; p < kh; p++) {
      const [ilo, ihi] = validRange(h, oh, p * d, s, pad)
      for (let q = 0; q < kw; q++, row++) {
        const [jlo, jhi] = validRange(w, ow, q * d, s, pad)
        const n = jhi - jlo
        let r = row * ld + colOff + ilo * ow + jlo
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
 * The images of a batch are unfolded side by side, so each group's product covers many images
 * at once: W packed once, one large product (worth the helper threads) instead of one small
 * one per image, and the weight gradient summed over the batch inside the product. Blocks of
 * `imagesPerBlock` images keep the unfolded block within COL_LIMIT elements. One image (or a
 * pointwise convolution, whose unfolded input is the input itself) keeps the direct way.
 */
const COL_LIMIT = 1 << 22

function imagesPerBlock(g: ConvGeometry, K: number, L: number): number {
  return Math.max(1, Math.min(g.n, Math.floor(COL_LIMIT / Math.max(1, K * L))))
}

/** The rows × L blocks of images b0 .. b0 + m − 1 of `from` (channel rows first .. first + rows − 1 of chans) side by side in `to`, rows `ld` apart. */
function gatherImages(from: FloatArray, b0: number, m: number, chans: number, first: number, rows: number, L: number, to: FloatArray, ld: number): void {
  for (let b = 0; b < m; b++) {
    for (let r = 0; r < rows; r++) {
      const at = ((b0 + b) * chans + first + r) * L
      to.set(from.subarray(at, at + L), r * ld + b * L)
    }
  }
}

/**
 * out[n, block k] = W[block k] [o/g, (c/g)·kh·kw] · im2col(x[n], group k) + bias: one matrix
 * product per group and block of images.
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
  const bs = bias?.contiguousData()
  const nb = pointwise ? 1 : imagesPerBlock(g, K, L)
  if (nb === 1) {
    const col = pointwise ? xs : allocate(x.dtype, K * L)
    for (let b = 0; b < n; b++) {
      const oOff = b * o * L
      if (bs !== undefined) for (let oc = 0; oc < o; oc++) out.fill(bs[oc], oOff + oc * L, oOff + (oc + 1) * L)
      for (let k = 0; k < groups; k++) {
        const xOff = (b * c + k * cg) * h * w
        if (!pointwise) im2col(g, xs, xOff, col, L, 0)
        gemm(og, L, K, rowMajor(ws, k * og * K, K), rowMajor(col, pointwise ? xOff : 0, L), out, oOff + k * og * L, bs !== undefined)
      }
    }
    return Tensor.fromArray(out, [n, o, oh, ow])
  }
  // Every block keeps rows nb·L apart (the last may hold fewer images), so the zeros im2col
  // leaves in place stay where they belong.
  const ld = nb * L
  const col = allocate(x.dtype, K * ld)
  const prod = allocateUnset(x.dtype, og * ld)
  for (let b0 = 0; b0 < n; b0 += nb) {
    const m = Math.min(nb, n - b0)
    for (let k = 0; k < groups; k++) {
      for (let b = 0; b < m; b++) im2col(g, xs, ((b0 + b) * c + k * cg) * h * w, col, ld, b * L)
      gemm(og, m * L, K, rowMajor(ws, k * og * K, K), rowMajor(col, 0, ld), prod, 0, false)
      // prod [og, m·L] back to out [m, o, L], adding the bias.
      for (let b = 0; b < m; b++) {
        for (let r = 0; r < og; r++) {
          const to = ((b0 + b) * o + k * og + r) * L
          const from = r * m * L + b * L
          if (bs === undefined) out.set(prod.subarray(from, from + L), to)
          else {
            const v = bs[k * og + r]
            for (let j = 0; j < L; j++) out[to + j] = prod[from + j] + v
          }
        }
      }
    }
  }
  return Tensor.fromArray(out, [n, o, oh, ow])
}

/**
 * The input gradient of conv2d (a transposed convolution): for each group and block of
 * images, col = W[block]ᵀ · gy[images, block], then col2im adds the columns back onto each
 * image's input grid.
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
  const nb = pointwise ? 1 : imagesPerBlock(g, K, L)
  if (nb === 1) {
    const col = pointwise ? dx : allocate(gy.dtype, K * L)
    for (let b = 0; b < n; b++) {
      for (let k = 0; k < groups; k++) {
        const xOff = (b * c + k * cg) * h * w
        // W[block]ᵀ [K, og], read in place through its strides.
        gemm(K, L, og, transposed(ws, k * og * K, K), rowMajor(gs, (b * o + k * og) * L, L), col, pointwise ? xOff : 0, false)
        if (!pointwise) col2im(g, col, L, 0, dx, xOff)
      }
    }
    return Tensor.fromArray(dx, [n, c, h, w])
  }
  const col = allocateUnset(gy.dtype, K * nb * L) // each product writes the [K, m·L] it needs
  const gys = allocateUnset(gy.dtype, og * nb * L)
  for (let b0 = 0; b0 < n; b0 += nb) {
    const m = Math.min(nb, n - b0)
    for (let k = 0; k < groups; k++) {
      gatherImages(gs, b0, m, o, k * og, og, L, gys, m * L)
      gemm(K, m * L, og, transposed(ws, k * og * K, K), rowMajor(gys, 0, m * L), col, 0, false)
      for (let b = 0; b < m; b++) col2im(g, col, m * L, b * L, dx, ((b0 + b) * c + k * cg) * h * w)
    }
  }
  return Tensor.fromArray(dx, [n, c, h, w])
}

/**
 * The weight gradient of conv2d: dW[block k] [o/g, (c/g)·kh·kw] = Σ_n gy[n, block k] · im2col(x[n], group k)ᵀ,
 * the sum over a block of images inside one product.
 */
export function conv2dWeightGradKernel(g: ConvGeometry, x: Tensor, gy: Tensor): Tensor {
  const { n, c, h, w, o, kh, kw, oh, ow, groups } = g
  const cg = c / groups
  const og = o / groups
  const K = cg * kh * kw
  const L = oh * ow
  const xs = x.contiguousData()
  const gs = gy.contiguousData()
  // The first block's products write every element (with no image, the gradient is zero).
  const dw = n > 0 ? allocateUnset(x.dtype, o * K) : allocate(x.dtype, o * K)
  const pointwise = isPointwise(g)
  const nb = pointwise ? 1 : imagesPerBlock(g, K, L)
  if (nb === 1) {
    const col = pointwise ? xs : allocate(x.dtype, K * L)
    for (let b = 0; b < n; b++) {
      for (let k = 0; k < groups; k++) {
        const xOff = (b * c + k * cg) * h * w
        if (!pointwise) im2col(g, xs, xOff, col, L, 0)
        // gy[n, block] [og, L] · colᵀ [L, K], the transpose read in place.
        gemm(og, K, L, rowMajor(gs, (b * o + k * og) * L, L), transposed(col, pointwise ? xOff : 0, L), dw, k * og * K, b > 0)
      }
    }
    return Tensor.fromArray(dw, [o, cg, kh, kw])
  }
  const ld = nb * L // kept for every block, as in conv2dKernel
  const col = allocate(x.dtype, K * ld)
  const gys = allocateUnset(x.dtype, og * ld)
  for (let b0 = 0; b0 < n; b0 += nb) {
    const m = Math.min(nb, n - b0)
    for (let k = 0; k < groups; k++) {
      for (let b = 0; b < m; b++) im2col(g, xs, ((b0 + b) * c + k * cg) * h * w, col, ld, b * L)
      gatherImages(gs, b0, m, o, k * og, og, L, gys, ld)
      gemm(og, K, m * L, rowMajor(gys, 0, ld), transposed(col, 0, ld), dw, k * og * K, b0 > 0)
    }
  }
  return Tensor.fromArray(dw, [o, cg, kh, kw])
}
