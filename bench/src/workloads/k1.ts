// K1: the heavy kernels of the second wave of ops (issue 8): LU solve and inverse of a
// 256×256 float64 matrix, einsum's batched contraction against matmul on the same shapes,
// and a depthwise conv2d (groups = channels) on W5's shapes.

import * as R from '@ad/reverse'
import { U } from '../data.js'
import type { Case, Workload } from '../types.js'

const N = 256

/** A·X by plain loops, [n, n]·[n, k], as the check of solve and inv (their answer must give back B, or I). */
function product(a: ArrayLike<number>, x: ArrayLike<number>, n: number, k: number): Float64Array {
  const out = new Float64Array(n * k)
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const v = a[i * n + j]
    for (let c = 0; c < k; c++) out[i * k + c] += v * x[j * k + c]
  }
  return out
}

function identity(n: number): Float64Array {
  const e = new Float64Array(n * n)
  for (let i = 0; i < n; i++) e[i * n + i] = 1
  return e
}

function linalgCases(): Case[] {
  // Entries uniform in [−1, 1]: a random dense matrix, invertible with a condition number of
  // a few thousand, so residuals of 1e-9 are what double precision gives.
  const a = U(N * N, 61, 1)
  const b = U(N, 62, 1)
  const A = R.tensor(a, { shape: [N, N] })
  const B = R.tensor(b, { shape: [N, 1] })
  const tol = { rtol: 1e-8, atol: 1e-8 }
  const solve = () => R.solve(A, B)
  const inv = () => R.inv(A)
  return [
    {
      workload: 'K1', variant: 'solve-256', dtype: 'float64', impl: 'ad', tol,
      run: solve, answer: () => product(a, solve().contiguousData(), N, 1), expected: () => b,
      note: 'solve(A, b), A 256×256: LU with partial pivoting; checked by A·x = b',
    },
    {
      workload: 'K1', variant: 'inv-256', dtype: 'float64', impl: 'ad', tol,
      run: inv, answer: () => product(a, inv().contiguousData(), N, N), expected: () => identity(N),
      note: 'inv(A), A 256×256; checked by A·inv(A) = I',
    },
  ]
}

/** einsum('bij,bjk->bik') and matmul of the same [32, 128, 128] operands, float32 and float64. */
function einsumCases(): Case[] {
  const [b, n] = [32, 128]
  const x = U(b * n * n, 63, 1)
  const y = U(b * n * n, 64, 1)
  return (['float64', 'float32'] as const).flatMap((dtype): Case[] => {
    const X = R.tensor(dtype === 'float32' ? Float32Array.from(x) : x, { shape: [b, n, n] })
    const Y = R.tensor(dtype === 'float32' ? Float32Array.from(y) : y, { shape: [b, n, n] })
    const matmul = () => R.matmul(X, Y)
    const einsum = () => R.einsum('bij,bjk->bik', X, Y)
    return [
      { workload: 'K1', variant: 'matmul', dtype, impl: 'baseline', run: matmul, answer: () => matmul().contiguousData() },
      {
        // The same products in the same order: equal to the bit (a zero tolerance reads 0/0 in the check, hence 1e-300).
        workload: 'K1', variant: 'einsum', dtype, impl: 'ad', baseline: 'matmul', tol: { rtol: 0, atol: 1e-300 },
        run: einsum, answer: () => einsum().contiguousData(), note: "einsum('bij,bjk->bik') on [32, 128, 128] operands: the same batched GEMM, bit for bit",
      },
    ]
  })
}

/** Depthwise 3×3 convolution, padding 1, on W5's second layer: [8, 16, 16, 16], weight [16, 1, 3, 3], float32. */
function depthwiseCases(): Case[] {
  const [n, c, h, w] = [8, 16, 16, 16]
  const x = Float32Array.from(U(n * c * h * w, 65, 1))
  const k = Float32Array.from(U(c * 9, 66, 0.5))
  const X = R.tensor(x, { shape: [n, c, h, w] })
  const K = R.tensor(k, { shape: [c, 1, 3, 3] })
  const attrs = { padding: 1, groups: c }
  const forward = () => R.conv2d(X, K, attrs)
  const grads = R.grad((xx: R.Tensor, kk: R.Tensor) => R.conv2d(xx, kk, attrs).square().sum(), { argnums: [0, 1] })
  const backward = () => grads(X, K) as R.Tensor[]
  // Direct loops: out[b, ch, i, j] = Σ_pq x[b, ch, i + p − 1, j + q − 1]·k[ch, p, q].
  const direct = (): Float32Array => {
    const out = new Float32Array(n * c * h * w)
    for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) {
      const plane = (b * c + ch) * h * w
      for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) {
        let s = 0
        for (let p = 0; p < 3; p++) {
          const r = i + p - 1
          if (r < 0 || r >= h) continue
          for (let q = 0; q < 3; q++) {
            const t = j + q - 1
            if (t >= 0 && t < w) s += x[plane + r * w + t] * k[ch * 9 + p * 3 + q]
          }
        }
        out[plane + i * w + j] = s
      }
    }
    return out
  }
  // float32 sums of 9 products in another order than im2col + GEMM: ~1e-7 relative.
  const tol = { rtol: 1e-5, atol: 1e-6 }
  return [
    { workload: 'K1', variant: 'depthwise-direct', dtype: 'float32', impl: 'baseline', run: direct, answer: direct },
    {
      workload: 'K1', variant: 'depthwise', dtype: 'float32', impl: 'ad', baseline: 'depthwise-direct', tol,
      run: forward, answer: () => forward().contiguousData(), note: 'conv2d(x [8,16,16,16], w [16,1,3,3], { padding: 1, groups: 16 })',
    },
    {
      workload: 'K1', variant: 'depthwise-grad', dtype: 'float32', impl: 'ad',
      run: backward,
      // d/dx Σ y² = 2·conv2dInputGrad(y): checked through its sum against ⟨2y, y⟩·… is indirect;
      // instead, the weight gradient's defining identity ⟨∂L/∂w, w⟩ = 2 Σ y² (L is quadratic in w).
      answer: () => {
        const [, gk] = backward()
        let dot = 0
        const g = gk.contiguousData()
        for (let i = 0; i < g.length; i++) dot += g[i] * k[i]
        return [dot]
      },
      expected: () => [2 * direct().reduce((s, v) => s + v * v, 0)],
      tol: { rtol: 1e-4, atol: 1e-4 },
      note: 'grad of Σ conv2d(x, w)² with respect to x and w (conv2dInputGrad and conv2dWeightGrad, grouped)',
    },
  ]
}

export const k1: Workload = {
  id: 'K1',
  title: 'the second wave\'s kernels: solve and inv 256×256, einsum vs matmul, depthwise conv2d',
  cases: () => [...linalgCases(), ...einsumCases(), ...depthwiseCases()],
}
