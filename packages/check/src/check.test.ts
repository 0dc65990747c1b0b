// The public checks on a user's own ops: an op declared here with `defineOp` (or
// `defineBinary`) works in both engines at once, `checkOp` passes it, and deliberately wrong
// ones fail both `checkOp` and `checkGrads`, with a report that says where. Op names are
// unique to this file: the registry refuses a name twice.
import { describe, expect, test } from 'vitest'
import { AdError, defineBinary, defineOp, drawShape, log, mul, real, sin, square, sum, tensor, values, cos, add, sqrt, div, type MaybeZero, type Value } from '@ad/core'
import { getOp } from '@ad/core/internal'
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { checkGrads, checkOp, CheckError, type CheckGradsReport } from './index.js'

/** x³, declared as a user would: the kernel, then the JVP and VJP with core ops (so they differentiate again). */
function cubeOp(name: string, vjpFactor = 3, jvpFactor = 3) {
  return defineOp({
    name,
    tex: '\\frac{d}{dx}f(x)',
    arity: 1,
    elementwise: true,
    // The scalar path: plain numbers stay numbers (forward's `derivative` of a number).
    scalar: (x) => x * x * x,
    shape: ([s]) => s,
    primal: ([x]) => mul(x, square(x)) as never,
    jvp: ({ args: [x] }, [t]): MaybeZero => (t === null ? null : mul(t, mul(jvpFactor, square(x)))),
    vjp: ({ args: [x] }, g): MaybeZero[] => [mul(g, mul(vjpFactor, square(x)))],
    domain: (draw) => ({ args: [{ shape: drawShape(draw), values: real }], attrs: {} }),
  })
}

const cube = cubeOp('testCheckCube')
/** The VJP is off (2x² instead of 3x²); the JVP is right. */
const cubeBadVjp = cubeOp('testCheckCubeBadVjp', 2, 3)
/** Both rules agree with each other and are both wrong: only finite differences can tell. */
const cubeBadBoth = cubeOp('testCheckCubeBadBoth', 2, 2)

/** hypot(a, b) = √(a² + b²) through `defineBinary`: partials only, broadcasting for free. */
const hypot = defineBinary({
  name: 'testCheckHypot',
  tex: '\\frac{d}{dx}f(x)',
  f: (a, b) => Math.hypot(a, b),
  da: (a, _b, y) => div(a, y),
  db: (_a, b, y) => div(b, y),
  values: [values(0.5, 2), values(-2, -0.5)],
})

/** cos(x) with no rules: not differentiable, a constant to both engines. */
const frozenCos = defineOp({
  name: 'testCheckFrozenCos',
  tex: '\\frac{d}{dx}f(x)',
  arity: 1,
  shape: ([s]) => s,
  primal: ([x]) => cos(x) as never,
  domain: (draw) => ({ args: [{ shape: drawShape(draw), values: real }], attrs: {} }),
})

/** sin whose rules use a frozen cos: first derivatives right, second derivatives 0 instead of −sin. */
const sinFrozen = defineOp({
  name: 'testCheckSinFrozen',
  tex: '\\frac{d}{dx}f(x)',
  arity: 1,
  elementwise: true,
  shape: ([s]) => s,
  primal: ([x]) => sin(x) as never,
  jvp: ({ args: [x] }, [t]): MaybeZero => (t === null ? null : mul(t, frozenCos(x))),
  vjp: ({ args: [x] }, g): MaybeZero[] => [mul(g, frozenCos(x))],
  domain: (draw) => ({ args: [{ shape: drawShape(draw), values: real }], attrs: {} }),
})

/** A kink at 1 whose rules take the wrong slope above it: x for x ≤ 1, 2x − 1 above, slope claimed 1 everywhere. */
const badKink = defineOp({
  name: 'testCheckBadKink',
  tex: '\\frac{d}{dx}f(x)',
  arity: 1,
  elementwise: true,
  shape: ([s]) => s,
  primal: ([x]) => {
    const data = x.contiguousData().map((v) => (v > 1 ? 2 * v - 1 : v))
    return tensor(data, { shape: [...x.shape], dtype: x.dtype })
  },
  jvp: (_ctx, [t]): MaybeZero => t,
  vjp: (_ctx, g): MaybeZero[] => [g],
  domain: (draw) => ({ args: [{ shape: drawShape(draw), values: values(-2, 2, { avoid: [1] }) }], attrs: {} }),
})

/** Shrinking bounded by a count of candidates, so counterexamples repeat exactly. */
const quiet = { shrinkMillis: 60_000, maxShrinks: 60 }

