import { AdError, tensor as coreTensor, Tensor as CoreTensor, type NestedArray, type Op } from '@ad/core'
import { Node } from './node.js'
import { Tensor } from './tensor.js'
import { wrap } from './wrap.js'

const NO_ATTRS = Object.freeze({})
const NEEDS_ONE: readonly boolean[] = Object.freeze([true])

/**
 * The engine's own identity node (not a registry op, like AccumulateGrad): a transform
 * differentiates with respect to a new variable that equals an argument which is itself
 * part of an outer graph. Gradients pass through unchanged.
 */
const aliasOp = {
  name: 'alias',
  arity: 1,
  differentiable: true,
  shape: ([s]: readonly (readonly number[])[]) => s,
  primal: ([x]: readonly CoreTensor[]) => x,
  jvp: (_ctx: unknown, [t]: readonly unknown[]) => t,
  vjp: (_ctx: unknown, g: unknown) => [g],
  domain: () => {
    throw new AdError('INVALID_ARGUMENT', 'alias is internal to the reverse engine and has no domain.')
  },
  parseAttrs: () => NO_ATTRS,
} as unknown as Op

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
