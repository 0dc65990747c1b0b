// W5's baseline: the CNN's loss and six gradients in plain loops over Float32Arrays
// (direct convolution, nothing blocked or vectorised).

import type { W5Data } from '../data.js'

export interface CnnParams {
  c1w: Float32Array // [16, 3, 3, 3]
  c1b: Float32Array // [16]
  c2w: Float32Array // [32, 16, 3, 3]
  c2b: Float32Array // [32]
  fw: Float32Array // [32, 10]
  fb: Float32Array // [10]
}

export const cnnParams = (d: W5Data): CnnParams => ({
  c1w: Float32Array.from(d.c1w),
  c1b: Float32Array.from(d.c1b),
  c2w: Float32Array.from(d.c2w),
  c2b: Float32Array.from(d.c2b),
  fw: Float32Array.from(d.fw),
  fb: Float32Array.from(d.fb),
})

/** 3×3 convolution, padding 1, stride 1: x [n, c, h, w] → [n, o, h, w]. */
function conv3(x: Float32Array, n: number, c: number, h: number, w: number, wt: Float32Array, bias: Float32Array, o: number): Float32Array {
  const out = new Float32Array(n * o * h * w)
  const hw = h * w
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const ob = (b * o + oc) * hw
      out.fill(bias[oc], ob, ob + hw)
      for (let ic = 0; ic < c; ic++) {
        const ib = (b * c + ic) * hw
        for (let kh = 0; kh < 3; kh++) {
          const y0 = Math.max(0, 1 - kh)
          const y1 = Math.min(h, h + 1 - kh)
          for (let kw = 0; kw < 3; kw++) {
            const wv = wt[((oc * c + ic) * 3 + kh) * 3 + kw]
            const x0 = Math.max(0, 1 - kw)
            const x1 = Math.min(w, w + 1 - kw)
            for (let yy = y0; yy < y1; yy++) {
              const orow = ob + yy * w
              const irow = ib + (yy + kh - 1) * w + kw - 1
              for (let xx = x0; xx < x1; xx++) out[orow + xx] += wv * x[irow + xx]
            }
          }
        }
      }
    }
  }
  return out
}

/** The weight and bias gradients of conv3, and the input's when `dx` is given. */
function conv3Backward(
  x: Float32Array, n: number, c: number, h: number, w: number, wt: Float32Array, o: number,
  dy: Float32Array, dw: Float32Array, db: Float32Array, dx: Float32Array | null,
): void {
  const hw = h * w
  for (let b = 0; b < n; b++) {
    for (let oc = 0; oc < o; oc++) {
      const ob = (b * o + oc) * hw
      let s = 0
      for (let q = 0; q < hw; q++) s += dy[ob + q]
      db[oc] += s
      for (let ic = 0; ic < c; ic++) {
        const ib = (b * c + ic) * hw
        for (let kh = 0; kh < 3; kh++) {
          const y0 = Math.max(0, 1 - kh)
          const y1 = Math.min(h, h + 1 - kh)
          for (let kw = 0; kw < 3; kw++) {
            const wi = ((oc * c + ic) * 3 + kh) * 3 + kw
            const wv = wt[wi]
            const x0 = Math.max(0, 1 - kw)
            const x1 = Math.min(w, w + 1 - kw)
            let acc = 0
            for (let yy = y0; yy < y1; yy++) {
              const orow = ob + yy * w
              const irow = ib + (yy + kh - 1) * w + kw - 1
              for (let xx = x0; xx < x1; xx++) {
                const g = dy[orow + xx]
                acc += g * x[irow + xx]
                if (dx !== null) dx[irow + xx] += wv * g
              }
            }
            dw[wi] += acc
          }
        }
      }
    }
  }
}