describe('a user-defined op works in both engines at once', () => {
  test('derivatives of cube in forward and reverse', () => {
    expect(F.derivative((x: number) => cube(x))(2)).toBe(12)
    const x = R.tensor([1, -2], { requiresGrad: true })
    R.sum(cube(x)).backward()
    expect(x.grad!.tolist()).toEqual([3, 12])
    const [, tangent] = F.jvp((v: any) => cube(v), [F.tensor([1, -2])], [F.tensor([1, 0.5])])
    expect(tangent.tolist()).toEqual([3, 6])
    // Second derivatives: its rules are written with core ops, so they differentiate again.
    expect(F.derivative((v: number) => F.derivative((w: number) => cube(w))(v))(2)).toBe(12)
    const [h] = R.grad((v: R.Tensor) => R.grad((w: R.Tensor) => R.sum(cube(w)))(v).sum())(R.tensor([2]) as never).tolist()
    expect(h).toBe(12)
  })

  test('defineBinary gives a user op broadcasting in both engines', () => {
    const a = R.tensor([[3], [6]], { requiresGrad: true })
    const b = R.tensor([4, 8], { requiresGrad: true })
    R.sum(hypot(a, b)).backward()
    // ∂/∂b_j Σ_i hypot(a_i, b_j) = Σ_i b_j / hypot(a_i, b_j).
    const expected = [4 / 5 + 4 / Math.hypot(6, 4), 8 / Math.hypot(3, 8) + 8 / 10]
    ;(b.grad!.tolist() as number[]).forEach((v, j) => expect(v).toBeCloseTo(expected[j], 14))
    const g = F.grad((u: any, v: any) => F.sum(hypot(u, v)), { argnums: [0, 1] })(F.tensor([[3], [6]]), F.tensor([4, 8]))
    expect(g[1].tolist()).toEqual(b.grad!.tolist())
    expect(g[0].tolist()).toEqual(a.grad!.tolist())
  })

  test('the registry refuses a second op of the same name', () => {
    expect(() => cubeOp('testCheckCube')).toThrow(AdError)
  })
})

