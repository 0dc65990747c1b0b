import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { hessian, reshape, tensor, type Tensor } from './index.js'
import { apply, getOp } from '@ad/core/internal'
import { values } from './testing/fd.js'

// The `hessian` entries of the public case file (SPEC.md, ad-cases/1), in this engine alone.
// The case runner (test/) does the same for both engines; this keeps @ad/forward's own
// suite honest about them. The evaluator is the runner's, in a few lines.

interface TensorJson { shape: number[]; data: number[] }
type Expr = { op: string; args: Expr[]; attrs?: Record<string, unknown> } | { var: string } | { const: number | TensorJson }
interface Case {
  id: string
  inputs: Record<string, TensorJson>
  expr: Expr
  hessian?: TensorJson & { wrt: string }
  rtol: number
  atol: number
}

const file = JSON.parse(readFileSync(new URL('../../../conformance/public.json', import.meta.url), 'utf8')) as { cases: Case[] }
const cases = file.cases.filter((c) => c.hessian !== undefined)

const tensorOf = (t: TensorJson): Tensor => tensor(Float64Array.from(t.data), { shape: t.shape })

function evaluate(expr: Expr, env: ReadonlyMap<string, unknown>): unknown {
  if ('var' in expr) return env.get(expr.var)
  if ('const' in expr) return typeof expr.const === 'number' ? expr.const : tensorOf(expr.const)
  const op = getOp(expr.op)
  return apply(op, expr.args.map((a) => evaluate(a, env)) as never, op.parseAttrs(expr.attrs ?? {}))
}

/** The worst |a − b| / (atol + rtol·|b|): at most 1 passes. */
function worstRatio(actual: readonly number[], expected: readonly number[], c: Case): number {
  expect(actual.length).toBe(expected.length)
  let worst = 0
  for (let i = 0; i < expected.length; i++) {
    const ratio = Math.abs(actual[i] - expected[i]) / (c.atol + c.rtol * Math.abs(expected[i]))
    worst = Math.max(worst, Number.isNaN(ratio) ? Infinity : ratio)
  }
  return worst
}

describe('hessian on the case file conformance/public.json', () => {
  it('has cases with a hessian entry', () => expect(cases.length).toBeGreaterThan(100))

  it.each(cases.map((c) => [c.id, c] as const))('%s', (_id, c) => {
    const names = Object.keys(c.inputs)
    const inputs = new Map(names.map((n) => [n, tensorOf(c.inputs[n])]))
    const { wrt, data } = c.hessian!
    const x = inputs.get(wrt)!
    const f = (v: unknown) => evaluate(c.expr, new Map([...inputs, [wrt, v]]))
    // As the value comes ([] or [1]), and reshaped to [] as the case runner does.
    const h = hessian(f)(x) as Tensor
    expect(h.shape).toEqual([...x.shape, ...x.shape])
    expect(worstRatio(values(h), data, c)).toBeLessThanOrEqual(1)
    const asScalar = hessian((v: unknown) => reshape(f(v) as Tensor, { shape: [] }))(x)
    expect(worstRatio(values(asScalar), data, c)).toBeLessThanOrEqual(1)
  })
})
