import { allocate, type FloatArray } from '../dtype.js'
import { Tensor } from '../tensor.js'

/** The geometry of a 2-D pool over the last two dims (no padding, floor mode). */
export interface PoolGeometry {
  /** Number of (n, c) planes. */
  planes: number
  h: number
  w: number
  k: number
  stride: number
  oh: number
  ow: number
}

/**
 * For every window, the flat index (within its plane) of its maximum: the first one in
 * row-major order on ties; a NaN wins (and the first NaN), so NaN propagates as in PyTorch.
 */
export function maxPoolArgmax(g: PoolGeometry, x: Tensor): Int32Array {
  const { planes, h, w, k, stride: s, oh, ow } = g
  const xs = x.contiguousData()
  const idx = new Int32Array(planes * oh * ow)
  let o = 0
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w
    for (let i = 0; i < oh; i++) {
      for (let j = 0, top = i * s * w; j < ow; j++, o++, top += s) {
        idx[o] = k === 2 ? argmax2x2(xs, base, top, w) : argmaxWindow(xs, base, top, w, k)
      }
    }
  }
  return idx
}

/** The argmax of the k×k window at `top` (see maxPoolArgmax). */
function argmaxWindow(xs: FloatArray, base: number, top: number, w: number, k: number): number {
  let best = top
  let m = xs[base + top]
  if (m !== m) return top
  for (let p = 0; p < k; p++) {
    const row = top + p * w
    for (let q = 0; q < k; q++) {
      const v = xs[base + row + q]
      if (v > m) {
        m = v
        best = row + q
      } else if (v !== v) return row + q
    }
  }
  return best
}

/**
 * The same for the common 2×2 window, unrolled: the comparisons depend on the data, so a
 * loop around them costs mispredicted branches as well (2x slower measured on random data).
 */
function argmax2x2(xs: FloatArray, base: number, top: number, w: number): number {
  const at = base + top
  const a = xs[at]
  const b = xs[at + 1]
  const c = xs[at + w]
  const d = xs[at + w + 1]
  if (!(a === a && b === b && c === c && d === d)) return argmaxWindow(xs, base, top, w, 2)
  let best = top
  let m = a
  if (b > m) {
    m = b
    best = top + 1
  }
  if (c > m) {
    m = c
    best = top + w
  }
  if (d > m) best = top + w + 1
  return best
}

/** out[window] = v[argmax of x's window]: maxPool2d's values, or a tangent routed like them. */
export function gatherAt(g: PoolGeometry, idx: Int32Array, v: Tensor, outShape: readonly number[]): Tensor {
  const { planes, h, w, oh, ow } = g
  const vs = v.contiguousData()
  const out = allocate(v.dtype, planes * oh * ow)
  const per = oh * ow
  for (let pl = 0, o = 0; pl < planes; pl++) {
    const base = pl * h * w
    for (let t = 0; t < per; t++, o++) out[o] = vs[base + idx[o]]
  }
  return Tensor.fromArray(out, outShape)
}

/** The transpose of `gatherAt`: each window's value added at its argmax position. */
export function scatterAt(g: PoolGeometry, idx: Int32Array, gy: Tensor, outShape: readonly number[]): Tensor {
  const { planes, h, w, oh, ow } = g
  const gs = gy.contiguousData()
  const out = allocate(gy.dtype, planes * h * w)
  const per = oh * ow
  for (let pl = 0, o = 0; pl < planes; pl++) {
    const base = pl * h * w
    for (let t = 0; t < per; t++, o++) out[base + idx[o]] += gs[o]
  }
  return Tensor.fromArray(out, outShape)
}

/** Window means. */
export function avgPoolKernel(g: PoolGeometry, x: Tensor, outShape: readonly number[]): Tensor {
  const { planes, h, w, k, stride: s, oh, ow } = g
  const xs = x.contiguousData()
  const out = allocate(x.dtype, planes * oh * ow)
  const scale = 1 / (k * k)
  let o = 0
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++, o++) {
        const top = base + i * s * w + j * s
        let sum = 0
        for (let p = 0; p < k; p++) {
          const row = top + p * w
          for (let q = 0; q < k; q++) sum += xs[row + q]
        }
        out[o] = sum * scale
      }
    }
  }
  return Tensor.fromArray(out, outShape)
}

/** The transpose of `avgPoolKernel`: each window's value, divided by k², spread over the window. */
export function avgPoolGradKernel(g: PoolGeometry, gy: Tensor, outShape: readonly number[]): Tensor {
  const { planes, h, w, k, stride: s, oh, ow } = g
  const gs = gy.contiguousData()
  const out = allocate(gy.dtype, planes * h * w)
  const scale = 1 / (k * k)
  let o = 0
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++, o++) {
        const top = base + i * s * w + j * s
        const v = gs[o] * scale
        for (let p = 0; p < k; p++) {
          const row = top + p * w
          for (let q = 0; q < k; q++) out[row + q] += v
        }
      }
    }
  }
  return Tensor.fromArray(out, outShape)
}
