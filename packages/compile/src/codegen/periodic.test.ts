import { describe, expect, it } from 'vitest'
import { add, mul, sin, square, sub, tensor, type Tensor } from '@ad/core'
import { compile, explain, grad, valueAndGrad } from '../index.js'

/** Rosenbrock over an array of numbers: one graph node per scalar op (W1's function). */
const rosenbrock = (xs: number[]): number => {
  let f = 0
  for (let i = 0; i < xs.length - 1; i++) f = add(f, add(mul(100, square(sub(xs[i + 1], square(xs[i])))), square(sub(1, xs[i])))) as number
  return f
}

/** A running product: each value reads the previous one (a dependence carried across repetitions). */
const chain = (xs: number[]): number => {
  let p = 1
  for (let i = 0; i < xs.length; i++) p = mul(p, add(sin(xs[i]), 1.5)) as number
  return p
}

/** The same sum, except one element takes another formula: the period breaks there. */
const oneDifferent = (xs: number[]): number => {
  let f = 0
  for (let i = 0; i < xs.length; i++) f = add(f, i === 7 ? mul(sin(xs[i]), 3) : square(sub(xs[i], 0.5))) as number
  return f
}

/** Each element scaled by its own closed-over 0-d tensor: constants, not slots, per repetition. */
const weights = Array.from({ length: 40 }, (_, i) => tensor(1 + i / 7))
const weighted = (xs: number[]): Tensor => {
  let f = tensor(0)
  for (let i = 0; i < xs.length; i++) f = add(f, mul(square(xs[i]), weights[i])) as Tensor
  return f
}

/** Nothing repeats: every term a different op. */
const irregular = (xs: number[]): number => add(mul(sin(xs[0]), xs[1]), square(sub(xs[2], xs[0]))) as number

const numbers = (n: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(3 * i + 1) * 1.3)

/** How many `for` loops the generated source of compile(f) holds for these arguments. */
const loops = (text: string): number => (text.match(/for \(let k = 0; k < \d+; k\+\+\)/g) ?? []).length

describe('re-rolled scalar code', () => {
  // (Rosenbrock of one number is a constant, whose compiled gradient is a 0-d tensor rather
  // than a number: a separate matter, so its lengths start at 2.)
  const cases = [
    ['rosenbrock', rosenbrock, [2, 3, 5, 8, 13, 40, 201]],
    ['running product', chain, [1, 2, 3, 5, 8, 13, 40, 201]],
    ['one element different', oneDifferent, [1, 2, 8, 9, 13, 40]],
  ] as const
  describe.each(cases)('%s', (_, f, sizes) => {
    it.each(sizes)('equals the interpreted graph and the eager transforms to the bit (n = %i)', (n) => {
      const xs = numbers(n)
      const generated = compile(valueAndGrad(f))(xs) as [number, number[]]
      const interpreted = compile(valueAndGrad(f), { codegen: false })(xs) as [number, number[]]
      const eager = valueAndGrad(f)(xs) as [number, number[]]
      // Same operations in the same order on float64: identical, not merely close.
      expect(generated).toEqual(interpreted)
      expect(generated).toEqual(eager)
      expect(compile(f)(xs)).toBe(f(xs))
      expect(compile(grad(f))(xs)).toEqual(eager[1])
    })
  })

  it('emits loops for periodic code, in forward and backward passes', () => {
    const text = explain(grad(rosenbrock))(numbers(40))
    // The forward terms and the backward pass each repeat once per element.
    expect(loops(text)).toBe(2)
    expect(text).toMatch(/scalar code re-rolled: \d+ repetitions of \d+ ops/)
    // A value carried from one repetition to the next stays in a local.
    expect(text).toMatch(/let c\d+_\d+ = /)
    expect(loops(explain(valueAndGrad(chain))(numbers(40)))).toBeGreaterThanOrEqual(2)
  })

  it('keeps the loops around an element whose formula differs', () => {
    const text = explain(oneDifferent)(numbers(40))
    expect(loops(text)).toBeGreaterThanOrEqual(1)
    expect(text).toContain('Math.sin')
  })

  it('is right where each repetition reads its own constant', () => {
    const xs = numbers(40)
    const generated = compile(valueAndGrad(weighted))(xs) as [Tensor, Tensor[]]
    const interpreted = compile(valueAndGrad(weighted), { codegen: false })(xs) as [Tensor, Tensor[]]
    const eager = valueAndGrad(weighted)(xs) as [Tensor, Tensor[]]
    const items = (ts: Tensor[]): number[] => ts.map((t) => t.item())
    expect(generated[0].item()).toBe(interpreted[0].item())
    expect(generated[0].item()).toBe(eager[0].item())
    expect(items(generated[1])).toEqual(items(interpreted[1]))
    expect(items(generated[1])).toEqual(items(eager[1]))
    expect(items(generated[1])[3]).toBe(2 * xs[3] * (1 + 3 / 7))
  })

  it('leaves non-periodic and short code straight-line', () => {
    expect(loops(explain(grad(irregular))(numbers(3)))).toBe(0)
    expect(loops(explain(grad(rosenbrock))(numbers(2)))).toBe(0)
  })
})
