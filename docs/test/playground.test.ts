// The playground's parser and computation, in Node (the browser test drives the page itself).
import { describe, expect, it } from 'vitest'
import { compute, functionNames } from '../playground/compute.js'
import { ParseError, parseExpression, parsePoint, variablesOf } from '../playground/parser.js'

const isFn = (name: string) => functionNames.has(name)

describe('parser', () => {
  it('follows the usual precedence: ^ over unary minus over * / over + -, ^ to the right', () => {
    const r = compute('-x^2 + 2*3^2^0.5 - 8/4/2', 'x = 3')
    expect(r.value).toBe(-9 + 2 * 3 ** (2 ** 0.5) - 1)
  })

  it('lists variables in the order they first appear', () => {
    expect(variablesOf(parseExpression('b*sin(a) + b + c', isFn))).toEqual(['b', 'a', 'c'])
  })

  it.each([
    ['sin(x*', 'expected a number, a variable, a function or \'(\', found the end of the expression', 6],
    ['foo(x)', "unknown function 'foo'", 0],
    ['x + * 2', "expected a number, a variable, a function or '(', found '*'", 4],
    ['(x + 1', "expected ')', found the end of the expression", 6],
    ['x 2', 'unexpected the number 2', 2],
    ['x $ 2', "unexpected character '$'", 2],
    ['sin + 1', "'sin' is a function: write sin(...)", 3],
  ])('%s: %s at %i', (text, reason, position) => {
    let error: unknown
    try {
      parseExpression(text, isFn)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(ParseError)
    expect((error as ParseError).reason).toBe(reason)
    expect((error as ParseError).position).toBe(position)
  })

  it('reads points, and says what is wrong with a bad one', () => {
    expect([...parsePoint('x = 0.5, y = -2, z=1e-3')]).toEqual([['x', 0.5], ['y', -2], ['z', 0.001]])
    expect(() => parsePoint('x = 1, x = 2')).toThrow("'x' is given twice at position 8")
    expect(() => parsePoint('x 1')).toThrow("expected '=' after x, found the number 1 at position 3")
    expect(() => compute('x + y', 'x = 1')).toThrow('in the point: no value for y')
  })
})

describe('compute', () => {
  it('gives the gradient of sin(xy) + x² from both engines and from differences', () => {
    const r = compute('sin(x*y) + x^2', 'x = 0.5, y = 2')
    const exact = [2 * Math.cos(1) + 1, 0.5 * Math.cos(1)]
    expect(r.variables).toEqual(['x', 'y'])
    expect(r.value).toBeCloseTo(Math.sin(1) + 0.25, 14)
    // Both engines apply the same rules in the same order as the closed form: equal to rounding.
    r.forward.forEach((g, i) => expect(g).toBeCloseTo(exact[i]!, 14))
    r.reverse.forEach((g, i) => expect(g).toBeCloseTo(exact[i]!, 14))
    // Richardson-extrapolated central differences: truncation O(h⁴), rounding ~1e-11 here.
    r.differences.forEach((g, i) => expect(Math.abs(g - exact[i]!)).toBeLessThan(1e-8))
  })

  it('records the tape in backward order with each node\'s gradient', () => {
    const r = compute('cos(1/(x+y))', 'x = 1, y = 2')
    expect(r.nodes.map((n) => n.label)).toEqual(['cos', 'div', 'add', 'y', 'x'])
    expect(r.nodes[0]!.grad).toBe(1)
    const s = 1 / 3
    // ∂/∂(1/s) cos = -sin(1/s); through 1/s: · (-1/s²), then add passes it to x and y.
    expect(r.nodes[1]!.grad).toBeCloseTo(-Math.sin(s), 14)
    expect(r.nodes[4]!.grad).toBeCloseTo(Math.sin(s) / 9, 14)
    expect(r.nodes[4]!.grad).toBe(r.reverse[0])
    expect(r.nodes[1]!.inputs).toEqual(['n2'])
  })
})
