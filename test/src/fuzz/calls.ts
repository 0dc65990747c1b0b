// The calls a hostile user makes: every public entry point of the engines, each with
// arguments drawn from ./hostile.ts. A call is data (a label and a thunk), so a runner can
// time it, classify its outcome and group failures by cause.
import fc from 'fast-check'
import { type Op } from '@ad/core'
import { listOps, opFunction } from '@ad/core/internal'
import * as forward from '@ad/forward'
import * as reverse from '@ad/reverse'
import { nearValidCall } from './nearValid.js'
import { nnOrCompileCall } from './nnCalls.js'
import { attrsFor, dim, dtype, edgeNumber, leaf, nested, nonNumber, options, shape, typedArray } from './hostile.js'

export interface Call {
  /** Where the call goes: groups failures (`reverse.sum`, `forward.jvp`, `reverse.method.reshape`). */
  readonly target: string
  /** The call as code, for the report. */
  readonly code: string
  readonly run: () => unknown
  /** A call the API must accept (drawn from an op's own domain): an AdError is a finding too. */
  readonly mustSucceed?: boolean
}

type Module = Record<string, any>
const engines: readonly [string, Module][] = [
  ['forward', forward as Module],
  ['reverse', reverse as Module],
]

/** A value printed for the report; never throws (BigInt, cycles, symbols). */
export function show(x: unknown, depth = 0): string {
  if (typeof x === 'bigint') return `${x}n`
  if (typeof x === 'symbol' || typeof x === 'function') return String(x.toString?.() ?? typeof x)
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x)
  if (typeof x === 'string') return JSON.stringify(x)
  if (x === null || x === undefined || typeof x !== 'object') return String(x)
  if (depth > 3) return '…'
  if (x instanceof forward.Tensor) return `Tensor(${x.dtype} [${x.shape.join(',')}]${(x as { requiresGrad?: boolean }).requiresGrad ? ', grad' : ''})`
  if (ArrayBuffer.isView(x)) return `${x.constructor.name}(${(x as unknown as ArrayLike<number>).length})`
  if (Array.isArray(x)) {
    const items: string[] = []
    for (let i = 0; i < x.length && i < 8; i++) items.push(i in x ? show(x[i], depth + 1) : '<hole>')
    return `[${items.join(', ')}${x.length > 8 ? ', …' : ''}]`
  }
  const keys = Object.keys(x)
  return `{${keys.slice(0, 6).map((k) => `${k}: ${show((x as Record<string, unknown>)[k], depth + 1)}`).join(', ')}}`
}

const rectangular = fc
  .array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })
  .chain((s) => fc.array(edgeNumber, { minLength: sizeOf(s), maxLength: sizeOf(s) }).map((data) => ({ shape: s, data })))

function sizeOf(s: readonly number[]): number {
  return s.reduce((a, b) => a * b, 1)
}

/** A well-formed tensor of one engine (maybe requiring grad, maybe float32), or of the other. */
const goodTensor: fc.Arbitrary<{ code: string; make: () => unknown }> = fc
  .tuple(fc.constantFrom(...engines), rectangular, fc.constantFrom('float64', 'float32'), fc.boolean())
  .map(([[name, m], { shape: s, data }, dt, requiresGrad]) => ({
    code: `${name}.tensor(${show(data)} as [${s.join(',')}], ${dt}${requiresGrad ? ', requiresGrad' : ''})`,
    make: () => m.tensor(Float64Array.from(data), { shape: s, dtype: dt, requiresGrad: requiresGrad && name === 'reverse' }),
  }))

/** Anything passed where a tensor is expected. */
const input: fc.Arbitrary<{ code: string; make: () => unknown }> = fc.oneof(
  { weight: 5, arbitrary: goodTensor },
  { weight: 2, arbitrary: nested.map((v) => ({ code: show(v), make: () => v })) },
  { weight: 1, arbitrary: typedArray.map((v) => ({ code: show(v), make: () => v })) },
  { weight: 1, arbitrary: nonNumber.map((v) => ({ code: show(v), make: () => v })) },
  {
    weight: 1,
    arbitrary: goodTensor.map((t) => ({ code: `[${t.code}]`, make: () => [reverse.tensor([1, 2], { requiresGrad: true }), t.make()] })),
  },
)

const creationNames = ['tensor', 'zeros', 'ones', 'full', 'arange', 'rand', 'randn', 'eye', 'linspace', 'zerosLike', 'onesLike']

