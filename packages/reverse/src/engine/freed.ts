import { AdError, Tensor as CoreTensor, type DType } from '@ad/core'
import { graphFreed, type Node } from './node.js'
import { valuelessTensor, type Tensor } from '../api/tensor.js'

/**
 * What a node keeps of its saved tensors once a backward pass without `retainGraph` freed
 * them: their shape and dtype, never their values. A rule that reads only shapes (the VJP of
 * `add`, `sum`, `reshape`...) runs again on these, so backward twice through nodes that
 * needed no values works and accumulates, as in PyTorch, whose nodes save only what their
 * formula reads. A rule that reads a value (`mul` reads the other factor) touches the
 * storage of one, which throws `GRAPH_FREED`: only where a freed tensor is actually needed.
 */
export function freeSaved(node: Node): void {
  node.free(freedValue)
}

/** Runs a freed node's rule; a read of a freed value becomes GRAPH_FREED naming the node. */
export function runFreed<T>(node: Node, rule: () => T): T {
  try {
    return rule()
  } catch (e) {
    if (e === FREED_READ) throw graphFreed(node)
    throw e
  }
}

/** Thrown when a freed value is read (runFreed turns it into an error naming the node). */
const FREED_READ = new AdError('GRAPH_FREED', 'a tensor saved for backward was read after a backward pass freed it.')

/** What a freed node keeps of a saved value: numbers as they are, tensors as valueless stand-ins. */
export function freedValue(saved: unknown): unknown {
  if (!(saved instanceof CoreTensor)) return saved // numbers are attributes of the node, kept as PyTorch keeps scalars
  if (saved.shape.length === 0) return freedScalar(saved.dtype)
  return valuelessTensor(saved.shape, saved.dtype, FREED_READ)
}

/** 0-dim stand-ins are shared: freeing a node of scalar code allocates nothing. */
let scalars: Record<DType, Tensor> | null = null

/** The stand-in of a 0-dim tensor of a dtype. */
function freedScalar(dtype: DType): Tensor {
  scalars ??= { float64: valuelessTensor([], 'float64', FREED_READ), float32: valuelessTensor([], 'float32', FREED_READ) }
  return scalars[dtype]
}
