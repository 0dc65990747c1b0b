import { cat, reshape, slice, transpose, where, zeros, type DType, type MaybeZero, type Tensor, type Value } from '@ad/core'
import { isTraced } from '@ad/core/internal'
import type { Leaf } from './sweep.js'
import { dtypeOfValue } from './values.js'

/**
 * One computed block of the Hessian: entry (r, c) is d²f / dx[row + r] dx[col + c] over the
 * flattened differentiated inputs. Only blocks with col ≤ row are computed; the others are
 * their transposes. `data` has shape [rows, cols]; null is an exact zero.
 */
export interface Block {
  readonly row: number
  readonly rows: number
  readonly col: number
  readonly cols: number
  readonly data: MaybeZero
}

/**
 * Assembles the blocks into the n × n Hessian and returns a reader of the block of two
 * leaves, shape [...a.shape, ...b.shape]. Plain blocks are copied straight into one
 * buffer; blocks traced by an enclosing transform (a `hessian` nested in `derivative` or
 * `jacfwd`) are assembled with core ops, so that transform keeps differentiating through them.
 */
export function hessianBlocks(blocks: readonly Block[], n: number, value: Value): (a: Leaf, b: Leaf) => Value {
  if (blocks.some((b) => isTraced(b.data))) {
    const matrix = tracedMatrix(blocks)
    return (a, b) => {
      if (a.size === 0 || b.size === 0) return zeros([...a.shape, ...b.shape], { dtype: dtypeOf(a, b, value) })
      const rows = slice(matrix, { dim: 0, start: a.offset, end: a.offset + a.size })
      const block = slice(rows, { dim: 1, start: b.offset, end: b.offset + b.size })
      return reshape(block, { shape: [...a.shape, ...b.shape] })
    }
  }
  const matrix = plainMatrix(blocks, n)
  return (a, b) => {
    const out = zeros([...a.shape, ...b.shape], { dtype: dtypeOf(a, b, value) })
    const buf = out.storage.data
    for (let r = 0; r < a.size; r++) {
      const from = (a.offset + r) * n + b.offset
      for (let c = 0; c < b.size; c++) buf[r * b.size + c] = matrix[from + c]
    }
    const asNumber = typeof a.value === 'number' && typeof b.value === 'number' && typeof value === 'number'
    return asNumber ? buf[0] : out
  }
}

/** float32 only when both leaves and the output are (numbers being weak), as for `jacfwd`. */
function dtypeOf(a: Leaf, b: Leaf, value: Value): DType {
  const out = typeof value === 'number' ? a.dtype : dtypeOfValue(value)
  return a.dtype === 'float32' && b.dtype === 'float32' && out === 'float32' ? 'float32' : 'float64'
}

function plainMatrix(blocks: readonly Block[], n: number): Float64Array {
  const m = new Float64Array(n * n)
  for (const { row, rows, col, cols, data } of blocks) {
    if (data === null) continue
    const d = (data as Tensor).contiguousData()
    // Entry (i, j) with j ≤ i is kept and mirrored to (j, i), also inside diagonal blocks
    // (whose upper half, computed too, differs by rounding): the result is exactly symmetric.
    for (let r = 0; r < rows; r++) {
      const i = row + r
      for (let c = 0; c < cols && col + c <= i; c++) {
        const j = col + c
        m[i * n + j] = d[r * cols + c]
        m[j * n + i] = d[r * cols + c]
      }
    }
  }
  return m
}

/** The same matrix as a value built with core ops: rows of blocks, each a cat of its columns. */
function tracedMatrix(blocks: readonly Block[]): Value {
  const starts = [...new Set(blocks.map((b) => b.row))].sort((x, y) => x - y)
  const at = new Map(blocks.map((b) => [`${b.row},${b.col}`, b]))
  const dtype: DType = blocks.some((b) => b.data !== null && dtypeOfValue(b.data) === 'float64') ? 'float64' : 'float32'
  const blockAt = (row: number, col: number): Value => {
    const below = at.get(`${row},${col}`)
    if (below !== undefined && row === col && below.data !== null) return symmetricFromLower(below.data, below.rows)
    if (below !== undefined) return below.data ?? zeros([below.rows, below.cols], { dtype })
    const above = at.get(`${col},${row}`)! // the transposed block, computed with outer and inner swapped
    return above.data === null ? zeros([above.cols, above.rows], { dtype }) : transpose(above.data, { dim0: 0, dim1: 1 })
  }
  const rowsOfBlocks = starts.map((row) => cat(starts.map((col) => blockAt(row, col)), { dim: 1 }))
  return cat(rowsOfBlocks, { dim: 0 })
}

/** A diagonal block's lower triangle mirrored onto its upper one, as `plainMatrix` does. */
function symmetricFromLower(block: Value, k: number): Value {
  const lower = zeros([k, k], { dtype: dtypeOfValue(block) })
  for (let r = 0; r < k; r++) for (let c = 0; c <= r; c++) lower.storage.data[r * k + c] = 1
  return where(lower, block, transpose(block, { dim0: 0, dim1: 1 }))
}