const creation: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...engines), fc.constantFrom(...creationNames), fc.oneof(nested, typedArray, shape, leaf), leaf, leaf, options)
  .filter(([[, m], name]) => typeof m[name] === 'function')
  .map(([[engine, m], name, first, second, third, opts]) => {
    const args: unknown[] =
      name === 'tensor' ? [first, opts] : name === 'full' ? [first, second, opts] : name === 'arange' || name === 'linspace' ? [second, third, opts] : [first, opts]
    return { target: `${engine}.${name}`, code: `${engine}.${name}(${args.map((a) => show(a)).join(', ')})`, run: () => m[name](...args) }
  })

function arityRange(op: Op): [number, number] {
  if (op.arity === 'list') return [1, 1]
  if (typeof op.arity === 'number') return [op.arity, op.arity]
  return [op.arity[0], op.arity[1]]
}

const ops = listOps()

/** An op's free function with hostile arguments: one too few or too many, of any kind, any attrs. */
const opCall: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...engines), fc.constantFrom(...ops))
  .chain(([engine, op]) => {
    const [lo, hi] = arityRange(op)
    return fc.tuple(
      fc.constant(engine),
      fc.constant(op),
      fc.array(input, { minLength: Math.max(0, lo - 1), maxLength: hi + 1 }),
      attrsFor(Object.keys(op.attrs ?? {})),
    )
  })
  .map(([[engine, m], op, inputs, attrs]) => {
    // Internal helper ops are not exported (the engines' free functions are core's own).
    const fn = (op.internal ? opFunction(op.name) : m[op.name]) as (...a: unknown[]) => unknown
    const list = op.arity === 'list'
    const code = `${engine}.${op.name}(${list ? '[' : ''}${inputs.map((i) => i.code).join(', ')}${list ? ']' : ''}, ${show(attrs)})`
    return {
      target: `${engine}.${op.name}`,
      code,
      run: () => {
        const args = inputs.map((i) => i.make())
        return list ? fn(args, attrs) : attrs === undefined ? fn(...args) : fn(...args, attrs)
      },
    }
  })

/** A method on a good reverse tensor, with positional arguments of any kind and count. */
const methodCall: fc.Arbitrary<Call> = fc
  .tuple(goodTensor, fc.constantFrom(...ops.filter((op) => op.arity !== 'list' && !op.internal)), fc.array(fc.oneof(input.map((i) => i.make), fc.oneof(dim, fc.array(dim, { maxLength: 3 }), attrsFor([])).map((v) => () => v)), { maxLength: 4 }))
  .map(([self, op, rest]) => ({
    target: `method.${op.name}`,
    code: `(${self.code}).${op.name}(${rest.length} args)`,
    run: () => {
      const t = reverse.tensor(self.make() as never)
      const method = (t as unknown as Record<string, (...a: unknown[]) => unknown>)[op.name]
      return method.apply(t, rest.map((r) => r()))
    },
  }))

/** Functions handed to transforms: good ones, ones returning the wrong thing, and non-functions. */
const userFunction: fc.Arbitrary<{ code: string; f: unknown }> = fc.constantFrom(
  { code: 'x => sum(tanh(x))', f: (x: any) => forward.sum(forward.tanh(x)) },
  { code: 'x => tanh(x)', f: (x: any) => forward.tanh(x) },
  { code: 'x => [sum(x), x]', f: (x: any) => [forward.sum(x), x] },
  { code: 'x => ({ a: sum(x) })', f: (x: any) => ({ a: forward.sum(x) }) },
  { code: "x => 'nope'", f: () => 'nope' },
  { code: 'x => null', f: () => null },
  { code: 'x => undefined', f: () => undefined },
  { code: 'x => 3', f: () => 3 },
  { code: 'x => [1, [2]]', f: () => [1, [2]] },
  { code: 'x => 1n', f: () => 1n },
  { code: '5', f: 5 },
  { code: 'null', f: null },
  { code: '{}', f: {} },
  { code: "'f'", f: 'f' },
)

const transformOptions: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(undefined, {}, null, 3),
  fc.record({ argnums: fc.oneof(fc.integer({ min: -3, max: 3 }), fc.array(fc.integer({ min: -3, max: 3 }), { maxLength: 3 }), nonNumber) }, { requiredKeys: [] }),
)

const transformNames: Record<string, string[]> = {
  forward: ['derivative', 'jacfwd', 'grad', 'valueAndGrad', 'hessian', 'hessianVectorProduct'],
  reverse: ['jacrev', 'grad', 'valueAndGrad', 'hessian', 'hessianVectorProduct'],
}

