// Gradients at the edges (docs/edges.md): the generated table is up to date, every declared
// edge point gives PyTorch's gradient in both engines, and the conventions the issue names
// hold when written out by hand, through each engine's own API (not the registry loop), so a
// wrong declaration cannot hide a wrong rule.
import { readFileSync } from 'node:fs'
import { describe, expect, test } from 'vitest'
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { EDGES_FILE, generateEdges, sameGrads } from './edges.js'

const generated = generateEdges()

describe('docs/edges.md', () => {
  test('is what `pnpm edges` generates from the registry now (run it after changing an edge)', () => {
    expect(readFileSync(EDGES_FILE, 'utf8')).toBe(generated.text)
  })

  const points = generated.rows.filter((r) => r.edge.args !== undefined)
  test('has edge points for the ops the conventions concern', () => {
    const ops = new Set(points.map((r) => r.op))
    for (const op of ['relu', 'abs', 'sqrt', 'max', 'maximum', 'minimum', 'pow', 'clamp', 'where', 'maxPool2d']) expect(ops).toContain(op)
  })

  test.each(points.map((r) => [`${r.op}: ${r.edge.note}`, r] as const))('%s: forward = reverse = PyTorch', (_, r) => {
    expect(r.edge.torch).toBeDefined()
    expect(sameGrads(r.forward, r.edge.torch), `forward gave ${JSON.stringify(r.forward)}`).toBe(true)
    expect(sameGrads(r.reverse, r.edge.torch), `reverse gave ${JSON.stringify(r.reverse)}`).toBe(true)
  })

  test.each(generated.compositions.map((c) => [c.expr, c] as const))('%s: each engine as PyTorch in its mode', (_, c) => {
    expect(c.forward).toBe(c.torch.forward)
    expect(c.reverse).toBe(c.torch.reverse)
  })
})

/** A one-element result as a number, −0 read as 0 (the sign of a zero gradient is not a convention). */
const num = (v: unknown): number => (typeof v === 'number' ? v : (v as F.Tensor).item()) + 0

/** d/dx of a scalar function at x in both engines: forward's `derivative`, reverse's `backward`. */
function both(f: (x: any) => any, x: number): { forward: number; reverse: number } {
  const leaf = R.tensor(x, { requiresGrad: true })
  ;(f(leaf) as R.Tensor).sum().backward()
  return { forward: num(F.derivative(f)(x)), reverse: num(leaf.grad) }
}

/** Gradients of sum(f(...args)) w.r.t. every argument, in both engines, as nested arrays. */
function grads(f: (...xs: any[]) => any, ...args: unknown[]): { forward: unknown[]; reverse: unknown[] } {
  const argnums = args.map((_, i) => i)
  const fwd = F.grad((...xs: unknown[]) => F.sum(f(...xs)), { argnums })(...args.map((a) => F.tensor(a as never)))
  const leaves = args.map((a) => R.tensor(a as never, { requiresGrad: true }))
  R.sum(f(...leaves)).backward()
  return { forward: fwd.map((g: F.Tensor) => g.tolist()), reverse: leaves.map((l) => l.grad!.tolist()) }
}

