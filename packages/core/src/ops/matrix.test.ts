import { describe, expect, it } from 'vitest'
import { Tensor, cholesky, cofactor, det, einsum, inv, logdet, matmul, mulberry32, solve, tensor } from '../index.js'
import { codeOf, list } from '../testing/helpers.js'

// The matrix functions and einsum against definitions written independently of their kernels
// (products, cofactor expansion, index loops), batched and in float32, and their errors.

function random(seed: number, shape: number[], dtype: 'float64' | 'float32' = 'float64'): Tensor {
  const rng = mulberry32(seed)
  const n = shape.reduce((p, d) => p * d, 1)
  const data = Float64Array.from({ length: n }, () => 2 * rng() - 1)
  // a dominant diagonal in every matrix: invertible and, symmetrized, positive-definite
  const k = shape[shape.length - 1]
  if (shape.length >= 2 && shape[shape.length - 2] === k) {
    for (let m = 0; m < n; m += k * k) for (let i = 0; i < k; i++) data[m + i * (k + 1)] += k + 1
  }
  return Tensor.fromArray(dtype === 'float32' ? Float32Array.from(data) : data, shape)
}

const vals = (v: unknown): number[] => Array.from((v as Tensor).contiguousData())

function expectClose(got: unknown, want: readonly number[], tol = 1e-10): void {
  const g = vals(got)
  expect(g.length).toBe(want.length)
  let worst = 0
  for (let i = 0; i < g.length; i++) worst = Math.max(worst, Math.abs(g[i] - want[i]) / Math.max(1, Math.abs(want[i])))
  expect(worst).toBeLessThan(tol)
}

/** det by cofactor expansion along the first row. */
function naiveDet(m: number[][]): number {
  if (m.length === 1) return m[0][0]
  return m[0].reduce((s, v, j) => s + (j % 2 ? -1 : 1) * v * naiveDet(m.slice(1).map((r) => r.filter((_, c) => c !== j))), 0)
}

const eye = (n: number): number[] => Array.from({ length: n * n }, (_, i) => (i % (n + 1) === 0 ? 1 : 0))

describe('det, logdet, inv, solve, cholesky', () => {
  it('det and logdet match the cofactor expansion, batched', () => {
    const a = random(1, [2, 3, 4, 4])
    const rows = list(a) as number[][][][]
    const want = rows.flat().map(naiveDet)
    expectClose(det(a), want)
    expectClose(logdet(a), want.map(Math.log))
    expect(Number.isNaN(logdet(tensor([[0, 1], [1, 0]])).item())).toBe(true)
    expect(logdet(tensor([[1, 2], [2, 4]])).item()).toBe(-Infinity)
    expect(det(tensor([[1, 2], [2, 4]])).item()).toBe(0)
  })

  it('inv(A)·A = I and A·solve(A, B) = B, with batch dims broadcast', () => {
    for (const n of [1, 3, 7, 20]) {
      const a = random(n, [2, n, n])
      expectClose(matmul(inv(a), a), [...eye(n), ...eye(n)])
      const b = random(n + 1, [n, 2])
      expectClose(matmul(a, solve(a, b)), [...vals(b), ...vals(b)])
    }
    expect((solve(random(3, [2, 1, 3, 3]), random(4, [4, 3, 1])) as Tensor).shape).toEqual([2, 4, 3, 1])
  })

  it('cholesky: L lower triangular with L·Lᵀ = A, reading only the lower triangle', () => {
    const x = random(5, [2, 4, 4])
    const a = matmul(x, x.transpose(-1, -2))
    const l = cholesky(a) as Tensor
    expectClose(matmul(l, l.transpose(-1, -2)), vals(a))
    for (const [b, i, j] of [[0, 0, 1], [1, 2, 3]]) expect((list(l) as number[][][])[b][i][j]).toBe(0)
    const lowerOnly = Tensor.fromArray(Float64Array.from(vals(a).map((v, k) => (k % 4 > Math.floor(k / 4) % 4 ? 99 : v))), [2, 4, 4])
    expectClose(cholesky(lowerOnly), vals(l))
  })

  it('float32 in, float32 out, accurate to float32 (the factorization runs in double)', () => {
    const a = random(6, [5, 5], 'float32')
    const y = inv(a) as Tensor
    expect(y.dtype).toBe('float32')
    expectClose(matmul(y, a), eye(5), 1e-5)
  })

  it('the cofactor matrix is exact at singular matrices', () => {
    // rank 2, and its LU meets an exactly zero pivot; the cofactors by hand
    expect(vals(cofactor(tensor([[1, 2, 3], [2, 4, 6], [1, 0, 1]]))).map((v) => v + 0)).toEqual([4, 4, -4, -2, -2, 2, 0, 0, 0]) // + 0: −0 is 0
    expect(list(cofactor(tensor([[1, 2], [2, 4]])))).toEqual([[4, -2], [-2, 1]])
    expect(list(cofactor(tensor([[0]])))).toEqual([[1]])
  })

  it('SINGULAR_MATRIX for inv and solve at a zero pivot, and for cholesky of a matrix that is not positive-definite', () => {
    expect(codeOf(() => inv(tensor([[1, 2], [2, 4]])))).toBe('SINGULAR_MATRIX')
    expect(codeOf(() => solve(tensor([[0, 0], [0, 1]]), tensor([[1], [1]])))).toBe('SINGULAR_MATRIX')
    expect(codeOf(() => cholesky(tensor([[1, 2], [2, 1]])))).toBe('SINGULAR_MATRIX')
    expect(codeOf(() => inv(tensor([[1, 2, 3]])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => solve(tensor([[1, 0], [0, 1]]), tensor([[1, 2, 3]])))).toBe('SHAPE_MISMATCH')
  })
})

describe('einsum', () => {
  it('takes the equation first, and matches index loops', () => {
    const a = random(7, [2, 3, 4])
    const b = random(8, [2, 4, 5])
    const A = list(a) as number[][][]
    const B = list(b) as number[][][]
    const want: number[] = []
    for (let z = 0; z < 2; z++) for (let i = 0; i < 3; i++) for (let k = 0; k < 5; k++) {
      let s = 0
      for (let j = 0; j < 4; j++) s += A[z][i][j] * B[z][j][k]
      want.push(s)
    }
    expectClose(einsum('bij,bjk->bik', a, b), want)
    expectClose(einsum(a, b, { equation: 'bij,bjk->bik' }), want)
    // a lone label summed, a transpose of the output, a diagonal, three operands
    expectClose(einsum('bij,bjk->kb', a, b), vals(matmul(a, b).sum([1]).transpose(0, 1)))
    expectClose(einsum('ii->i', tensor([[1, 2], [3, 4]])), [1, 4])
    const m = random(9, [3, 3])
    expectClose(einsum('ij,jk,kl->il', m, m, m), vals(matmul(matmul(m, m), m)))
    expectClose(einsum('i,i->', tensor([1, 2, 3]), tensor([4, 5, 6])), [32])
  })

  it('rejects what it does not support, naming the equation and shapes', () => {
    const a = random(1, [2, 3])
    expect(codeOf(() => einsum('ij,jk', a, a))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => einsum('...j->j', a))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => einsum('ij->k', a))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => einsum('ij,jk->ik', a))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => einsum('ij,jk->ik', a, a))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => einsum('ijk->i', a))).toBe('SHAPE_MISMATCH')
  })
})
