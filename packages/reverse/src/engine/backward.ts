import { AdError, full, sameShape, tensor, Tensor as CoreTensor, type NestedArray, type Value } from '@ad/core'
import { optionsOf } from '@ad/core'
import { runPass } from './engine.js'
import { edgeOf } from './node.js'
import type { Tensor } from '../api/tensor.js'
import { wrap } from '../api/wrap.js'

export interface BackwardOptions {
  /** Keep the saved tensors, so the graph can be walked again (default: `createGraph`). */
  retainGraph?: boolean
  /** Record the backward pass itself, so gradients can be differentiated again (default false). */
  createGraph?: boolean
}

/** `t.backward(cotangent, options)`. */
export function backward(t: Tensor, cotangent: unknown, given: BackwardOptions | undefined): void {
  const options = optionsOf<BackwardOptions>('backward', given)
  if (!t.requiresGrad) {
    throw new AdError(
      'NO_GRAD',
      'backward(): this tensor does not require grad and has no gradFn: it was not computed from a tensor with ' +
        'requiresGrad (or it was computed under noGrad, or detached). Create the inputs with { requiresGrad: true }.',
    )
  }
  const seed = seedFor(t, cotangent, 'backward()')
  runPass({
    roots: [edgeOf(t)],
    seeds: [seed],
    targets: null,
    createGraph: options.createGraph ?? false,
    retainGraph: options.retainGraph,
  })
}

/** The cotangent an output starts with: 1 for a one-element output, else the caller's (checked). */
export function seedFor(t: CoreTensor, cotangent: unknown, where: string): Value {
  if (cotangent === undefined || cotangent === null) {
    if (t.size !== 1) {
      throw new AdError(
        'NON_SCALAR_BACKWARD',
        `${where}: the output has shape [${t.shape.join(',')}] (${t.size} elements), so it needs a cotangent of that shape ` +
          '(e.g. y.backward(ones(y.shape))), or reduce it to one element first (y.sum().backward()).',
      )
    }
    return t.shape.length === 0 ? 1 : full(t.shape, 1, { dtype: t.dtype })
  }
  if (typeof cotangent === 'number' && t.shape.length === 0) return cotangent
  const c = cotangent instanceof CoreTensor ? cotangent : wrap(toPlain(cotangent, t))
  if (!sameShape(c.shape, t.shape)) {
    throw new AdError(
      'SHAPE_MISMATCH',
      `${where}: the cotangent has shape [${c.shape.join(',')}] but the output has shape [${t.shape.join(',')}]; they must match.`,
    )
  }
  return c
}

function toPlain(data: unknown, like: CoreTensor): CoreTensor {
  if (typeof data === 'number') return full(like.shape, data, { dtype: like.dtype })
  if (Array.isArray(data) || data instanceof Float64Array || data instanceof Float32Array) {
    return tensor(data as NestedArray, { dtype: like.dtype, shape: Array.isArray(data) ? undefined : like.shape })
  }
  throw new AdError('INVALID_ARGUMENT', `a cotangent must be a tensor, a number or nested arrays of numbers, got ${typeof data}.`)
}
