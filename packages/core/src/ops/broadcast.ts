import type { Value } from '../dispatch.js'
import { shapeOf } from '../op.js'
import { sameShape, type Shape } from '../shape.js'
import { sum } from './reduce.js'
import { expand, reshape } from './shape.js'

/**
 * Sums a broadcast cotangent back to an input's shape: over the leading dims broadcasting
 * added and over dims where the input had size 1. The transpose of `expandTo`.
 */
export function sumTo(g: Value, shape: Shape): Value {
  const from = shapeOf(g)
  if (sameShape(from, shape)) return g
  const lead = from.length - shape.length
  const dims: number[] = []
  for (let i = 0; i < from.length; i++) {
    if (i < lead || (shape[i - lead] === 1 && from[i] !== 1)) dims.push(i)
  }
  const summed = dims.length ? sum(g, { dims, keepdim: true }) : g
  return sameShape(shapeOf(summed), shape) ? summed : reshape(summed, { shape: [...shape] })
}

/** Broadcasts a value to `shape` (a view where the engine allows). */
export function expandTo(v: Value, shape: Shape): Value {
  return sameShape(shapeOf(v), shape) ? v : expand(v, { shape: [...shape] })
}
