// Tests of the harness itself: it must catch broken ops, and its samplers and finite
// differences must do what the tolerances assume. The ops here are built by hand and never
// registered (defineOp would add them to every registry loop).
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { add, cos, drawShape, gt, mul, neg, real, sub, Tensor, values, type Draw, type Op, type Sample, type Value, type ValueDomain } from '@ad/core'
import { avoidMargin, centralDifference, drawPoint, exactStep, FD_STEP, loadEngines, primalArgs, runOp } from '@ad/check/harness'

const engines = loadEngines()
const check = (op: Op, runs = 100) => runOp(op, engines, { seed: 42, runs, shrinkMillis: 500 })

function map(x: Tensor, f: (v: number) => number, dtypeAware?: (v: number, f32: boolean) => number): Tensor {
  const src = x.contiguousData()
  const f32 = src instanceof Float32Array
  const out = f32 ? new Float32Array(src.length) : new Float64Array(src.length)
  for (let i = 0; i < src.length; i++) out[i] = dtypeAware ? dtypeAware(src[i], f32) : f(src[i])
  return Tensor.fromArray(out, x.shape)
}

interface UnaryTestOp {
  name: string
  f: (x: number) => number
  /** The derivative the JVP uses, and the one the VJP uses. */
  jvpD: (x: Value) => Value
  vjpD?: (x: Value) => Value
  values?: ValueDomain
  kernel?: (v: number, f32: boolean) => number
}

/** An elementwise op as `defineUnary` would make it, with separately chosen (possibly wrong) rules. */
function unary(spec: UnaryTestOp): Op {
  const vjpD = spec.vjpD ?? spec.jvpD
  return {
    name: spec.name,
    arity: 1,
    attrs: {},
    elementwise: true,
    shape: ([s]: readonly (readonly number[])[]) => s,
    primal: ([x]: readonly Tensor[]) => map(x, spec.f, spec.kernel),
    jvp: ({ args: [x] }: { args: readonly Value[] }, [t]: readonly (Value | null)[]) => (t === null ? null : mul(t, spec.jvpD(x))),
    vjp: ({ args: [x] }: { args: readonly Value[] }, g: Value) => [mul(g, vjpD(x))],
    domain: (draw: Draw): Sample => ({ args: [{ shape: drawShape(draw), values: spec.values ?? real }], attrs: {} }),
    differentiable: true,
    parseAttrs: () => ({}),
  } as unknown as Op
}

/** maximum(a, b) of equal shapes, ties sending the gradient to b; `distinct` as given. */
function maximumOp(distinct: boolean): Op {
  const partials = (a: Value, b: Value): [Value, Value] => {
    const m = gt(a, b)
    return [m, sub(1, m)]
  }
  return {
    name: `testMaximum${distinct ? 'Distinct' : ''}`,
    arity: 2,
    attrs: {},
    shape: ([a]: readonly (readonly number[])[]) => a,
    primal: ([a, b]: readonly Tensor[]) => {
      const bd = b.contiguousData()
      let i = 0
      return map(a, (x) => Math.max(x, bd[i++]))
    },
    jvp: ({ args: [a, b] }: { args: readonly Value[] }, [ta, tb]: readonly (Value | null)[]) => {
      const [da, db] = partials(a, b)
      const parts = [ta === null ? null : mul(ta, da), tb === null ? null : mul(tb, db)].filter((p) => p !== null)
      return parts.length === 2 ? add(parts[0], parts[1]) : (parts[0] ?? null)
    },
    vjp: ({ args: [a, b] }: { args: readonly Value[] }, g: Value) => partials(a, b).map((d) => mul(g, d)),
    domain: (draw: Draw): Sample => {
      const shape = drawShape(draw, 1, 2)
      return { args: [{ shape, values: values(-1, 1) }, { shape, values: values(-1, 1) }], attrs: {}, distinct }
    },
    differentiable: true,
    parseAttrs: () => ({}),
  } as unknown as Op
}

