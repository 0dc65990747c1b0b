import { ones, zeros } from '@ad/core'
import { apply, getOp } from '@ad/core/internal'
import { dense, fmtShape, sameShape, type Dense, type Engines } from '@ad/check/harness'
import { evaluate, tensorOf } from './evaluate.js'
import { validateCase, type Case, type TensorJson } from './format.js'

export type EngineName = 'forward' | 'reverse' | 'compile'
export const ENGINE_NAMES: readonly EngineName[] = ['forward', 'reverse', 'compile']

export interface CaseOptions {
  /** Leave `hessian` out (and count it); otherwise a missing engine `hessian` fails the case. */
  skipHessian: boolean
  /** The engines to run (default: every one the engines object has). */
  only?: readonly EngineName[]
}

export interface CaseResult {
  id: string
  /** What differed, one entry per failed comparison; empty when the case passes. */
  problems: string[]
  /** True when the case has a Hessian that `skipHessian` left out. */
  hessianSkipped: boolean
}

/**
 * `|a − b| ≤ atol + rtol·|b|` elementwise, b the oracle's value. Returns a description of
 * the worst violation, or undefined when all elements pass.
 */
export function compare(actual: Dense, expected: TensorJson, c: Pick<Case, 'rtol' | 'atol'>, what: string, shapeMustMatch = true): string | undefined {
  if (shapeMustMatch && !sameShape(actual.shape, expected.shape)) {
    return `${what}: shape ${fmtShape(actual.shape)}, expected ${fmtShape(expected.shape)}`
  }
  if (actual.data.length !== expected.data.length) {
    return `${what}: ${actual.data.length} elements, expected ${expected.data.length}`
  }
  let worst = -1
  let worstRatio = 0
  let maxError = 0
  for (let i = 0; i < expected.data.length; i++) {
    const a = actual.data[i]
    const b = expected.data[i]
    const error = Math.abs(a - b)
    const ratio = Number.isNaN(error) ? Infinity : error / (c.atol + c.rtol * Math.abs(b))
    if (!(error <= maxError)) maxError = error
    if (ratio > 1 && ratio > worstRatio) {
      worst = i
      worstRatio = ratio
    }
  }
  if (worst < 0) return undefined
  return (
    `${what}: max error ${maxError.toExponential(2)}; worst at [${worst}]: got ${actual.data[worst]}, expected ${expected.data[worst]} ` +
    `(allowed ${c.atol} + ${c.rtol}·|b|)`
  )
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code
    return `${typeof code === 'string' ? code : error.name}: ${error.message}`
  }
  return String(error)
}

/**
 * Runs one case: `value` in every engine, `grads` in reverse and compile (its `vjp` inside
 * `compile`), `jvp` in forward and compile, `hessian` in all three.
 */
