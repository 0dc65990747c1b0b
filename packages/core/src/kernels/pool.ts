import { allocate, type FloatArray } from '../dtype.js'
import { Tensor } from '../tensor.js'

/**
 * The geometry of a 2-D pool over the last two dims (floor mode). Window (i, j) covers rows
 * i·stride − padding .. + k − 1 (and the same for columns); the rows and columns outside the
 * input are the padding: never the maximum (−inf), zeros in a mean (whose divisor stays k²).
 */
export interface PoolGeometry {
  /** Number of (n, c) planes. */
  planes: number
  h: number
  w: number
  k: number
  stride: number
  padding: number
  oh: number
  ow: number
}

// Window row i covers input rows [max(0, t), min(h, t + k)) with t = i·stride − padding
// (columns alike); the loops below compute these bounds inline, allocating nothing.

/** Whether window (i, j) lies wholly inside the input (no padding in it). */
function inside(i: number, j: number, g: PoolGeometry): boolean {
  const top = i * g.stride - g.padding
  const left = j * g.stride - g.padding
  return top >= 0 && left >= 0 && top + g.k <= g.h && left + g.k <= g.w
}

/**
 * For every window, the flat index (within its plane) of its maximum: the first one in
 * row-major order on ties; a NaN wins (and the first NaN), so NaN propagates as in PyTorch.
 */
export function maxPoolArgmax(g: PoolGeometry, x: Tensor): Int32Array {
  const { planes, h, w, k, stride: s, padding: pad, oh, ow } = g
  const xs = x.contiguousData()
  const idx = new Int32Array(planes * oh * ow)
  let o = 0
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++, o++) {
        if (inside(i, j, g)) {
          const top = (i * s - pad) * w + j * s - pad
          idx[o] = k === 2 ? argmax2x2(xs, base, top, w) : argmaxWindow(xs, base, top, w, k, k)
        } else {
          // A window over the padding: its part inside the input (never empty, as padding <= k/2).
          const t = i * s - pad
          const l = j * s - pad
          const r0 = Math.max(0, t)
          const c0 = Math.max(0, l)
          idx[o] = argmaxWindow(xs, base, r0 * w + c0, w, Math.min(h, t + k) - r0, Math.min(w, l + k) - c0)
        }
      }
    }
  }
  return idx
}

/** The argmax of the rows×cols window at `top` (see maxPoolArgmax). */
function argmaxWindow(xs: FloatArray, base: number, top: number, w: number, rows: number, cols: number): number {
  let best = top
  let m = xs[base + top]
  if (m !== m) return top
  for (let p = 0; p < rows; p++) {
    const row = top + p * w
    for (let q = 0; q < cols; q++) {
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
  if (!(a === a && b === b && c === c && d === d)) return argmaxWindow(xs, base, top, w, 2, 2)
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

/** Window means; the padding counts as zeros, the divisor is always k² (PyTorch's count_include_pad). */
export function avgPoolKernel(g: PoolGeometry, x: Tensor, outShape: readonly number[]): Tensor {
  const { planes, h, w, k, stride: s, padding: pad, oh, ow } = g
  const xs = x.contiguousData()
  const out = allocate(x.dtype, planes * oh * ow)
  const scale = 1 / (k * k)
  let o = 0
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w
    for (let i = 0; i < oh; i++) {
      const r0 = Math.max(0, i * s - pad)
      const r1 = Math.min(h, i * s - pad + k)
      for (let j = 0; j < ow; j++, o++) {
        const c0 = Math.max(0, j * s - pad)
        const c1 = Math.min(w, j * s - pad + k)
        let sum = 0
        for (let p = r0; p < r1; p++) {
          const row = base + p * w
          for (let q = c0; q < c1; q++) sum += xs[row + q]
        }
        out[o] = sum * scale
      }
    }
  }
  return Tensor.fromArray(out, outShape)
}

/** The transpose of `avgPoolKernel`: each window's value, divided by k², spread over the window's part inside the input. */
export function avgPoolGradKernel(g: PoolGeometry, gy: Tensor, outShape: readonly number[]): Tensor {
  const { planes, h, w, k, stride: s, padding: pad, oh, ow } = g
  const gs = gy.contiguousData()
  const out = allocate(gy.dtype, planes * h * w)
  const scale = 1 / (k * k)
  let o = 0
  for (let pl = 0; pl < planes; pl++) {
    const base = pl * h * w
    for (let i = 0; i < oh; i++) {
      const r0 = Math.max(0, i * s - pad)
      const r1 = Math.min(h, i * s - pad + k)
      for (let j = 0; j < ow; j++, o++) {
        const c0 = Math.max(0, j * s - pad)
        const c1 = Math.min(w, j * s - pad + k)
        const v = gs[o] * scale
        for (let p = r0; p < r1; p++) {
          const row = base + p * w
          for (let q = c0; q < c1; q++) out[row + q] += v
        }
      }
    }
  }
  return Tensor.fromArray(out, outShape)
}
