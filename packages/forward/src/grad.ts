import { expectFunction, optionsOf, shapeOf, type Value, type Argnums } from '@ad/core'
import { resolveArgnums } from '@ad/core/internal'
import { chunkTangents, jacobianBlock } from './jacobian.js'
import { sweep, type SweepOptions } from './sweep.js'
import { mapLeaves } from './tree.js'
import { fmt, invalid, sizeOfValue } from './values.js'

export interface GradOptions extends SweepOptions {
  /** Which arguments to differentiate: an index (default 0) or an array of them (an array of gradients). */
  argnums?: Argnums
}

/**
 * Forward-mode `grad` of a scalar-valued f, by chunked sweeps: k unit directions per call
 * of f (see `defaultChunkSize`). Each argument may be a tensor, a number, or an array or
 * plain object of them; its gradient has the same structure and dtype (a number's is a number).
 */
export function grad(f: (...args: any[]) => unknown, options: GradOptions = {}): (...args: any[]) => any {
  expectFunction('grad', f)
  options = optionsOf<GradOptions>('grad', options)
  return (...args) => gradient('grad', f, options, args)[1]
}

/** `[f(...args), grad(f)(...args)]` from the same sweeps. */
export function valueAndGrad(f: (...args: any[]) => unknown, options: GradOptions = {}): (...args: any[]) => [Value, any] {
  expectFunction('valueAndGrad', f)
  options = optionsOf<GradOptions>('valueAndGrad', options)
  return (...args) => gradient('valueAndGrad', f, options, args)
}

function gradient(who: string, f: (...args: any[]) => unknown, options: GradOptions, args: unknown[]): [Value, any] {
  const argnums = resolveArgnums(who, options.argnums ?? 0, args.length)
  const result = sweep(who, f, args, argnums, options, (value) => {
    if (sizeOfValue(value) !== 1) {
      throw invalid(
        `${who}: f must return a scalar (one element), got shape ${fmt(shapeOf(value))}; ` +
          'reduce it first (sum, mean) or use jacfwd for the full Jacobian.',
      )
    }
  })
  const tangents = chunkTangents(result, [])
  const grads = argnums.map((a, j) =>
    mapLeaves(args[a], (_leaf, i) => {
      const leaf = result.leaves[j][i]
      return jacobianBlock(result, tangents, leaf, [], leaf.dtype, typeof leaf.value === 'number')
    }),
  )
  return [result.value, typeof options.argnums === 'object' ? grads : grads[0]]
}
