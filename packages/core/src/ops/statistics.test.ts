import { describe, expect, it } from 'vitest'
import { codeOf, list } from '../testing/helpers.js'
import { amax, amin, cumprod, cumsum, min, norm, std, tensor, type Tensor } from '../index.js'
import { getOp } from '../internal.js'
import * as ops from '../index.js'

const x = tensor([[1, 5, 2], [4, 0, 4]])

/** An op's VJP on plain tensors (the rule itself, not an engine). */
function vjp(name: string, arg: Tensor, attrs: object, g: Tensor): unknown {
  const op = getOp(name)
  const parsed = op.parseAttrs(attrs)
  const out = op.primal([arg], parsed, op.shape([arg.shape], parsed))
  return (op.vjp!({ args: [arg], out, attrs: parsed }, g, [true])[0] as Tensor).tolist()
}

describe('min, amax, amin', () => {
  it('min {dim} gives values and sends the gradient to the first minimum', () => {
    expect(list(min(x, { dim: 1 }))).toEqual([1, 0])
    expect(list(x.min(0, true))).toEqual([[1, 0, 2]])
    expect(vjp('min', tensor([3, 1, 1]), { dim: 0 }, tensor(1))).toEqual([0, 1, 0])
  })
  it('amax and amin reduce several dims; ties share the gradient', () => {
    expect(list(amax(x))).toBe(5)
    expect(list(amin(x, { dims: [0], keepdim: true }))).toEqual([[1, 0, 2]])
    expect(vjp('amax', tensor([4, 1, 4, 4]), {}, tensor(6))).toEqual([2, 0, 2, 2])
    expect(list(amax(tensor([1, NaN, 3])))).toBeNaN()
    expect(codeOf(() => amax(tensor([])))).toBe('INVALID_ARGUMENT')
  })
})

describe('var, std, norm', () => {
  it('var and std use Bessel\'s correction by default, as torch', () => {
    const v = ops.var(tensor([1, 2, 3, 4])) as Tensor
    expect(v.item()).toBeCloseTo(5 / 3, 14)
    expect((ops.var(tensor([1, 2, 3, 4]), { correction: 0 }) as Tensor).item()).toBeCloseTo(1.25, 14)
    const s = (std(x, { dims: [1] }) as Tensor).tolist() as number[]
    expect(s[0]).toBeCloseTo(Math.sqrt(13 / 3), 14)
    expect(s[1]).toBeCloseTo(Math.sqrt(16 / 3), 14)
    expect(list(tensor([1, 2, 3, 4]).var(undefined, 0))).toBe(1.25)
  })
  it('of constant data: variance 0 and gradient 0, not NaN', () => {
    expect(vjp('var', tensor([2, 2, 2]), {}, tensor(1))).toEqual([0, 0, 0])
    expect(vjp('std', tensor([2, 2, 2]), {}, tensor(1))).toEqual([0, 0, 0])
  })
  it('norm for p = 2, 1, 3, ∞, without overflow, and gradient 0 at the zero vector', () => {
    expect(list(norm(tensor([3, -4])))).toBe(5)
    expect(list(norm(tensor([3, -4]), { p: 1 }))).toBe(7)
    expect((norm(tensor([3, -4]), { p: 3 }) as Tensor).item()).toBeCloseTo(Math.cbrt(91), 14)
    expect(list(norm(tensor([3, -4]), { p: Infinity }))).toBe(4)
    // Scaled by the largest |x| before squaring: finite, within an ulp or two.
    expect((norm(tensor([3e200, 4e200])) as Tensor).item() / 5e200).toBeCloseTo(1, 15)
    expect(vjp('norm', tensor([0, 0]), {}, tensor(1))).toEqual([0, 0])
    expect(vjp('norm', tensor([1, -1, 0.5]), { p: Infinity }, tensor(1))).toEqual([0.5, -0.5, 0])
    expect(codeOf(() => norm(tensor([1]), { p: 0 }))).toBe('INVALID_ARGUMENT')
  })
})

describe('cumsum, cumprod', () => {
  it('run along a dim', () => {
    expect(list(cumsum(x, { dim: 1 }))).toEqual([[1, 6, 8], [4, 4, 8]])
    expect(list(x.cumsum(0))).toEqual([[1, 5, 2], [5, 5, 6]])
    expect(list(cumprod(x, { dim: -1 }))).toEqual([[1, 5, 10], [4, 0, 0]])
  })
  it('cumprod is exact at zeros (SPEC: cumprod([2, 0, 3]) → [1, 8, 0])', () => {
    expect(vjp('cumprod', tensor([2, 0, 3]), { dim: 0 }, tensor([1, 1, 1]))).toEqual([1, 8, 0])
  })
})
