import type { FloatArray } from '../dtype.js'

/**
 * The lower Cholesky factor L (A = L·Lᵀ) of the n×n matrix at `src[offset ..]`, reading only
 * its lower triangle, into `out[outOffset ..]` (upper triangle zero), computed in double.
 * Returns false, leaving `out` partly written, when A is not positive-definite (a pivot
 * A[j,j] − Σ L[j,k]² that is not > 0, or NaN).
 */
export function choleskyFactor(src: FloatArray, offset: number, n: number, out: FloatArray, outOffset: number, l: Float64Array): boolean {
  l.fill(0, 0, n * n)
  for (let j = 0; j < n; j++) {
    const rj = j * n
    let d = src[offset + rj + j]
    for (let k = 0; k < j; k++) d -= l[rj + k] * l[rj + k]
    if (!(d > 0)) return false
    const ljj = Math.sqrt(d)
    l[rj + j] = ljj
    for (let i = j + 1; i < n; i++) {
      const ri = i * n
      let s = src[offset + ri + j]
      for (let k = 0; k < j; k++) s -= l[ri + k] * l[rj + k]
      l[ri + j] = s / ljj
    }
  }
  for (let i = 0; i < n * n; i++) out[outOffset + i] = l[i]
  return true
}
