import { tensor as coreTensor, Tensor as CoreTensor, type NestedArray } from '@ad/core'
import { aliasOp } from '../engine/engineOps.js'
import { Node } from '../engine/node.js'
import { Tensor } from './tensor.js'
import { wrap } from './wrap.js'

const NO_ATTRS = Object.freeze({})
const NEEDS_ONE: readonly boolean[] = Object.freeze([true])

/**
 * A fresh variable to differentiate with respect to, for one argument leaf of a transform.
 * Plain values become new leaves that require grad (sharing storage where they can); a
 * tensor that already requires grad (an outer transform's variable, or a user's leaf)
 * becomes an alias of it, so the outer graph still sees through the inner computation.
 */
export function variableFor(value: unknown): Tensor {
  if (value instanceof Tensor && value.requiresGrad) {
    const out = wrap(value)
    out.gradFn = new Node(aliasOp, NO_ATTRS, [value], out, NEEDS_ONE)
    return out
  }
  const leaf = value instanceof CoreTensor ? wrap(value) : wrap(coreTensor(value as NestedArray))
  return leaf.requiresGrad_(true)
}
