import type { FloatArray } from '../dtype.js'

// LU factorization with partial pivoting, P·A = L·U, of one n×n row-major matrix held in a
// float64 work array (float32 inputs are factored in double and rounded once at the end).
// Row-oriented: the update of row i below the pivot runs along contiguous memory.

/** A factored matrix: L (unit diagonal, below) and U (on and above the diagonal) in `lu`. */
export interface LU {
  n: number
  lu: Float64Array
  /** Row i of P·A is row perm[i] of A. */
  perm: Int32Array
  /** +1 or −1: the sign of the permutation. */
  sign: number
  /** Whether some pivot was exactly zero (a singular matrix; U is then incomplete). */
  singular: boolean
}

/** Factors the n×n matrix at `src[offset ..]` (row-major). Never throws: `singular` says whether it succeeded. */
export function luFactor(src: FloatArray, offset: number, n: number, work?: LU): LU {
  const f = work ?? { n, lu: new Float64Array(n * n), perm: new Int32Array(n), sign: 1, singular: false }
  const a = f.lu
  for (let i = 0; i < n * n; i++) a[i] = src[offset + i]
  for (let i = 0; i < n; i++) f.perm[i] = i
  f.sign = 1
  f.singular = false
  for (let k = 0; k < n; k++) {
    let p = k
    let best = Math.abs(a[k * n + k])
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(a[i * n + k])
      if (v > best) {
        best = v
        p = i
      }
    }
    if (best === 0 || best !== best) {
      // A zero column below the diagonal: singular (NaN pivots also stop here).
      f.singular = true
      return f
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = a[k * n + j]
        a[k * n + j] = a[p * n + j]
        a[p * n + j] = t
      }
      const t = f.perm[k]
      f.perm[k] = f.perm[p]
      f.perm[p] = t
      f.sign = -f.sign
    }
    const pivot = a[k * n + k]
    for (let i = k + 1; i < n; i++) {
      const l = a[i * n + k] / pivot
      a[i * n + k] = l
      if (l === 0) continue
      const ri = i * n
      const rk = k * n
      for (let j = k + 1; j < n; j++) a[ri + j] -= l * a[rk + j]
    }
  }
  return f
}

/** det(A) from its factors: 0 when singular. */
export function luDet(f: LU): number {
  if (f.singular) return 0
  let d = f.sign
  for (let i = 0; i < f.n; i++) d *= f.lu[i * f.n + i]
  return d
}

/** log|det A| and the sign of det A (0 when singular, with log −inf). */
export function luLogAbsDet(f: LU): [sign: number, logAbs: number] {
  if (f.singular) return [0, -Infinity]
  let sign = f.sign
  let logAbs = 0
  for (let i = 0; i < f.n; i++) {
    const u = f.lu[i * f.n + i]
    if (u < 0) sign = -sign
    logAbs += Math.log(Math.abs(u))
  }
  return [sign, logAbs]
}

/**
 * X = A⁻¹·B for B [n, k] at `b[bOff ..]` (row-major), written to `x[xOff ..]`: forward
 * substitution through L (rows of P·B), then back substitution through U, each row update
 * running along the k columns. `f` must not be singular.
 */
export function luSolve(f: LU, b: FloatArray, bOff: number, k: number, x: FloatArray, xOff: number, y: Float64Array): void {
  const { n, lu, perm } = f
  for (let i = 0; i < n; i++) {
    const yi = i * k
    const src = bOff + perm[i] * k
    for (let c = 0; c < k; c++) y[yi + c] = b[src + c]
    for (let j = 0; j < i; j++) {
      const l = lu[i * n + j]
      if (l === 0) continue
      const yj = j * k
      for (let c = 0; c < k; c++) y[yi + c] -= l * y[yj + c]
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    const yi = i * k
    for (let j = i + 1; j < n; j++) {
      const u = lu[i * n + j]
      if (u === 0) continue
      const yj = j * k
      for (let c = 0; c < k; c++) y[yi + c] -= u * y[yj + c]
    }
    const inv = 1 / lu[i * n + i]
    for (let c = 0; c < k; c++) y[yi + c] *= inv
  }
  for (let i = 0; i < n * k; i++) x[xOff + i] = y[i]
}
