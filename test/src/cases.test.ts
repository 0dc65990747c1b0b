// The case files in vitest, through the same runner as `pnpm cases`, and tests of the runner
// itself: a runner that passes everything would make every case file worthless.
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { runCase, runCases } from './cases/runner.js'
import { loadCaseFile, parseCaseFile } from './cases/format.js'
import { loadEngines } from '@ad/check/harness'

const engines = loadEngines()
const conformance = fileURLToPath(new URL('../../conformance/', import.meta.url))
const files = readdirSync(conformance).filter((f) => f.endsWith('.json'))

describe('case files (conformance/*.json), Hessians included, in all three engines', () => {
  test.each(files)('%s', (file) => {
    const { cases } = loadCaseFile(conformance + file)
    const results = runCases(cases, engines, { skipHessian: false })
    expect(results.filter((r) => r.hessianSkipped)).toEqual([])
    const failures = results.filter((r) => r.problems.length > 0).map((r) => `${r.id}: ${r.problems.join('; ')}`)
    expect(failures).toEqual([])
    expect(results.length).toBeGreaterThan(0)
  })
})

/** A small correct case: y = sin(x)·2 + x at x = [0.5, -1]. */
// A JSON case, which the tests below edit freely.
function goodCase(): Record<string, any> {
  const x = [0.5, -1]
  const value = x.map((v) => Math.sin(v) * 2 + v)
  const grads = x.map((v) => Math.cos(v) * 2 + 1)
  const tangents = [1, 0.25]
  return {
    id: 'runner-good',
    inputs: { x: { shape: [2], data: x } },
    expr: { op: 'add', args: [{ op: 'mul', args: [{ op: 'sin', args: [{ var: 'x' }] }, { const: 2 }] }, { var: 'x' }] },
    value: { shape: [2], data: value },
    grads: { x: { shape: [2], data: grads } },
    tangents: { x: { shape: [2], data: tangents } },
    jvp: { shape: [2], data: grads.map((g, i) => g * tangents[i]) },
    rtol: 1e-12,
    atol: 1e-14,
  }
}

const run = (c: unknown, skipHessian = true) => runCase(c, 0, engines, { skipHessian })

