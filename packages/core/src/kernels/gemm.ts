import type { FloatArray } from '../dtype.js'

// Small dense matrix products on row-major typed arrays at offsets, register-blocked so
// that each loaded value feeds several multiply-adds. No allocation, no closures: these
// are the inner loops of conv2d, its gradients and linear.

/**
 * C[M,N] (+)= A[M,K] · B[K,N]. Rows of C are updated along B's rows (axpy form), four
 * rows of C and four of B at a time. With `accumulate` false, C is overwritten.
 */
export function gemmNN(
  M: number, N: number, K: number,
  A: FloatArray, aOff: number,
  B: FloatArray, bOff: number,
  C: FloatArray, cOff: number,
  accumulate: boolean,
): void {
  if (!accumulate) C.fill(0, cOff, cOff + M * N)
  let i = 0
  for (; i + 4 <= M; i += 4) {
    const c0 = cOff + i * N
    const c1 = c0 + N
    const c2 = c1 + N
    const c3 = c2 + N
    const r0 = aOff + i * K
    const r1 = r0 + K
    const r2 = r1 + K
    const r3 = r2 + K
    let k = 0
    for (; k + 4 <= K; k += 4) {
      const a00 = A[r0 + k], a01 = A[r0 + k + 1], a02 = A[r0 + k + 2], a03 = A[r0 + k + 3]
      const a10 = A[r1 + k], a11 = A[r1 + k + 1], a12 = A[r1 + k + 2], a13 = A[r1 + k + 3]
      const a20 = A[r2 + k], a21 = A[r2 + k + 1], a22 = A[r2 + k + 2], a23 = A[r2 + k + 3]
      const a30 = A[r3 + k], a31 = A[r3 + k + 1], a32 = A[r3 + k + 2], a33 = A[r3 + k + 3]
      const b0 = bOff + k * N
      const b1 = b0 + N
      const b2 = b1 + N
      const b3 = b2 + N
      for (let j = 0; j < N; j++) {
        const x0 = B[b0 + j], x1 = B[b1 + j], x2 = B[b2 + j], x3 = B[b3 + j]
        C[c0 + j] += a00 * x0 + a01 * x1 + a02 * x2 + a03 * x3
        C[c1 + j] += a10 * x0 + a11 * x1 + a12 * x2 + a13 * x3
        C[c2 + j] += a20 * x0 + a21 * x1 + a22 * x2 + a23 * x3
        C[c3 + j] += a30 * x0 + a31 * x1 + a32 * x2 + a33 * x3
      }
    }
    for (; k < K; k++) {
      const a0 = A[r0 + k], a1 = A[r1 + k], a2 = A[r2 + k], a3 = A[r3 + k]
      const b0 = bOff + k * N
      for (let j = 0; j < N; j++) {
        const x = B[b0 + j]
        C[c0 + j] += a0 * x
        C[c1 + j] += a1 * x
        C[c2 + j] += a2 * x
        C[c3 + j] += a3 * x
      }
    }
  }
  for (; i < M; i++) {
    const c0 = cOff + i * N
    const r0 = aOff + i * K
    let k = 0
    for (; k + 4 <= K; k += 4) {
      const a0 = A[r0 + k], a1 = A[r0 + k + 1], a2 = A[r0 + k + 2], a3 = A[r0 + k + 3]
      const b0 = bOff + k * N
      const b1 = b0 + N
      const b2 = b1 + N
      const b3 = b2 + N
      for (let j = 0; j < N; j++) C[c0 + j] += a0 * B[b0 + j] + a1 * B[b1 + j] + a2 * B[b2 + j] + a3 * B[b3 + j]
    }
    for (; k < K; k++) {
      const a = A[r0 + k]
      const b0 = bOff + k * N
      for (let j = 0; j < N; j++) C[c0 + j] += a * B[b0 + j]
    }
  }
}

/**
 * C[M,N] (+)= A[M,K] · B[N,K]ᵀ: dot products of rows of A with rows of B, both read
 * contiguously, in 2×4 blocks of C held in registers.
 */
export function gemmNT(
  M: number, N: number, K: number,
  A: FloatArray, aOff: number,
  B: FloatArray, bOff: number,
  C: FloatArray, cOff: number,
  accumulate: boolean,
): void {
  let i = 0
  for (; i + 2 <= M; i += 2) {
    const r0 = aOff + i * K
    const r1 = r0 + K
    const c0 = cOff + i * N
    const c1 = c0 + N
    let j = 0
    for (; j + 4 <= N; j += 4) {
      const q0 = bOff + j * K
      const q1 = q0 + K
      const q2 = q1 + K
      const q3 = q2 + K
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0
      let s10 = 0, s11 = 0, s12 = 0, s13 = 0
      for (let k = 0; k < K; k++) {
        const x0 = A[r0 + k], x1 = A[r1 + k]
        const y0 = B[q0 + k], y1 = B[q1 + k], y2 = B[q2 + k], y3 = B[q3 + k]
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3
      }
      if (accumulate) {
        C[c0 + j] += s00; C[c0 + j + 1] += s01; C[c0 + j + 2] += s02; C[c0 + j + 3] += s03
        C[c1 + j] += s10; C[c1 + j + 1] += s11; C[c1 + j + 2] += s12; C[c1 + j + 3] += s13
      } else {
        C[c0 + j] = s00; C[c0 + j + 1] = s01; C[c0 + j + 2] = s02; C[c0 + j + 3] = s03
        C[c1 + j] = s10; C[c1 + j + 1] = s11; C[c1 + j + 2] = s12; C[c1 + j + 3] = s13
      }
    }
    for (; j < N; j++) {
      const q0 = bOff + j * K
      let s0 = 0, s1 = 0
      for (let k = 0; k < K; k++) {
        const y = B[q0 + k]
        s0 += A[r0 + k] * y
        s1 += A[r1 + k] * y
      }
      if (accumulate) {
        C[c0 + j] += s0
        C[c1 + j] += s1
      } else {
        C[c0 + j] = s0
        C[c1 + j] = s1
      }
    }
  }
  for (; i < M; i++) {
    const r0 = aOff + i * K
    const c0 = cOff + i * N
    for (let j = 0; j < N; j++) {
      const q0 = bOff + j * K
      let s = 0
      for (let k = 0; k < K; k++) s += A[r0 + k] * B[q0 + k]
      if (accumulate) C[c0 + j] += s
      else C[c0 + j] = s
    }
  }
}
