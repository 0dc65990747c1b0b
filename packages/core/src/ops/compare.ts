import { real } from '../domain.js'
import { drawBroadcastable, drawShape } from '../domain.js'
import { mapBinary, mapUnary } from '../kernels/elementwise.js'
import { defineOp, type OpFunction } from '../op.js'
import { broadcastShapes } from '../shape.js'

// Not differentiable: they return 0/1 masks. With no JVP or VJP declared, engines pass no
// tangent or gradient through them (their output is a constant).

function defineComparison(name: string, f: (a: number, b: number) => number): OpFunction {
  return defineOp({
    name,
    arity: 2,
    scalar: f,
    shape: ([a, b]) => broadcastShapes(name, a, b),
    primal: ([a, b], _attrs, shape) => mapBinary(a, b, shape, f),
    domain: (draw) => {
      const shape = drawShape(draw)
      return { args: [{ shape, values: real }, { shape: drawBroadcastable(draw, shape), values: real }], attrs: {} }
    },
  })
}

export const gt = defineComparison('gt', (a, b) => (a > b ? 1 : 0))
export const ge = defineComparison('ge', (a, b) => (a >= b ? 1 : 0))
export const lt = defineComparison('lt', (a, b) => (a < b ? 1 : 0))
export const le = defineComparison('le', (a, b) => (a <= b ? 1 : 0))
export const eq = defineComparison('eq', (a, b) => (a === b ? 1 : 0))
export const ne = defineComparison('ne', (a, b) => (a !== b ? 1 : 0))

const signOf = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : x) // keeps ±0 and NaN, as Math.sign

export const sign = defineOp({
  name: 'sign',
  arity: 1,
  scalar: signOf,
  shape: ([s]) => s,
  primal: ([x]) => mapUnary(x, signOf),
  domain: (draw) => ({ args: [{ shape: drawShape(draw), values: real }], attrs: {} }),
})
