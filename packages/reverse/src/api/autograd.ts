import { AdError, Tensor as CoreTensor, zeros, type Value } from '@ad/core'
import { optionsOf } from '@ad/core'
import { seedFor } from '../engine/backward.js'
import { runPass } from '../engine/engine.js'
import { gradTensor } from '../engine/grads.js'
import { edgeOf } from '../engine/node.js'
import { Tensor } from './tensor.js'
import { wrap } from './wrap.js'

export interface GradOptions {
  /** Cotangents for the outputs, one per output (null/undefined: 1 for a one-element output). */
  gradOutputs?: unknown
  /** Keep the saved tensors for another backward (default: `createGraph`). */
  retainGraph?: boolean
  /** Record the backward pass, so the gradients can be differentiated again. */
  createGraph?: boolean
  /** Return null for an input the outputs do not depend on, instead of throwing. */
  allowUnused?: boolean
}

/**
 * `autograd.grad(outputs, inputs, options)`, as PyTorch's `torch.autograd.grad`: the
 * gradients of the outputs (weighted by `gradOutputs`) with respect to each input, one per
 * input, in an array. Nothing is added to any `.grad`.
 */
function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], given?: GradOptions): (Tensor | null)[] {
  const options = optionsOf<GradOptions>('autograd.grad', given)
  const outs = Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor]
  const ins = Array.isArray(inputs) ? (inputs as readonly Tensor[]) : [inputs as Tensor]
  const cotangents = cotangentList(options.gradOutputs, outs.length)
  if (cotangents.length > outs.length) {
    throw new AdError('INVALID_ARGUMENT', `autograd.grad: ${cotangents.length} gradOutputs for ${outs.length} output(s).`)
  }
  outs.forEach((o, j) => requireGrad(o, `output ${j}`))
  ins.forEach((x, j) => requireGrad(x, `input ${j}`))
  const result = runPass({
    roots: outs.map(edgeOf),
    seeds: outs.map((o, j) => seedFor(o, cotangents[j], `autograd.grad (output ${j})`)),
    targets: ins.map(edgeOf),
    createGraph: options.createGraph ?? false,
    retainGraph: options.retainGraph,
  })
  return ins.map((x, j) => {
    if (!result.reached[j]) {
      if (options.allowUnused) return null
      throw new AdError(
        'INVALID_ARGUMENT',
        `autograd.grad: input ${j} (shape [${x.shape.join(',')}]) was not used to compute the outputs; ` +
          'pass { allowUnused: true } to get null for it.',
      )
    }
    return gradOrZeros(result.grads[j], x)
  })
}

/** One cotangent per output: a list when there are several outputs or it holds tensors, else the one cotangent. */
function cotangentList(given: unknown, outputs: number): readonly unknown[] {
  if (given === undefined || given === null) return []
  const isList = Array.isArray(given) && (outputs > 1 || given.some((c) => c === null || c instanceof CoreTensor))
  return isList ? (given as unknown[]) : [given]
}

/** A gradient as a reverse tensor shaped like `x`; an exact zero (null) becomes zeros. */
export function gradOrZeros(g: Value | null, x: Tensor): Tensor {
  return g === null ? wrap(zeros(x.shape, { dtype: x.dtype })) : gradTensor(g, x)
}

function requireGrad(t: unknown, what: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) {
    throw new AdError('INVALID_ARGUMENT', `autograd.grad: ${what} is not a reverse tensor.`)
  }
  if (!t.requiresGrad) {
    throw new AdError(
      'NO_GRAD',
      `autograd.grad: ${what} does not require grad; create it with { requiresGrad: true } ` +
        '(or compute it from such a tensor, outside noGrad).',
    )
  }
}

export const autograd = { grad }