describe('the harness catches broken ops', () => {
  test('a correct op passes (the control)', () => {
    const report = check(unary({ name: 'testSin', f: Math.sin, jvpD: (x) => cos(x) }))
    expect(report.failure).toBeUndefined()
    expect(report.points).toBe(100)
  })

  test('a VJP that disagrees with the JVP fails forward-vs-reverse, shrunk to a small point', () => {
    const report = check(unary({ name: 'testSinBadVjp', f: Math.sin, jvpD: (x) => cos(x), vjpD: (x) => neg(cos(x)) }))
    expect(report.failure?.message).toMatch(/forward and reverse disagree/)
    expect(report.failure?.message).toMatch(/replay: pnpm crosscheck --op testSinBadVjp --seed 42/)
    // Shrinking reaches a single element (rank 0 or one dim of size 1).
    expect(report.failure?.message).toMatch(/arg 0: shape \[1?\], \w+, \[/)
  })

  test('rules that agree with each other but are off by 1e-4 fail against finite differences', () => {
    const report = check(unary({ name: 'testSinScaled', f: Math.sin, jvpD: (x) => mul(cos(x), 1 + 1e-4) }))
    expect(report.failure?.message).toMatch(/forward and finite differences disagree/)
    expect(report.worst.fwdRev).toBeLessThan(1e-10)
  })

  test('a float32 kernel off by 1e-3 fails the float32 check', () => {
    const kernel = (v: number, f32: boolean) => Math.sin(v) * (f32 ? 1.001 : 1)
    const report = check(unary({ name: 'testSinF32', f: Math.sin, jvpD: (x) => cos(x), kernel }))
    expect(report.failure?.message).toMatch(/float32 kernel is off/)
  })

  test('a kernel that ignores offsets and strides fails (inputs come in several layouts)', () => {
    const op = unary({ name: 'testSinRaw', f: Math.sin, jvpD: (x) => cos(x) })
    const report = check({
      ...op,
      primal: ([x]: readonly Tensor[]) => map(Tensor.fromArray(x.storage.data.slice(0, x.size), x.shape), Math.sin),
    } as Op)
    expect(report.failure?.message).toMatch(/, (offset|strided), /)
  })

  test('a kink fails without `avoid` (fast-check finds 0) and passes with it', () => {
    const relu = (avoid: boolean) =>
      unary({
        name: 'testRelu',
        f: (x) => (x > 0 ? x : 0),
        jvpD: (x) => gt(x, 0),
        values: avoid ? values(-2, 2, { avoid: [0] }) : real,
      })
    expect(check(relu(false)).failure?.message).toMatch(/finite differences disagree/)
    expect(check(relu(true)).failure).toBeUndefined()
  })

  test('ties fail without `distinct` (fast-check draws equal values) and pass with it', () => {
    expect(check(maximumOp(false), 200).failure?.message).toMatch(/finite differences disagree/)
    expect(check(maximumOp(true), 200).failure).toBeUndefined()
  })

  test('a domain no point can satisfy is a failure, not a pass', () => {
    const report = check(unary({ name: 'testEmpty', f: Math.sin, jvpD: (x) => cos(x), values: values(-1e-4, 1e-4, { avoid: [0] }) }))
    expect(report.failure?.message).toMatch(/no usable point/)
  })
})

describe('samples and finite differences', () => {
  const relu = unary({ name: 'testRelu', f: (x) => Math.max(x, 0), jvpD: (x) => gt(x, 0), values: values(-2, 2, { avoid: [0] }) })

  test('values stay `avoidMargin` away from avoided points', () => {
    const margin = avoidMargin(values(-2, 2, { avoid: [0] }))
    fc.assert(
      fc.property(fc.gen(), (gen) => {
        for (const a of drawPoint(gen, relu).args) for (const x of a.data) expect(Math.abs(x)).toBeGreaterThanOrEqual(margin * (1 - 1e-9))
      }),
      { numRuns: 200 },
    )
  })

  test('distinct values are at least 20 finite-difference steps apart', () => {
    const op = maximumOp(true)
    fc.assert(
      fc.property(fc.gen(), (gen) => {
        const sorted = primalArgs(drawPoint(gen, op)).flatMap((a) => [...a.data]).sort((p, q) => p - q)
        for (let i = 1; i < sorted.length; i++) expect(sorted[i] - sorted[i - 1]).toBeGreaterThan(20 * FD_STEP * 0.999)
      }),
      { numRuns: 200 },
    )
  })

  test('exactStep makes both finite-difference points exact and symmetric', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.double({ noNaN: true, min: -1e3, max: 1e3 }), (x0, v0) => {
        const [x, v] = exactStep(x0, v0)
        for (const h of [FD_STEP, FD_STEP / 2]) {
          const plus = x + h * v
          const minus = x - h * v
          // Exact: the differences recover the step, and the points' midpoint is x.
          expect(plus - x === h * v && x - minus === h * v).toBe(true)
        }
        expect(Math.abs(x - x0)).toBeLessThanOrEqual(8 * Number.EPSILON * Math.max(Math.abs(x0), Math.abs(FD_STEP * v0)) + 1e-300)
      }),
      { numRuns: 2000 },
    )
  })

  test('central differences with extrapolation reach ~1e-12 on smooth functions', () => {
    for (const x of [-3, -0.5, 0, 0.7, 10]) {
      const d = centralDifference((t) => ({ value: Math.exp(x + t), magnitude: Math.exp(x + t) }))
      expect(Math.abs(d.estimate - Math.exp(x))).toBeLessThan(1e-9 * Math.exp(x))
      expect(d.noise).toBeLessThan(1e-8 * Math.exp(x))
    }
  })
})
