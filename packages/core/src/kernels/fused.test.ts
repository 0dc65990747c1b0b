import { describe, expect, it } from 'vitest'
import { expand } from '../index.js'
import { tensor } from '../create.js'
import { listOps, type Op, type RuleContext } from '../op.js'
import { Tensor } from '../tensor.js'

// The fused loops must give exactly what the unfused rules give in float64: the same
// operations on the same doubles. The unfused rule is run here on numbers, element by
// element (the scalar path), and compared bit for bit with the rule on whole tensors.

const n = 64
const elementwise = listOps().filter((op) => op.elementwise && op.scalar !== undefined && op.vjp !== undefined && typeof op.arity === 'number')

/** Values inside every op's domain that matter here (positive, inside (−1, 1), away from kinks). */
const values = (seed: number) => Float64Array.from({ length: n }, (_, i) => 0.1 + 0.8 * Math.abs(Math.sin(seed + 1.7 * i)))
const data = (t: unknown) => Array.from((t as Tensor).contiguousData())
type Ctx = RuleContext<object>

function scalarRule(op: Op, args: Float64Array[], out: Float64Array, g: Float64Array, i: number, needs: boolean[]): (number | null)[] {
  const ctx: Ctx = { args: args.map((a) => a[i]), out: out[i], attrs: op.parseAttrs(undefined) }
  return (op.vjp as NonNullable<Op['vjp']>)(ctx as never, g[i], needs) as (number | null)[]
}

describe('fused elementwise rules', () => {
  it.each(elementwise.map((op) => [op.name, op] as const))('%s: the VJP on tensors equals the rule on each element, bit for bit', (_name, op) => {
    const args = Array.from({ length: op.arity as number }, (_, k) => values(k + 1))
    const inputs = args.map((a) => tensor(a))
    const out = (op.primal as (a: Tensor[], attrs: object, s: readonly number[]) => Tensor)(inputs, op.parseAttrs(undefined), [n])
    const g = values(9)
    const needs = args.map(() => true)
    const got = (op.vjp as NonNullable<Op['vjp']>)({ args: inputs, out, attrs: op.parseAttrs(undefined) } as never, tensor(g), needs)
    const outData = out.contiguousData() as Float64Array
    for (let k = 0; k < args.length; k++) {
      const want = Array.from({ length: n }, (_, i) => scalarRule(op, args, outData, g, i, needs)[k])
      expect(data(got[k]), `input ${k}`).toEqual(want)
    }
  })

  it.each(elementwise.map((op) => [op.name, op] as const))('%s: the JVP on tensors equals the rule on each element', (_name, op) => {
    const args = Array.from({ length: op.arity as number }, (_, k) => values(k + 1))
    const inputs = args.map((a) => tensor(a))
    const attrs = op.parseAttrs(undefined)
    const out = (op.primal as (a: Tensor[], attrs: object, s: readonly number[]) => Tensor)(inputs, attrs, [n])
    const tangents = args.map((_, k) => values(k + 5))
    const got = (op.jvp as NonNullable<Op['jvp']>)({ args: inputs, out, attrs } as never, tangents.map((t) => tensor(t)))
    const outData = out.contiguousData() as Float64Array
    const want = Array.from({ length: n }, (_, i) =>
      (op.jvp as NonNullable<Op['jvp']>)({ args: args.map((a) => a[i]), out: outData[i], attrs } as never, tangents.map((t) => t[i])),
    )
    expect(data(got)).toEqual(want)
  })

  it('reads a cotangent broadcast from one element (what sum hands down)', () => {
    const op = listOps().find((o) => o.elementwise && o.arity === 1 && o.scalar !== undefined && o.name === 'square') as Op
    const x = tensor(values(1))
    const g = expand(tensor(3), { shape: [n] }) as Tensor
    const [got] = (op.vjp as NonNullable<Op['vjp']>)({ args: [x], out: x, attrs: {} } as never, g, [true])
    expect(data(got)).toEqual(Array.from(values(1), (v) => 3 * (v * 2)))
  })
})
