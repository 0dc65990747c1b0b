import { attr } from '../attrs.js'
import { drawDims, drawShape, real } from '../domain.js'
import { sumDims } from '../kernels/reduce.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { normalizeDims, reducedShape } from '../shape.js'
import type { Value } from '../dispatch.js'
import { expandTo } from './broadcast.js'
import { reshape } from './shape.js'

const reduceAttrs = { dims: attr.ints().optional(), keepdim: attr.bool().default(false) }

/**
 * A reduced value brought back to the input's shape: un-drop the reduced dims, then expand.
 * The VJP of every reduction starts here.
 */
export function unreduce(g: Value, inputShape: readonly number[], dims: readonly number[] | undefined, keepdim: boolean): Value {
  const all = normalizeDims('unreduce', dims, inputShape.length)
  const kept = reducedShape(inputShape, all, true)
  const shaped = keepdim ? g : reshape(g, { shape: kept })
  return expandTo(shaped, inputShape)
}

export const sum = defineOp({
  name: 'sum',
  arity: 1,
  attrs: reduceAttrs,
  positional: ['dims', 'keepdim'],
  shape: ([s], { dims, keepdim }) => reducedShape(s, normalizeDims('sum', dims, s.length), keepdim),
  primal: ([x], { dims }, shape) => sumDims(x, normalizeDims('sum', dims, x.rank), shape),
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : sum(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => [unreduce(g, shapeOf(x), attrs.dims, attrs.keepdim)],
  domain: (draw) => {
    const shape = drawShape(draw, 0, 4)
    const attrs = draw.bool() ? {} : { dims: drawDims(draw, shape.length), keepdim: draw.bool() }
    return { args: [{ shape, values: real }], attrs }
  },
})
