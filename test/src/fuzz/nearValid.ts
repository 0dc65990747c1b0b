// Calls one step away from a valid one: an op's own domain draws a call it accepts, then one
// thing is changed (a dim made 0, a rank dropped to 0, an attribute made hostile, an argument
// added or removed, dtypes or engines mixed, extreme values). Random calls rarely get past
// argument checking; these reach the kernels and the rules. Accepted calls are then
// differentiated in both engines, and every gradient must have its input's shape.
import fc from 'fast-check'
import { structureMatrices, type Op, type Sample } from '@ad/core'
import { listOps, opFunction } from '@ad/core/internal'
import * as forward from '@ad/forward'
import * as reverse from '@ad/reverse'
import { drawFrom } from '@ad/check/harness'
import type { Call } from './calls.js'
import { attrValue, edgeNumber } from './hostile.js'

const MUTATIONS = ['none', 'zero-dim', 'rank-0', 'attr', 'extra-arg', 'drop-arg', 'float32-mix', 'other-engine', 'extremes'] as const
type Mutation = (typeof MUTATIONS)[number]

interface Arg {
  shape: number[]
  data: Float64Array
  constant: boolean
  dtype: 'float64' | 'float32'
  engine: 'forward' | 'reverse'
}

function fillArg(gen: fc.GeneratorValue, spec: Sample['args'][number], extremes: boolean): Arg {
  const n = spec.shape.reduce((a, b) => a * b, 1)
  const { min, max, integer } = spec.values
  const data = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    data[i] = extremes && !integer ? gen(() => edgeNumber) : integer ? gen(fc.integer, { min: Math.ceil(min), max: Math.floor(max) }) : gen(fc.double, { min, max, noNaN: true })
  }
  const diag = spec.diagonal ?? spec.values
  structureMatrices(spec, data, () => gen(fc.double, { min: diag.min, max: diag.max, noNaN: true }))
  return { shape: [...spec.shape], data, constant: spec.values.constant === true, dtype: 'float64', engine: 'reverse' }
}

function mutate(gen: fc.GeneratorValue, mutation: Mutation, args: Arg[], attrs: Record<string, unknown>, op: Op): void {
  const pickArg = () => gen(fc.integer, { min: 0, max: args.length - 1 })
  switch (mutation) {
    case 'zero-dim': {
      const withDims = args.filter((a) => a.shape.length > 0)
      if (withDims.length === 0) return
      const a = withDims[gen(fc.integer, { min: 0, max: withDims.length - 1 })]
      const fromEnd = gen(fc.integer, { min: 1, max: a.shape.length })
      const size = a.shape[a.shape.length - fromEnd]
      // The same aligned dim of every argument that has that size (so broadcasting ops stay valid).
      for (const b of args) if (b.shape.length >= fromEnd && b.shape[b.shape.length - fromEnd] === size) zeroDim(b, b.shape.length - fromEnd)
      return
    }
    case 'rank-0': {
      const a = args[pickArg()]
      a.shape = []
      a.data = a.data.length > 0 ? a.data.subarray(0, 1) : new Float64Array([0.5])
      return
    }
    case 'attr': {
      const names = Object.keys(op.attrs ?? {})
      if (names.length === 0) return
      const name = names[gen(fc.integer, { min: 0, max: names.length - 1 })]
      if (gen(fc.boolean)) attrs[name] = gen(() => attrValue)
      else delete attrs[name]
      return
    }
    case 'extra-arg':
      args.push({ ...args[args.length - 1] })
      return
    case 'drop-arg':
      args.pop()
      return
    case 'float32-mix':
      for (const a of args) if (gen(fc.boolean)) a.dtype = 'float32'
      return
    case 'other-engine':
      args[pickArg()].engine = 'forward'
      return
    default:
      return
  }
}

function zeroDim(a: Arg, d: number): void {
  a.shape[d] = 0
  a.data = new Float64Array(0)
}

function build(a: Arg, requiresGrad: boolean): unknown {
  const m = a.engine === 'forward' ? forward : reverse
  return m.tensor(a.data, { shape: a.shape, dtype: a.dtype, requiresGrad: requiresGrad && a.engine === 'reverse' && !a.constant } as never)
}

function shapeText(s: readonly number[]): string {
  return `[${s.join(',')}]`
}

/** Runs the op, then its gradients: every gradient has its input's shape, in both engines. */
function differentiate(op: Op, args: Arg[], attrs: Record<string, unknown>): unknown {
  // Every op's free function, internal helper ops too (both engines export core's own functions).
  const fn = opFunction(op.name) as unknown as (...a: unknown[]) => reverse.Tensor
  const call = (xs: unknown[]) => (op.arity === 'list' ? fn(xs, attrs) : fn(...xs, attrs))
  const inputs = args.map((a) => build(a, op.differentiable))
  const out = call(inputs)
  if (!op.differentiable || !(out instanceof reverse.Tensor) || !out.requiresGrad) return out
  out.sum().backward()
  inputs.forEach((x, i) => {
    if (!(x instanceof reverse.Tensor) || !x.requiresGrad) return
    const g = x.grad
    if (g !== null && g.shape.join() !== x.shape.join()) {
      throw new Error(`gradient of argument ${i} has shape ${shapeText(g.shape)}, its input ${shapeText(x.shape)}`)
    }
  })
  // Forward mode along ones: the tangent has the output's shape.
  const primals = args.map((a) => forward.tensor(a.data, { shape: a.shape, dtype: a.dtype }))
  const tangents = primals.map((p) => forward.ones([...p.shape], { dtype: p.dtype }))
  const fwd = opFunction(op.name) as unknown as (...a: unknown[]) => forward.Tensor
  const [value, tangent] = forward.jvp((...xs: unknown[]) => (op.arity === 'list' ? fwd(xs, attrs) : fwd(...xs, attrs)), primals, tangents)
  if ((tangent as forward.Tensor).shape.join() !== (value as forward.Tensor).shape.join()) {
    throw new Error(`jvp tangent of shape ${shapeText((tangent as forward.Tensor).shape)} for an output of shape ${shapeText((value as forward.Tensor).shape)}`)
  }
  if ((value as forward.Tensor).shape.join() !== out.shape.join()) throw new Error(`forward's output ${shapeText((value as forward.Tensor).shape)}, reverse's ${shapeText(out.shape)}`)
  return out
}

export const nearValidCall: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...listOps()), fc.constantFrom(...MUTATIONS), fc.gen())
  .map(([op, mutation, gen]) => {
    const sample = op.domain(drawFrom(gen))
    const args = sample.args.map((s) => fillArg(gen, s, mutation === 'extremes'))
    const attrs = { ...sample.attrs }
    mutate(gen, mutation, args, attrs, op)
    const code = `${op.name}(${args.map((a) => `${a.engine}:${a.dtype}${shapeText(a.shape)}`).join(', ')}, ${JSON.stringify(attrs, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}) [${mutation}]`
    return {
      target: `${mutation}.${op.name}`,
      code,
      run: () => differentiate(op, args, attrs),
      // A call the op's own domain drew must succeed.
      mustSucceed: mutation === 'none' || mutation === 'float32-mix' || mutation === 'other-engine',
    }
  })