const transformCall: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...engines), fc.nat(), userFunction, transformOptions, fc.array(input, { maxLength: 3 }))
  .map(([[engine, m], pick, { code, f }, opts, inputs]) => {
    const names = transformNames[engine].filter((n) => typeof m[n] === 'function')
    const name = names[pick % names.length]
    return {
      target: `${engine}.${name}`,
      code: `${engine}.${name}(${code}, ${show(opts)})(${inputs.map((i) => i.code).join(', ')})`,
      run: () => m[name](f, opts)(...inputs.map((i) => i.make())),
    }
  })

/** `jvp` and `vjp` with primals, tangents and cotangents of any shape or kind. */
const pairCall: fc.Arbitrary<Call> = fc
  .tuple(fc.boolean(), userFunction, fc.array(input, { maxLength: 2 }), fc.oneof(fc.array(input, { maxLength: 2 }), input.map((i) => [i])), input)
  .map(([useJvp, { code, f }, primals, tangents, cotangent]) =>
    useJvp
      ? {
          target: 'forward.jvp',
          code: `forward.jvp(${code}, [${primals.map((p) => p.code)}], [${tangents.map((t) => t.code)}])`,
          run: () => forward.jvp(f as never, primals.map((p) => p.make()), tangents.map((t) => t.make())),
        }
      : {
          target: 'reverse.vjp',
          code: `reverse.vjp(${code}, ${primals.map((p) => p.code)})[1](${cotangent.code})`,
          run: () => reverse.vjp(f as never, ...primals.map((p) => p.make()))[1](cotangent.make()),
        },
  )

/** `backward` with any cotangent and options, on outputs with and without a graph, once or twice. */
const backwardCall: fc.Arbitrary<Call> = fc
  .tuple(goodTensor, fc.constantFrom('tanh', 'sum', 'mul-self', 'detach'), fc.option(input), fc.constantFrom<unknown>(undefined, {}, null, { retainGraph: true }, { retainGraph: 'x' }, 5), fc.boolean())
  .map(([x, how, cotangent, opts, twice]) => ({
    target: 'reverse.backward',
    code: `y = ${how}(${x.code}); y.backward(${cotangent?.code ?? ''}, ${show(opts)})${twice ? ' twice' : ''}`,
    run: () => {
      const t = reverse.tensor(x.make() as never, { requiresGrad: true })
      const y = how === 'tanh' ? t.tanh() : how === 'sum' ? t.sum() : how === 'mul-self' ? t.mul(t) : t.detach()
      const args = cotangent === null ? [] : [cotangent.make(), opts]
      y.backward(...(args as [never, never]))
      if (twice) y.backward(...(args as [never, never]))
      return t.grad
    },
  }))

const inplaceNames = ['add_', 'sub_', 'mul_', 'div_', 'zero_', 'copy_', 'requiresGrad_']

/** In-place methods on leaves that require grad, on views of them, under noGrad or not. */
const inplaceCall: fc.Arbitrary<Call> = fc
  .tuple(goodTensor, fc.constantFrom(...inplaceNames), fc.constantFrom('leaf', 'view', 'result', 'noGrad'), input)
  .map(([x, name, where, arg]) => ({
    target: `inplace.${name}`,
    code: `${where} of ${x.code}.${name}(${arg.code})`,
    run: () => {
      const leafTensor = reverse.tensor(x.make() as never, { requiresGrad: where !== 'result' })
      const target = where === 'view' ? leafTensor.reshape([-1]) : where === 'result' ? leafTensor.mul(2) : leafTensor
      const call = () => (target as unknown as Record<string, (...a: unknown[]) => unknown>)[name](arg.make())
      return where === 'noGrad' ? reverse.noGrad(call) : call()
    },
  }))

/** Every kind of call, in proportions that give the op calls most of the runs. */
export const anyCall: fc.Arbitrary<Call> = fc.oneof(
  { weight: 8, arbitrary: nearValidCall },
  { weight: 3, arbitrary: nnOrCompileCall },
  { weight: 3, arbitrary: creation },
  { weight: 8, arbitrary: opCall },
  { weight: 3, arbitrary: methodCall },
  { weight: 2, arbitrary: transformCall },
  { weight: 1, arbitrary: pairCall },
  { weight: 1, arbitrary: backwardCall },
  { weight: 1, arbitrary: inplaceCall },
)

export { dtype }
