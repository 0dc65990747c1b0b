// The hostile calls of issue 11, one line each: a coded error or the right answer, never a
// TypeError or RangeError from inside, never a silently wrong tensor.
import { describe, expect, it } from 'vitest'
import * as forward from '@ad/forward'
import * as reverse from '@ad/reverse'

function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    return (e as { code?: string }).code ?? `not an AdError: ${String(e)}`
  }
  return 'no error'
}

describe.each([
  ['forward', forward as unknown as typeof reverse],
  ['reverse', reverse],
])('%s: hostile input gets a coded error', (_name, m) => {
  const cases: [string, () => unknown][] = [
    ['zeros([1e6, 1e6]) (refused before allocating)', () => m.zeros([1e6, 1e6])],
    ['arange(Infinity)', () => m.arange(Infinity)],
    ['arange(NaN)', () => m.arange(NaN)],
    ['tensor([1n])', () => m.tensor([1n] as never)],
    ['sum(x, { dims: [1n] })', () => m.sum(m.ones([2, 2]), { dims: [1n] } as never)],
    ['x.exp(0)', () => untyped(m.ones([2])).exp(0)],
    ['x.reshape(2, 1)', () => untyped(m.ones([2])).reshape(2, 1)],
    ['attrs { constructor: 1 }', () => m.sum(m.ones([2]), { constructor: 1 } as never)],
    ['attrs { toString: 1 }', () => m.softmax(m.ones([2]), { dim: 0, toString: 1 } as never)],
    ['zeros([1, , 2])', () => m.zeros([1, , 2] as never)],
    ['expand(x, { shape: [-99] })', () => m.expand(m.ones([1]), { shape: [-99] })],
    ['expand to [1e9, 1e9] (a view, still refused)', () => m.expand(m.ones([1]), { shape: [1e9, 1e9] })],
    ["tensor(data, { shape: ['6'] })", () => m.tensor(new Float64Array(6), { shape: ['6'] } as never)],
    ['tensor(1, null)', () => m.tensor(1, null as never)],
    ['zeros([2], null)', () => m.zeros([2], null as never)],
    ['an array holding a tensor where a tensor is expected', () => m.sum([reverse.tensor([1, 2], { requiresGrad: true }), 3] as never)],
    ["full([2], '1')", () => m.full([2], '1' as never)],
    ["an unknown dtype with typed-array data", () => m.tensor(new Float64Array(2), { dtype: 'int8' } as never)],
    ['nesting 100,000 deep', () => m.tensor(deep(100_000) as never)],
    ['dims: [1, , 2] (a sparse attr)', () => m.sum(m.ones([2, 2, 2]), { dims: [0, , 2] } as never)],
  ]
  it.each(cases)('%s', (_what, f) => expect(codeOf(f)).toBe('INVALID_ARGUMENT'))
})

function deep(n: number): unknown {
  let x: unknown = 1
  for (let i = 0; i < n; i++) x = [x]
  return x
}

/** A tensor with its methods untyped: the calls below are wrong on purpose (methods are typed from their ops). */
const untyped = (x: unknown) => x as Record<string, (...args: unknown[]) => unknown>

describe('transforms given what is not a function, or null options', () => {
  const transforms: [string, () => unknown][] = [
    ['forward.grad(5)', () => forward.grad(5 as never)],
    ['forward.derivative(null)', () => forward.derivative(null as never)],
    ['forward.jvp({})', () => forward.jvp({} as never, [1], [1])],
    ['forward.jacfwd(f, null)', () => forward.jacfwd((x) => x, null as never)],
    ['reverse.grad(5)', () => reverse.grad(5 as never)],
    ['reverse.vjp("f")', () => reverse.vjp('f' as never, 1)],
    ['reverse.jacrev(f, null)', () => reverse.jacrev((x) => x, null as never)],
    ['reverse.noGrad(3)', () => reverse.noGrad(3 as never)],
    ['reverse.grad(f, { argnums: "0" })', () => reverse.grad((x) => x, { argnums: '0' } as never)(1)],
    ['x.backward(undefined, null)', () => reverse.tensor(1, { requiresGrad: true }).mul(2).backward(undefined, null as never)],
  ]
  it.each(transforms)('%s', (_what, f) => expect(codeOf(f)).toBe('INVALID_ARGUMENT'))
})

describe('zero-size and empty tensors, as PyTorch computes them', () => {
  it('linear with no input features is the bias, broadcast', () => {
    expect(reverse.linear(reverse.zeros([2, 0]), reverse.zeros([3, 0]), reverse.tensor([1, 2, 3])).tolist()).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ])
  })
  it('sum of empty is 0, mean of empty is NaN, max of empty is an error', () => {
    expect(reverse.sum(reverse.zeros([0])).item()).toBe(0)
    expect(reverse.mean(reverse.zeros([0, 3])).item()).toBeNaN()
    expect(codeOf(() => reverse.max(reverse.zeros([0]), { dim: 0 }))).toBe('INVALID_ARGUMENT')
  })
  it('matmul of [2,0] × [0,3] is zeros, and its gradients have the zero-size shapes', () => {
    const a = reverse.zeros([2, 0], { requiresGrad: true })
    const b = reverse.zeros([0, 3], { requiresGrad: true })
    const y = a.matmul(b)
    expect(y.tolist()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ])
    y.sum().backward()
    expect(a.grad?.shape).toEqual([2, 0])
    expect(b.grad?.shape).toEqual([0, 3])
  })
  it('forward mode agrees on the zero-size shapes', () => {
    const [out, t] = forward.jvp((x: forward.Tensor) => forward.sum(forward.mul(x, 2), { dims: [1] }), [forward.zeros([3, 0])], [forward.ones([3, 0])])
    expect(out.tolist()).toEqual([0, 0, 0])
    expect(t.tolist()).toEqual([0, 0, 0])
  })

  it('an empty result with a huge dim is made without index tables for that dim (tile, flip, roll, pad)', () => {
    // Each of these would otherwise build a table of 3e9 entries for a result with no elements
    // (past what a typed array can hold: a RangeError from inside, or gigabytes for nothing).
    const { tile, flip, roll, pad, zeros } = reverse
    expect(tile(zeros([0, 1, 0]), { reps: [3e9, 3e9] }).shape).toEqual([0, 3e9, 0])
    expect(flip(zeros([0, 3e9]), { dims: [1] }).shape).toEqual([0, 3e9])
    expect(roll(zeros([0, 3e9]), { shifts: [3], dims: [1] }).shape).toEqual([0, 3e9])
    expect(pad(zeros([0, 3e9 - 2]), { pad: [1, 1] }).shape).toEqual([0, 3e9])
  })
})