describe('the conventions, by hand in each engine (as PyTorch)', () => {
  test("relu'(0) = 0, abs'(0) = 0, sqrt'(0) = +inf", () => {
    expect(both(F.relu, 0)).toEqual({ forward: 0, reverse: 0 })
    expect(both(F.abs, 0)).toEqual({ forward: 0, reverse: 0 })
    expect(both(F.sqrt, 0)).toEqual({ forward: Infinity, reverse: Infinity })
  })

  test('max along a dim with ties: the whole gradient to the first maximal element', () => {
    const f = (x: any) => F.max(x, { dim: 1 })
    const expected = [
      [0, 1, 0],
      [1, 0, 0],
    ]
    expect(grads(f, [[1, 3, 3], [2, 2, 2]])).toEqual({ forward: [expected], reverse: [expected] })
  })

  test('maximum and minimum with ties: half the gradient to each input', () => {
    expect(grads(F.maximum, [1, 2], [1, 0])).toEqual({ forward: [[0.5, 1], [0.5, 0]], reverse: [[0.5, 1], [0.5, 0]] })
    expect(grads(F.minimum, [1, 2], [1, 0])).toEqual({ forward: [[0.5, 0], [0.5, 1]], reverse: [[0.5, 0], [0.5, 1]] })
  })

  test('pow(0, p) with a constant exponent: p·0^(p−1)', () => {
    for (const [p, expected] of [[2, 0], [3, 0], [1, 1], [0.5, Infinity], [-1, -Infinity], [-2, -Infinity]] as const) {
      expect(both((x) => F.pow(x, p), 0), `p = ${p}`).toEqual({ forward: expected, reverse: expected })
    }
    // A negative base with an integer exponent: no log(base) is formed.
    expect(both((x) => F.pow(x, 3), -2)).toEqual({ forward: 12, reverse: 12 })
  })

  // PyTorch's pow_backward_self is where(p == 0, 0, p·x^(p−1)) and its pow_backward_exponent is
  // where(x == 0 & p >= 0, 0, y·log x); the naive rules would give 0·0^(−1) = NaN and 0·log 0 = NaN.
  test('pow(0, 0): ∂/∂x = 0, and ∂/∂p at x = 0, p ≥ 0 is 0, as PyTorch', () => {
    expect(both((x) => F.pow(x, 0), 0)).toEqual({ forward: 0, reverse: 0 })
    expect(both((p) => F.pow(0, p), 2)).toEqual({ forward: 0, reverse: 0 })
  })

  test('clamp at its bounds: gradient 1 (bounds count as inside)', () => {
    const f = (x: any) => F.clamp(x, { min: -1, max: 1 })
    expect(grads(f, [-1, 1, -2, 2, 0])).toEqual({ forward: [[1, 1, 0, 0, 1]], reverse: [[1, 1, 0, 0, 1]] })
    expect(both((x) => F.clamp(x, { min: 0 }), 0)).toEqual({ forward: 1, reverse: 1 })
  })

  test('where sends an exact 0 to the branch not taken, even for an infinite cotangent or tangent', () => {
    const c = F.tensor([1, 0])
    // Reverse: cotangent [inf, inf]; 0·inf would be NaN.
    const [, pullback] = R.vjp((a: R.Tensor, b: R.Tensor) => R.where(c, a, b), R.tensor([1, 2]), R.tensor([3, 4]))
    const [ga, gb] = pullback(R.tensor([Infinity, Infinity]))
    expect([ga.tolist(), gb.tolist()]).toEqual([[Infinity, 0], [0, Infinity]])
    // Forward: a tangent of NaN on the branch not taken does not reach the output.
    const [, tangent] = F.jvp((a: any, b: any) => F.where(c, a, b), [F.tensor([1, 2]), F.tensor([3, 4])], [F.tensor([NaN, NaN]), F.tensor([5, 6])])
    expect(tangent.tolist()).toEqual([NaN, 6])
  })

  test("a NaN made upstream of the branch not taken stays NaN in reverse (PyTorch, JAX); forward's tangent drops it (their jvp)", () => {
    const f = (x: any) => F.where(F.gt(x, 0), F.sqrt(x), 0)
    expect(both(f, -1)).toEqual({ forward: 0, reverse: NaN })
    // At 0 the branch's derivative is +inf: 0·inf is NaN in reverse, too.
    expect(both(f, 0).reverse).toBeNaN()
    expect(both(f, 4)).toEqual({ forward: 0.25, reverse: 0.25 })
  })

  test('the double-where idiom gives 0 on the branch not taken, in both engines', () => {
    const f = (x: any) => F.where(F.gt(x, 0), F.sqrt(F.where(F.gt(x, 0), x, 1)), 0)
    for (const x of [-1, 0]) expect(both(f, x)).toEqual({ forward: 0, reverse: 0 })
    expect(both(f, 4)).toEqual({ forward: 0.25, reverse: 0.25 })
  })
})
