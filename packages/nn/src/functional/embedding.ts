import { indexSelect, reshape, tensor, type Tensor } from '@ad/reverse'
import { expectTensor, invalid } from '../errors.js'

/**
 * Rows of `weight` [num, dim] picked by integer `indices` (any shape) → [...indices.shape, dim],
 * as PyTorch's `F.embedding`: the registry's `indexSelect` along dim 0 of the flattened
 * indices (its gradient adds the cotangent rows of each index into the weight's).
 */
export function embedding(indices: Tensor, weight: Tensor): Tensor {
  const num = weight.shape[0]
  const flat = expectTensor('embedding', indices).contiguousData()
  for (let i = 0; i < flat.length; i++) {
    const k = flat[i]
    if (!Number.isInteger(k) || k < 0 || k >= num) throw invalid(`embedding: index ${k} is out of range for ${num} embeddings (integers 0 to ${num - 1}).`)
  }
  const rows = indexSelect(weight, tensor(flat, { shape: [flat.length] }), { dim: 0 })
  return reshape(rows, { shape: [...indices.shape, weight.shape[1]] })
}
