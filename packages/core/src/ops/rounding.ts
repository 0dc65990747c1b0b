import { values } from '../domain.js'
import { defineUnary } from './elementwise.js'

// Step functions. Their derivative is 0 wherever it exists, and PyTorch passes 0 at the
// jumps as well (no delta), so the partial is the constant 0 everywhere. Sampling keeps
// away from the jumps, where finite differences see the step.

const INTEGERS = [-2, -1, 0, 1, 2]
const HALVES = [-1.5, -0.5, 0.5, 1.5]
const zero = (): number => 0

export const floor = defineUnary({
  name: 'floor', f: Math.floor, d: zero, values: values(-2, 2, { avoid: INTEGERS }),
  edges: [{ note: 'gradient 0 everywhere, the jumps included, as PyTorch', args: [[1, 1.5]], torch: [[0, 0]] }],
  tex: '\\frac{d}{dx}\\lfloor x \\rfloor = 0',
})

export const ceil = defineUnary({
  name: 'ceil', f: Math.ceil, d: zero, values: values(-2, 2, { avoid: INTEGERS }),
  edges: [{ note: 'gradient 0 everywhere, the jumps included, as PyTorch', args: [[1, 1.5]], torch: [[0, 0]] }],
  tex: '\\frac{d}{dx}\\lceil x \\rceil = 0',
})

export const trunc = defineUnary({
  name: 'trunc', f: Math.trunc, d: zero, values: values(-2, 2, { avoid: INTEGERS }),
  edges: [{ note: 'gradient 0 everywhere, the jumps included, as PyTorch', args: [[-1, 0.5]], torch: [[0, 0]] }],
  tex: '\\frac{d}{dx}\\operatorname{trunc} x = 0',
})

/**
 * Nearest integer, halves to even as PyTorch (round(2.5) = 2, round(−0.5) = −0). Math.round
 * takes halves up, so a half that landed on an odd integer steps back down by one.
 */
function roundHalfEven(x: number): number {
  const r = Math.round(x)
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r
}

export const round = defineUnary({
  name: 'round', f: roundHalfEven, d: zero, values: values(-2, 2, { avoid: HALVES }),
  edges: [{ note: 'halves to even (round(2.5) = 2); gradient 0 everywhere, as PyTorch', args: [[2.5, -0.5]], torch: [[0, 0]] }],
  tex: '\\frac{d}{dx}\\operatorname{round} x = 0',
})