/** Loss and gradients; the answer layout is [loss, c1w, c1b, c2w, c2b, fw, fb]. */
export function cnnStep(p: CnnParams, X: Float32Array, y: ArrayLike<number>): { loss: number; grads: CnnParams } {
  const N = 8, C0 = 3, H = 32, C1 = 16, H2 = 16, C2 = 32, K = 10
  // Forward.
  const a1 = conv3(X, N, C0, H, H, p.c1w, p.c1b, C1)
  for (let q = 0; q < a1.length; q++) if (a1[q] < 0) a1[q] = 0
  const p1 = new Float32Array(N * C1 * H2 * H2)
  const arg = new Int32Array(p1.length)
  for (let bc = 0; bc < N * C1; bc++) {
    for (let yy = 0; yy < H2; yy++) {
      for (let xx = 0; xx < H2; xx++) {
        let best = -Infinity
        let at = 0
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const i = (bc * H + 2 * yy + dy) * H + 2 * xx + dx
            if (a1[i] > best) {
              best = a1[i]
              at = i
            }
          }
        }
        const o = (bc * H2 + yy) * H2 + xx
        p1[o] = best
        arg[o] = at
      }
    }
  }
  const a2 = conv3(p1, N, C1, H2, H2, p.c2w, p.c2b, C2)
  for (let q = 0; q < a2.length; q++) if (a2[q] < 0) a2[q] = 0
  const hw2 = H2 * H2
  const g = new Float32Array(N * C2)
  for (let bc = 0; bc < N * C2; bc++) {
    let s = 0
    for (let q = 0; q < hw2; q++) s += a2[bc * hw2 + q]
    g[bc] = s / hw2
  }
  const z = new Float32Array(N * K)
  for (let b = 0; b < N; b++) {
    for (let k = 0; k < K; k++) {
      let s = p.fb[k]
      for (let c = 0; c < C2; c++) s += g[b * C2 + c] * p.fw[c * K + k]
      z[b * K + k] = s
    }
  }
  let loss = 0
  const dz = new Float32Array(N * K)
  for (let b = 0; b < N; b++) {
    let m = -Infinity
    for (let k = 0; k < K; k++) if (z[b * K + k] > m) m = z[b * K + k]
    let s = 0
    for (let k = 0; k < K; k++) s += Math.exp(z[b * K + k] - m)
    const t = y[b]
    loss += m + Math.log(s) - z[b * K + t]
    for (let k = 0; k < K; k++) dz[b * K + k] = (Math.exp(z[b * K + k] - m) / s - (k === t ? 1 : 0)) / N
  }
  loss /= N
  // Backward.
  const grads: CnnParams = {
    c1w: new Float32Array(p.c1w.length), c1b: new Float32Array(C1),
    c2w: new Float32Array(p.c2w.length), c2b: new Float32Array(C2),
    fw: new Float32Array(C2 * K), fb: new Float32Array(K),
  }
  const dg = new Float32Array(N * C2)
  for (let b = 0; b < N; b++) {
    for (let k = 0; k < K; k++) grads.fb[k] += dz[b * K + k]
    for (let c = 0; c < C2; c++) {
      let s = 0
      for (let k = 0; k < K; k++) {
        grads.fw[c * K + k] += g[b * C2 + c] * dz[b * K + k]
        s += dz[b * K + k] * p.fw[c * K + k]
      }
      dg[b * C2 + c] = s
    }
  }
  const da2 = new Float32Array(a2.length)
  for (let bc = 0; bc < N * C2; bc++) {
    const v = dg[bc] / hw2
    for (let q = 0; q < hw2; q++) da2[bc * hw2 + q] = a2[bc * hw2 + q] > 0 ? v : 0
  }
  const dp1 = new Float32Array(p1.length)
  conv3Backward(p1, N, C1, H2, H2, p.c2w, C2, da2, grads.c2w, grads.c2b, dp1)
  const da1 = new Float32Array(a1.length)
  for (let o = 0; o < dp1.length; o++) {
    const i = arg[o]
    if (a1[i] > 0) da1[i] += dp1[o]
  }
  conv3Backward(X, N, C0, H, H, p.c1w, C1, da1, grads.c1w, grads.c1b, null)
  return { loss, grads }
}
