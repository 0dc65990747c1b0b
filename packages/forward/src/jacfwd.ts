import { expectFunction, optionsOf, shapeOf, type Argnums } from '@ad/core'
import { resolveArgnums } from '@ad/core/internal'
import { chunkTangents, jacobianBlock } from './jacobian.js'
import { sweep, type SweepOptions } from './sweep.js'
import { mapLeaves } from './tree.js'
import { commonDtype } from './values.js'

export interface JacfwdOptions extends SweepOptions {
  /** Which arguments to differentiate: an index (default 0) or an array of them (an array of Jacobians). */
  argnums?: Argnums
}

/**
 * `jacfwd(f)(x)`: the Jacobian of f at x, shape [...out, ...in], by chunked forward sweeps
 * (one call of f per chunk of input directions). A tree argument gives a tree of blocks; a
 * function returning a tree (array or plain object) of tensors gives that tree with each
 * output replaced by its Jacobian(s), as JAX.
 */
export function jacfwd(f: (...args: any[]) => unknown, options: JacfwdOptions = {}): (...args: any[]) => any {
  expectFunction('jacfwd', f)
  options = optionsOf<JacfwdOptions>('jacfwd', options)
  return (...args) => {
    const argnums = resolveArgnums('jacfwd', options.argnums ?? 0, args.length)
    const swept = sweep('jacfwd', f, args, argnums, options, undefined, true)
    const perOutput = swept.outputs.map((result) => {
      const outShape = shapeOf(result.value)
      const tangents = chunkTangents(result, outShape)
      const jacobians = argnums.map((a, j) =>
        mapLeaves(args[a], (_leaf, i) => {
          const leaf = result.leaves[j][i]
          const asNumber = typeof leaf.value === 'number' && typeof result.value === 'number'
          return jacobianBlock(result, tangents, leaf, outShape, commonDtype(leaf.dtype, result.value), asNumber)
        }),
      )
      return typeof options.argnums === 'object' ? jacobians : jacobians[0]
    })
    return swept.tree === undefined ? perOutput[0] : mapLeaves(swept.tree, (_o, i) => perOutput[i])
  }
}
