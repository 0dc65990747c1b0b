import { AdError, shapeOf, Tensor, type Value } from '@ad/core'
import { expectFunction, optionsOf } from '@ad/core'
import { grad, type GradOptions } from './grad.js'
import { ForwardTrace } from './trace.js'
import { leavesOf, mapLeaves } from './tree.js'
import { fmt, invalid, toValue, zerosLike } from './values.js'

/**
 * `hessianVectorProduct(f)(x, v)`: H(x) v for scalar-valued f of one argument, without
 * forming H: the directional derivative along v of the forward gradient, a `jvp` over
 * `grad` (each at its own level). x may be a tensor, a number, or an array or plain object
 * of them; v has x's structure and shapes, and so has the result.
 *
 * Cost: the forward gradient already takes n directions (n / chunkSize calls of f), and the
 * outer perturbation rides along each of them, so this is about twice a forward `grad`:
 * O(n) passes, against the n² of `hessian`. The reverse engine's HVP (forward or reverse
 * over reverse) needs only a constant number of passes; prefer it for large n.
 */
export function hessianVectorProduct(f: (x: any) => unknown, options: Omit<GradOptions, 'argnums'> = {}): (x: unknown, v: unknown) => any {
  expectFunction('hessianVectorProduct', f)
  options = optionsOf<GradOptions>('hessianVectorProduct', options)
  return (x, v) => {
    const trace = new ForwardTrace(false)
    const directions = leavesOf(v)
    const xs = leavesOf(x)
    if (directions.length !== xs.length) {
      throw invalid(`hessianVectorProduct: x has ${xs.length} leaves but v has ${directions.length}; give v the structure of x.`)
    }
    const lifted = mapLeaves(x, (leaf, i) => trace.lift(toValue(`hessianVectorProduct: x (leaf ${i})`, leaf), direction(i, leaf, directions[i])))
    let g: unknown
    try {
      g = grad(f, { chunkSize: options.chunkSize })(lifted)
    } finally {
      trace.finish()
    }
    return mapLeaves(g, (leaf, i) => {
      const t = trace.tangentOf(leaf as Value) ?? zerosLike(trace.primalOf(leaf as Value))
      // A number argument gets a number, as from `grad`; the gradient's dual held it as a 0-dim tensor.
      return typeof xs[i] === 'number' && t instanceof Tensor && t.shape.length === 0 ? t.item() : t
    })
  }
}

/** v's leaf as the tangent of x's leaf: the same shape, a plain tensor cast to x's dtype. */
function direction(i: number, leaf: unknown, v: unknown): Value {
  const primal = toValue(`hessianVectorProduct: x (leaf ${i})`, leaf)
  const t = toValue(`hessianVectorProduct: v (leaf ${i})`, v)
  const ps = shapeOf(primal)
  const ts = shapeOf(t)
  if (ps.length !== ts.length || ps.some((d, j) => d !== ts[j])) {
    throw new AdError(
      'SHAPE_MISMATCH',
      `hessianVectorProduct: v (leaf ${i}) has shape ${fmt(ts)} but x has shape ${fmt(ps)}; give v the shapes of x.`,
    )
  }
  return t instanceof Tensor && primal instanceof Tensor && t.dtype !== primal.dtype ? t.to(primal.dtype) : t
}