describe('checkOp', () => {
  test('passes correct user ops (and built-in ones, by Op)', () => {
    for (const op of [cube, hypot, sinFrozen]) {
      const report = checkOp(op, { seed: 7, runs: 60, ...quiet })
      expect(report.failure?.message, op.op.name).toBeUndefined()
      expect(report).toMatchObject({ op: op.op.name, ok: true, differentiable: true, seed: 7, runs: 60, points: 60 })
      expect(report.worst.fwdRev).toBeLessThan(1e-10)
      expect(report.worst.revFd).toBeLessThan(1e-6)
    }
    expect(checkOp(getOp('tanh'), { seed: 1, runs: 20 }).ok).toBe(true)
  })

  test('fails a VJP that disagrees with the JVP, with a shrunk counterexample and the call that replays it', () => {
    const report = checkOp(cubeBadVjp, { seed: 3, runs: 100, ...quiet })
    expect(report.ok).toBe(false)
    const failure = report.failure!
    expect(failure.what).toMatch(/forward and reverse disagree/)
    expect(failure.counterexample).toMatch(/^op testCheckCubeBadVjp/)
    expect(failure.counterexample).toMatch(/arg 0: shape \[1?\]/)
    expect(failure.replay).toBe('checkOp(testCheckCubeBadVjp, { seed: 3 })')
    expect(report.points).toBeGreaterThan(0)
    // The seed replays the run, shrinking included, to the same counterexample.
    const again = checkOp(cubeBadVjp, { seed: failure.seed, ...quiet })
    expect(again.failure?.counterexample).toBe(failure.counterexample)
  })

  test('fails rules that agree with each other but not with finite differences', () => {
    const report = checkOp(cubeBadBoth, { seed: 3, runs: 100, ...quiet })
    expect(report.failure?.what).toMatch(/forward and finite differences disagree/)
  })

  test('throws a CheckError carrying the report with throwOnFailure', () => {
    let error: unknown
    try {
      checkOp(cubeBadVjp, { seed: 3, runs: 50, throwOnFailure: true, ...quiet })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(CheckError)
    expect((error as CheckError).message).toMatch(/testCheckCubeBadVjp: forward and reverse disagree/)
    expect((error as CheckError<{ ok: boolean }>).report.ok).toBe(false)
  })

  test('rejects something that is not an op', () => {
    expect(() => checkOp((() => 1) as never)).toThrow(/expects an op/)
  })
})

/** The report of a failing checkGrads, without throwing. */
function failing(f: (...xs: any[]) => unknown, inputs: unknown[], options = {}): CheckGradsReport {
  const report = checkGrads(f, inputs, { ...options, throwOnFailure: false })
  expect(report.ok).toBe(false)
  return report
}

describe('checkGrads', () => {
  test('passes correct functions of several inputs and outputs, forward and reverse, orders 1 to 3', () => {
    const f = (x: Value, y: Value) => [mul(sin(x), cube(y)), sum(mul(hypot(x, add(y, 3)), log(add(square(x), 1))))]
    const report = checkGrads(f, [tensor([[0.3, -1.2], [2, 0.7]]), tensor([0.5, -0.25])], { order: 3 })
    expect(report.ok).toBe(true)
    expect(report.checks.map((c) => [c.mode, c.order])).toEqual([['fwd', 1], ['fwd', 2], ['fwd', 3], ['rev', 1], ['rev', 2], ['rev', 3]])
    // 2 outputs of 4 + 1 elements against 4 + 2 input elements.
    expect(report.checks[0].compared).toBe(30)
    expect(report.worst!.ratio).toBeLessThanOrEqual(1)
    expect(report.message).toMatch(/^ok {3}forward, order 1 \(f\), 30 elements; worst/m)
  })

  test('a step relative to each input: log near 0 and sqrt at 1e-6 pass, as does a large input', () => {
    expect(checkGrads((x: Value) => log(x), [tensor([1e-6, 3, 1e4])]).ok).toBe(true)
    expect(checkGrads((x: Value) => sqrt(x), [tensor([1e-6, 0.5])]).ok).toBe(true)
    expect(checkGrads((x: Value) => mul(square(x), 1e-3), [tensor([-1e5, 1e5])]).ok).toBe(true)
  })

  test('float32 inputs are checked in float32 with looser defaults', () => {
    const report = checkGrads((x: Value) => mul(sin(x), x), [tensor([0.5, -1.5], { dtype: 'float32' })])
    // The report states the float32 default it applied (a step of 2^-8 leaves ~1e-4 of truncation).
    expect(report).toMatchObject({ ok: true, dtype: 'float32', rtol: 1e-3 })
  })

  test('throws a CheckError naming the worst element (PyTorch gradcheck raises too)', () => {
    expect(() => checkGrads((x: Value) => cubeBadVjp(x), [tensor([0.5, 2])])).toThrow(CheckError)
    try {
      checkGrads((x: Value) => cubeBadVjp(x), [tensor([0.5, 2])])
    } catch (e) {
      const error = e as CheckError<CheckGradsReport>
      expect(error.message).toMatch(/FAIL reverse, order 1 \(f\), 4 elements; worst ∂ output 0\[1\] \/ ∂ input 0\[1\]: analytic 8, numeric 11\.99999/)
      expect(error.message).not.toMatch(/FAIL forward/)
      expect(error.report.checks.map((c) => c.ok)).toEqual([true, false])
    }
  })

  test('a wrong VJP fails reverse only; rules wrong together fail both modes', () => {
    const rev = failing((x: Value) => cubeBadVjp(x), [tensor([0.5, 2])])
    expect(rev.checks.map((c) => [c.mode, c.ok])).toEqual([['fwd', true], ['rev', false]])
    expect(rev.worst).toMatchObject({ mode: 'rev', order: 1, input: 0, index: [1], output: 0, outputIndex: [1], analytic: 8 })
    expect(rev.worst!.numeric).toBeCloseTo(12, 8)
    const both = failing((x: Value) => cubeBadBoth(x), [tensor([0.5, 2])], { modes: ['fwd'] })
    expect(both.checks.map((c) => [c.mode, c.ok])).toEqual([['fwd', false]])
  })

  test('the worst element is located: which input, which index, which output', () => {
    const x = tensor([[0.5, 0.2, 0.1], [0.3, 0.4, 1.5]])
    const y = tensor(0.7)
    const report = failing((s: Value, v: Value) => [mul(s, 2), mul(badKink(v), s)], [y, x])
    expect(report.worst).toMatchObject({ input: 1, index: [1, 2], output: 1, outputIndex: [1, 2], analytic: 0.7 })
    expect(report.worst!.numeric).toBeCloseTo(1.4, 8)
  })

  test('order 2 catches second derivatives that order 1 cannot see, in each mode', () => {
    const f = (x: Value) => sinFrozen(x)
    const x = [tensor([0.4, -1.1])]
    expect(checkGrads(f, x).ok).toBe(true)
    const report = failing(f, x, { order: 2 })
    expect(report.checks.map((c) => [c.mode, c.order, c.ok])).toEqual([['fwd', 1, true], ['fwd', 2, false], ['rev', 1, true], ['rev', 2, false]])
    expect(report.checks[1].worst!.analytic).toBe(0)
  })

  test('misuse is an AdError (INVALID_ARGUMENT)', () => {
    const f = (x: Value) => sin(x)
    expect(() => checkGrads(f, [1], { modes: [] })).toThrow(AdError)
    expect(() => checkGrads(f, [1], { modes: ['sideways' as never] })).toThrow(/modes/)
    expect(() => checkGrads(f, [1], { order: 0 })).toThrow(/order/)
    expect(() => checkGrads(f, [1], { eps: 0 })).toThrow(/eps/)
    expect(() => checkGrads((x: Value) => log(x), [-1])).toThrow(/not finite/)
  })
})
