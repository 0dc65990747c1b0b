import { real } from '../domain.js'
import { drawBroadcastable, drawShape } from '../domain.js'
import { binaryKernel, unaryKernel } from '../kernels/elementwise.js'
import { defineOp, type NoAttrs, type OpFunction } from '../op.js'
import { broadcastShapes } from '../shape.js'

// Not differentiable: they return 0/1 masks. With no JVP or VJP declared, engines pass no
// tangent or gradient through them (their output is a constant).

function defineComparison(name: string, f: (a: number, b: number) => number, tex: string): OpFunction<NoAttrs, 2, []> {
  const kernel = binaryKernel(name, f)
  return defineOp({
    name,
    arity: 2,
    scalar: f,
    tex,
    shape: ([a, b]) => broadcastShapes(name, a, b),
    primal: ([a, b], _attrs, shape) => kernel(a, b, shape),
    domain: (draw) => {
      const shape = drawShape(draw)
      return { args: [{ shape, values: real }, { shape: drawBroadcastable(draw, shape), values: real }], attrs: {} }
    },
  })
}

// +(a > b) is 1 or 0 like (a > b ? 1 : 0), without a branch: on data of random sign (a ReLU
// mask) the branch mispredicts half the time, and the loop runs 4x slower (Node 20).
export const gt = defineComparison('gt', (a, b) => +(a > b), '\\frac{\\partial}{\\partial a}[a > b] = 0 \\text{ (not differentiable: a constant mask)}')
export const ge = defineComparison('ge', (a, b) => +(a >= b), '\\frac{\\partial}{\\partial a}[a \\ge b] = 0 \\text{ (not differentiable: a constant mask)}')
export const lt = defineComparison('lt', (a, b) => +(a < b), '\\frac{\\partial}{\\partial a}[a < b] = 0 \\text{ (not differentiable: a constant mask)}')
export const le = defineComparison('le', (a, b) => +(a <= b), '\\frac{\\partial}{\\partial a}[a \\le b] = 0 \\text{ (not differentiable: a constant mask)}')
export const eq = defineComparison('eq', (a, b) => +(a === b), '\\frac{\\partial}{\\partial a}[a = b] = 0 \\text{ (not differentiable: a constant mask)}')
export const ne = defineComparison('ne', (a, b) => +(a !== b), '\\frac{\\partial}{\\partial a}[a \\ne b] = 0 \\text{ (not differentiable: a constant mask)}')

const signOf = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : x) // keeps ±0 and NaN, as Math.sign

const signKernel = unaryKernel('sign', signOf)

export const sign = defineOp({
  name: 'sign',
  tex: '\\frac{d}{dx}\\operatorname{sign} x = 0 \\text{ (not differentiable: passes no gradient)}',
  arity: 1,
  scalar: signOf,
  shape: ([s]) => s,
  primal: ([x]) => signKernel(x),
  domain: (draw) => ({ args: [{ shape: drawShape(draw), values: real }], attrs: {} }),
})
