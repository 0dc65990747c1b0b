import { arange, eq, matmul, reshape, tensor, unsqueeze, type Tensor } from '@ad/reverse'
import { expectTensor, invalid } from '../errors.js'

/**
 * Rows of `weight` [num, dim] picked by integer `indices` (any shape) → [...indices.shape, dim].
 * Written as a one-hot matrix product: each output row is one weight row times 1 plus the
 * others times 0, so the values are the rows exactly, and the weight's gradient (onehotᵀ·g)
 * sums the cotangent rows of each index, as PyTorch's embedding backward.
 */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  const num = weight.shape[0]
  const flat = expectTensor('embedding', indices).contiguousData()
  for (let i = 0; i < flat.length; i++) {
    const k = flat[i]
    if (!Number.isInteger(k) || k < 0 || k >= num) throw invalid(`embedding: index ${k} is out of range for ${num} embeddings (integers 0 to ${num - 1}).`)
  }
  const column = unsqueeze(tensor(flat, { dtype: weight.dtype }), { dim: 1 })
  const oneHot = eq(column, arange(num, { dtype: weight.dtype }))
  return reshape(matmul(oneHot, weight), { shape: [...indices.shape, weight.shape[1]] })
}
