import { real, values } from '../domain.js'
import { add, defineBinary, defineUnary, mul, neg } from './elementwise.js'

// The arithmetic every other family is written with. add, mul and neg are declared with the
// builders (their rules are written with them); the rest follows here.

export { add, mul, neg }

export const sub = defineBinary({ name: 'sub', tex: '\\frac{\\partial}{\\partial a}(a - b) = 1,\\quad \\frac{\\partial}{\\partial b}(a - b) = -1', f: (a, b) => a - b, da: () => 1, db: () => -1, values: [real, real] })

export const div = defineBinary({
  name: 'div',
  tex: '\\frac{\\partial}{\\partial a}\\frac{a}{b} = \\frac{1}{b},\\quad \\frac{\\partial}{\\partial b}\\frac{a}{b} = -\\frac{a}{b^2}',
  f: (a, b) => a / b,
  da: (_a, b) => reciprocal(b),
  db: (_a, b, y) => neg(div(y, b)),
  values: [real, values(-2, 2, { avoid: [0] })],
})

export const square = defineUnary({ name: 'square', tex: '\\frac{d}{dx}x^2 = 2x', f: (x) => x * x, d: (x) => mul(x, 2), values: real })

export const reciprocal = defineUnary({
  name: 'reciprocal', tex: '\\frac{d}{dx}\\frac{1}{x} = -\\frac{1}{x^2}', f: (x) => 1 / x, d: (_x, y) => neg(square(y)), values: values(-2, 2, { avoid: [0] }),
  edges: [{ note: "(1/x)'(0) = −(1/0)² = −inf, as PyTorch", args: [0], torch: [-Infinity] }],
})