describe('the case runner', () => {
  test('passes a correct case', () => {
    expect(run(goodCase()).problems).toEqual([])
  })

  test('fails a case whose expected value is wrong, naming what differed', () => {
    const c = goodCase()
    c.value.data[1] += 1e-6
    const { problems } = run(c)
    expect(problems.join('\n')).toMatch(/value \(reverse\): max error 1\.00e-6/)
    expect(problems.join('\n')).toMatch(/value \(forward\)/)
    expect(problems.join('\n')).toMatch(/value \(compile\)/)
  })

  test('runs only the engines asked for (pnpm cases --engine)', () => {
    const c = goodCase()
    c.value.data[1] += 1e-6
    c.grads.x.data[0] += 1e-6
    const problems = runCase(c, 0, engines, { skipHessian: true, only: ['compile'] }).problems
    expect(problems).toEqual([
      expect.stringMatching(/^value \(compile\)/),
      expect.stringMatching(/^grads\.x \(compile\)/),
      expect.stringMatching(/^value \(compile\)/),
    ])
  })

  test('fails wrong grads (reverse, compile) and a wrong jvp (forward, compile) separately', () => {
    const badGrad = goodCase()
    badGrad.grads.x.data[0] *= -1
    expect(run(badGrad).problems).toEqual([expect.stringMatching(/^grads\.x \(reverse\)/), expect.stringMatching(/^grads\.x \(compile\)/)])
    const badJvp = goodCase()
    badJvp.jvp.data[0] += 1e-3
    expect(run(badJvp).problems).toEqual([expect.stringMatching(/^jvp \(forward\)/), expect.stringMatching(/^jvp \(compile\)/)])
  })

  test('fails (never skips) an unknown op or attribute', () => {
    const unknownOp = { ...goodCase(), expr: { op: 'frobnicate', args: [{ var: 'x' }] } }
    const op = run(unknownOp).problems.join('\n')
    expect(op).toMatch(/INVALID_ARGUMENT: unknown op 'frobnicate'/)
    const unknownAttr = { ...goodCase(), expr: { op: 'sum', args: [{ var: 'x' }], attrs: { axis: 0 } } }
    expect(run(unknownAttr).problems.join('\n')).toMatch(/INVALID_ARGUMENT: sum: unknown attribute 'axis'/)
  })

  test('reads untrusted files without reaching Object.prototype, and refuses runaway nesting', () => {
    // JSON.parse makes '__proto__' an own key; a case must treat it as a plain name.
    const polluted = JSON.parse(
      '{"id":"p","inputs":{"__proto__":{"shape":[1],"data":[0.5]}},"expr":{"op":"sin","args":[{"var":"__proto__"}]},' +
        '"value":{"shape":[1],"data":[0.479425538604203]},"rtol":1e-12,"atol":0}',
    )
    expect(run(polluted).problems).toEqual([])
    expect(({} as Record<string, unknown>).shape).toBeUndefined()
    const inherited = { ...goodCase(), tangents: { constructor: { shape: [2], data: [1, 1] } } }
    expect(run(inherited).problems).toEqual([expect.stringMatching(/'tangents' names 'constructor', which is not an input/)])
    const hessianOfNothing = { ...goodCase(), hessian: { wrt: 'toString', shape: [1, 1], data: [0] } }
    expect(run(hessianOfNothing).problems).toEqual([expect.stringMatching(/'hessian.wrt' names 'toString'/)])
    let deep: unknown = { var: 'x' }
    for (let i = 0; i < 10_000; i++) deep = { op: 'neg', args: [deep] }
    expect(run({ ...goodCase(), expr: deep }).problems).toEqual([expect.stringMatching(/nested more than 256 levels/)])
  })

  test('fails a malformed case instead of crashing', () => {
    expect(run({ id: 'bad', inputs: {}, expr: { op: 'sin' }, rtol: 0, atol: 0 }).problems).toEqual([expect.stringMatching(/malformed case/)])
    expect(() => parseCaseFile({ format: 'ad-cases/2', cases: [] }, 'x.json')).toThrow(/ad-cases\/1/)
  })

  test('gives zeros to an input that receives no gradient', () => {
    const c = goodCase()
    c.inputs.y = { shape: [3], data: [1, 2, 3] }
    c.grads.y = { shape: [3], data: [0, 0, 0] }
    expect(run(c).problems).toEqual([])
  })

  test('counts a Hessian it leaves out; without --skip-hessian checks it in every engine, or fails if an engine has none', () => {
    const { id, inputs, expr, rtol, atol } = goodCase()
    // d²/dx² Σ(2 sin x + x) = diag(−2 sin x).
    const h = [-2 * Math.sin(0.5), 0, 0, -2 * Math.sin(-1)]
    const c = { id, inputs, rtol, atol, expr: { op: 'sum', args: [expr] }, hessian: { wrt: 'x', shape: [2, 2], data: h } }
    expect(run(c, true)).toMatchObject({ problems: [], hessianSkipped: true })
    expect(run(c, false)).toMatchObject({ problems: [], hessianSkipped: false })
    const wrong = { ...c, hessian: { ...c.hessian, data: [0, 0, 0, 0] } }
    expect(run(wrong, false).problems).toEqual([
      expect.stringMatching(/^hessian wrt x \(forward\)/),
      expect.stringMatching(/^hessian wrt x \(reverse\)/),
      expect.stringMatching(/^hessian wrt x \(compile\)/),
    ])
    const withoutHessian = { ...engines, reverse: { ...engines.reverse, hessian: undefined } }
    expect(runCase(c, 0, withoutHessian, { skipHessian: false }).problems).toEqual([expect.stringMatching(/hessian \(reverse\): @ad\/reverse has no 'hessian'/)])
  })
})
