import { describe, expect, it } from 'vitest'
import { codeOf } from '../testing/helpers.js'
import { AdError, matmul, randn, manualSeed, tensor, transpose, type Tensor } from '../index.js'
import { getOp } from '../internal.js'


/** Textbook triple loop over nested arrays: the reference for the tiled kernel. */
function naive(a: number[][], b: number[][]): number[][] {
  return a.map((row) => b[0].map((_, j) => row.reduce((s, v, p) => s + v * b[p][j], 0)))
}
const nested = (t: Tensor) => t.tolist() as number[][]

describe('transpose', () => {
  it('swaps two dims as a view', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]])
    const t = transpose(x, { dim0: 0, dim1: -1 }) as Tensor
    expect(t.storage).toBe(x.storage)
    expect(t.tolist()).toEqual([[1, 4], [2, 5], [3, 6]])
    expect(x.transpose(1, 0).tolist()).toEqual([[1, 4], [2, 5], [3, 6]])
    expect(codeOf(() => transpose(x, { dim0: 0, dim1: 2 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('matmul', () => {
  it('handles the 1-D cases as PyTorch', () => {
    const v = tensor([1, 2, 3])
    const m = tensor([[1, 0], [0, 1], [1, 1]])
    const dot = matmul(v, tensor([4, 5, 6])) as Tensor
    expect(dot.shape).toEqual([])
    expect(dot.item()).toBe(32)
    expect((matmul(v, m) as Tensor).tolist()).toEqual([4, 5])
    expect((matmul(tensor([[1, 2, 3], [0, 1, 0]]), v) as Tensor).tolist()).toEqual([14, 2])
  })
  it('matches a naive loop on sizes that exercise the tiled kernel and its edges', () => {
    manualSeed(3)
    for (const [n, k, m] of [[5, 7, 6], [8, 3, 9], [4, 4, 4], [13, 1, 5], [2, 5, 9]]) {
      const a = randn([n, k])
      const b = randn([k, m])
      const got = nested(matmul(a, b) as Tensor)
      const want = naive(nested(a), nested(b))
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) expect(got[i][j]).toBeCloseTo(want[i][j], 12)
    }
  })
  it('reads transposed views without copying them first', () => {
    manualSeed(4)
    const a = randn([6, 5])
    const b = randn([7, 6])
    const got = nested(matmul(transpose(a, { dim0: 0, dim1: 1 }), transpose(b, { dim0: 0, dim1: 1 })) as Tensor)
    const at = nested(a)[0].map((_, j) => nested(a).map((r) => r[j]))
    const bt = nested(b)[0].map((_, j) => nested(b).map((r) => r[j]))
    const want = naive(at, bt)
    for (let i = 0; i < 5; i++) for (let j = 0; j < 7; j++) expect(got[i][j]).toBeCloseTo(want[i][j], 12)
  })
  it('broadcasts batch dims', () => {
    manualSeed(5)
    const a = randn([2, 1, 4, 5])
    const b = randn([3, 5, 6])
    const out = matmul(a, b) as Tensor
    expect(out.shape).toEqual([2, 3, 4, 6])
    const A = a.tolist() as number[][][][]
    const B = b.tolist() as number[][][]
    const O = out.tolist() as number[][][][]
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const want = naive(A[i][0], B[j])
        for (let r = 0; r < 4; r++) for (let c = 0; c < 6; c++) expect(O[i][j][r][c]).toBeCloseTo(want[r][c], 12)
      }
    }
    expect((matmul(tensor([1, 1, 1, 1, 1]), b) as Tensor).shape).toEqual([3, 6])
    expect((matmul(a, tensor([1, 1, 1, 1, 1])) as Tensor).shape).toEqual([2, 1, 4])
  })
  it('keeps float32 and accumulates exactly on small integers', () => {
    const a = tensor([[1, 2, 3, 4, 5]], { dtype: 'float32' })
    const out = matmul(a, tensor([[1], [1], [1], [1], [1]], { dtype: 'float32' })) as Tensor
    expect(out.dtype).toBe('float32')
    expect(out.tolist()).toEqual([[15]])
  })
  it('sums the batch broadcast out of the gradient and drops promoted dims', () => {
    const op = getOp('matmul')
    const a = tensor([1, 2])
    const b = tensor([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]) // [2, 2, 2]
    const out = op.primal([a, b], {}, op.shape([a.shape, b.shape], {}))
    expect(out.tolist()).toEqual([[1, 2], [2, 4]])
    const [ga, gb] = op.vjp!({ args: [a, b], out, attrs: {} }, tensor([[1, 1], [1, 1]]), [true, true]) as Tensor[]
    // d/da Σ (a·b_i) = Σ_i b_i·1 = row sums of b_0 + b_1
    expect(ga.tolist()).toEqual([3, 3])
    expect(gb.tolist()).toEqual([[[1, 1], [2, 2]], [[1, 1], [2, 2]]])
  })
  it('reports inner dims that differ as SHAPE_MISMATCH naming both shapes', () => {
    expect(codeOf(() => matmul(tensor([[1, 2]]), tensor([[1, 2]])))).toBe('SHAPE_MISMATCH')
    expect(() => matmul(tensor([[1, 2]]), tensor([[1, 2]]))).toThrow(/matmul.*\[1,2\].*\[1,2\]/)
    expect(codeOf(() => matmul(tensor([1, 2]), tensor([1, 2, 3])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => matmul(randn([2, 2, 3]), randn([3, 3, 2])))).toBe('SHAPE_MISMATCH')
    expect(codeOf(() => matmul(tensor(2), tensor([1])))).toBe('SHAPE_MISMATCH')
  })
})