export function runCase(raw: unknown, index: number, engines: Engines, options: CaseOptions): CaseResult {
  const valid = validateCase(raw, index)
  if ('error' in valid) return { id: valid.id, problems: [valid.error], hessianSkipped: false }
  const c = valid.case
  const problems: string[] = []
  const note = (p: string | undefined) => {
    if (p !== undefined) problems.push(p)
  }
  const names = Object.keys(c.inputs)
  const inputs = names.map((n) => tensorOf(c.inputs[n]))
  const f = (...xs: unknown[]) => evaluate(c.expr, new Map(names.map((n, i) => [n, xs[i]])))
  const running = (e: EngineName) => (options.only ?? ENGINE_NAMES).includes(e) && engines[e] !== undefined
  const compiler = engines.compile

  // Reverse (and compile): value, and grads (vjp with the cotangent, ones when absent).
  for (const engine of (['reverse', 'compile'] as const).filter(running)) try {
    const [out, pullback] =
      engine === 'reverse'
        ? engines.reverse.vjp(f, ...inputs)
        : [compiler!.compile(f)(...inputs), (u: unknown) => compiler!.compile((u: unknown, ...xs: unknown[]) => compiler!.vjp(f, ...xs)[1](u))(u, ...inputs) as unknown[]]
    const value = dense(out, 'the value')
    if (c.value !== undefined) note(compare(value, c.value, c, `value (${engine})`))
    if (c.grads !== undefined) {
      const cotangent = c.cotangent !== undefined ? tensorOf(c.cotangent) : ones([...value.shape])
      const grads = pullback(cotangent)
      for (const [name, expected] of Object.entries(c.grads)) {
        const i = names.indexOf(name)
        if (i < 0) {
          problems.push(`grads.${name}: no input named '${name}'`)
          continue
        }
        // An input that receives no gradient gets zeros (an engine may say so with null).
        note(compare(dense(grads[i], `the gradient of ${name}`, inputs[i].shape), expected, c, `grads.${name} (${engine})`))
      }
    }
  } catch (error) {
    problems.push(`${engine} threw ${describeError(error)}`)
  }

  // Forward (and compile): value, and jvp along the tangents (zeros for inputs without one).
  for (const engine of (['forward', 'compile'] as const).filter(running)) try {
    const tangents = names.map((n, i) => (c.tangents !== undefined && Object.hasOwn(c.tangents, n) ? tensorOf(c.tangents[n]) : zeros([...inputs[i].shape])))
    const [out, tangentOut] =
      engine === 'forward'
        ? engines.forward.jvp(f, inputs, tangents)
        : (compiler!.compile((...a: unknown[]) => compiler!.jvp(f, a.slice(0, names.length), a.slice(names.length)))(...inputs, ...tangents) as [unknown, unknown])
    const value = dense(out, 'the value')
    if (c.value !== undefined) note(compare(value, c.value, c, `value (${engine})`))
    if (c.jvp !== undefined) {
      if (c.tangents === undefined) problems.push("jvp: the case gives 'jvp' without 'tangents'")
      else note(compare(dense(tangentOut, 'the tangent', value.shape), c.jvp, c, `jvp (${engine})`))
    }
  } catch (error) {
    problems.push(`${engine} threw ${describeError(error)}`)
  }

  // Hessian of the (one-element) value itself w.r.t. one input, in every engine.
  let hessianSkipped = false
  if (c.hessian !== undefined) {
    if (options.skipHessian) hessianSkipped = true
    else for (const engine of ENGINE_NAMES.filter(running)) note(checkHessian(c, names, inputs, engines, engine))
  }
  return { id: c.id, problems, hessianSkipped }
}

function checkHessian(c: Case, names: string[], inputs: ReturnType<typeof tensorOf>[], engines: Engines, engine: EngineName): string | undefined {
  const expected = c.hessian!
  const compiler = engines.compile
  // compile's Hessian (forward over reverse on the graph) runs inside compile, as users call it.
  const hessian =
    engine === 'compile'
      ? compiler?.hessian === undefined
        ? undefined
        : (g: (x: unknown) => unknown) => compiler.compile(compiler.hessian!(g))
      : engines[engine].hessian
  if (typeof hessian !== 'function') return `hessian (${engine}): @ad/${engine} has no 'hessian' yet (run with --skip-hessian to leave Hessians out)`
  const k = names.indexOf(expected.wrt)
  if (k < 0) return `hessian: no input named '${expected.wrt}'`
  try {
    const reshape = getOp('reshape')
    // The value has one element ([] or [1]); the Hessian is of that element, as a scalar function.
    const g = (x: unknown) => {
      const env = new Map<string, unknown>(names.map((n, i) => [n, i === k ? x : inputs[i]]))
      return apply(reshape, [evaluate(c.expr, env)], reshape.parseAttrs({ shape: [] }))
    }
    const h = dense(hessian(g)(inputs[k]), `the ${engine} Hessian`)
    // The engine's Hessian has shape [..in, ..in]; the case gives it flattened to [n, n].
    return compare(h, expected, c, `hessian wrt ${expected.wrt} (${engine})`, false)
  } catch (error) {
    return `hessian (${engine}) threw ${describeError(error)}`
  }
}


/** Runs every case of a parsed file. */
export function runCases(cases: readonly unknown[], engines: Engines, options: CaseOptions): CaseResult[] {
  return cases.map((raw, i) => runCase(raw, i, engines, options))
}
