import { add, mul, sum, Tensor, tensor, type DType } from '@ad/core'
import { mulberry32 } from '@ad/core'
import { isTraced } from '@ad/core/internal'
import { jvp as forwardJvp } from '@ad/forward'
import { grad as reverseGrad, vjp as reverseVjp } from '@ad/reverse'
import { CheckError, invalidUse } from './errors.js'
import { centralDifferences, EPS32, EPS64 } from './fd.js'
import { dense, type Dense } from './values.js'

export type Mode = 'fwd' | 'rev'

export interface CheckGradsOptions {
  /** Which engines to check: forward's `jvp` and reverse's `vjp` (default both). */
  modes?: readonly Mode[]
  /** Derivatives up to this order, by recursion (default 1; see `checkGrads`). */
  order?: number
  /**
   * The relative step: input element x moves by about eps·max(|x|, 2^-10), rounded to a
   * power of two. Default ε^(1/3) of the inputs' dtype: 2^-17 ≈ 7.6e-6 for float64,
   * 2^-8 ≈ 3.9e-3 for float32.
   */
  eps?: number
  /**
   * An element passes when |analytic − numeric| ≤ atol + rtol·|numeric| + rounding, the
   * last being what central differences cannot resolve (computed from f's values, as in the
   * cross-validation suite). Defaults: float64 atol 1e-9, rtol 1e-6; float32 atol 1e-5, rtol 1e-3.
   */
  atol?: number
  rtol?: number
  /** Throw a `CheckError` on failure (default true, as PyTorch's `gradcheck`); false returns the report. */
  throwOnFailure?: boolean
}

/** One element of a Jacobian: ∂ output[outputIndex] / ∂ inputs[input][index]. */
export interface GradcheckElement {
  /** Which input (argument of f), and the element's multi-index in it. */
  input: number
  index: number[]
  /** Which output (0 unless f returns an array), and the element's multi-index in it. */
  output: number
  outputIndex: number[]
  /** The engine's derivative, and central differences'. */
  analytic: number
  numeric: number
  /** |analytic − numeric|, and what was allowed: atol + rtol·|numeric| + rounding. */
  error: number
  allowed: number
  /** error / allowed: above 1 fails (Infinity for a NaN on one side only). */
  ratio: number
  /** The step this input element moved by. */
  step: number
}

/** One engine at one order: the worst element of the Jacobian of its derivative function. */
export interface GradcheckEntry {
  mode: Mode
  order: number
  /** What was differentiated: f at order 1, then the engine's own derivative of the previous order. */
  function: string
  ok: boolean
  /** Jacobian elements compared. */
  compared: number
  /** The element with the largest error/allowed ratio (undefined when f has no input or no output element). */
  worst?: GradcheckElement
}

export interface CheckGradsReport {
  ok: boolean
  dtype: DType
  eps: number
  atol: number
  rtol: number
  /** One entry per mode and order, in the order checked. */
  checks: GradcheckEntry[]
  /** The worst element over all checks, and its check. */
  worst?: GradcheckElement & { mode: Mode; order: number }
  /** A line per check: the worst element, and whether it passed. */
  message: string
}

type Fn = (...args: any[]) => unknown

/** An input element moves by at least eps·2^-10 (see `stepFor`). */
const SMALLEST_SCALE = 2 ** -10

/**
 * Checks f's derivatives like PyTorch's `gradcheck` and JAX's `check_grads`: each engine's
 * Jacobian against central differences, element by element, reporting the worst element
 * (which input and index, which output and index, analytic against numeric).
 *
 * - `f` takes `inputs.length` tensors and returns a tensor, a number, or an array of them.
 *   Write it with the free functions (`mul(x, y)`, not `x.mul(y)`), from `@ad/core` or
 *   either engine: they are the same functions, so one f runs in both engines.
 * - Inputs are tensors, numbers or nested arrays; all are differentiated. float64 inputs
 *   are the ones to check with (float32 gets looser defaults).
 * - Forward (`'fwd'`): one `jvp` per input element, along its unit vector, gives a column of
 *   the Jacobian. Reverse (`'rev'`): one `vjp` pullback per output element gives a row.
 * - Numeric: each input element in turn moves by ±h and ±h/2, and Richardson extrapolation
 *   of the two central quotients cancels the h² error (see `fd.ts`). The step is scaled to
 *   the element: h = eps·max(|x|, 2^-10), as a power of two so that x ± h is exact. Relative
 *   to |x|, x ± h never changes sign, so a point near a domain boundary at 0 (log, sqrt,
 *   1/x) stays inside it; the floor 2^-10 keeps the step large enough that rounding (which
 *   grows like ε|f|/h) does not swamp the difference at x = 0.
 * - Higher orders by recursion, as `check_grads`: order k checks, in each mode, the
 *   Jacobian of that engine's own derivative function of order k−1. Forward: x ↦ J(x)·v
 *   (the `jvp` along fixed random directions v), differentiated by forward over forward.
 *   Reverse: x ↦ J(x)ᵀ·u (the `vjp` with a fixed random cotangent u), differentiated by
 *   reverse over reverse (`createGraph`). So order 2 checks Hessian-vector products, the
 *   second derivatives an engine's `hessian` is built from.
 *
 * Returns a report when every element passes. On a failure it throws a `CheckError` whose
 * `report` is the report (as `gradcheck` raises), or with `throwOnFailure: false` returns it
 * with `ok: false`. Misuse (bad options, f not finite at the inputs) throws an `AdError`
 * (`INVALID_ARGUMENT`).
 */
export function checkGrads(f: Fn, inputs: readonly unknown[], options: CheckGradsOptions = {}): CheckGradsReport {
  if (typeof f !== 'function') throw invalidUse('checkGrads: expects checkGrads(f, inputs, options?) with f a function.')
  if (!Array.isArray(inputs)) throw invalidUse('checkGrads: inputs must be an array (one entry per argument of f).')
  const modes = options.modes ?? (['fwd', 'rev'] as const)
  if (modes.length === 0 || modes.some((m) => m !== 'fwd' && m !== 'rev')) {
    throw invalidUse(`checkGrads: modes must be a non-empty list of 'fwd' and 'rev', got ${JSON.stringify(modes)}.`)
  }
  const order = options.order ?? 1
  if (!Number.isSafeInteger(order) || order < 1) throw invalidUse(`checkGrads: order must be a positive integer, got ${String(options.order)}.`)
  const xs = inputs.map((x, i) => plainInput(x, i))
  const dtype: DType = xs.some((x) => x.dtype === 'float32') ? 'float32' : 'float64'
  const defaults = dtype === 'float32' ? { eps: 2 ** -8, atol: 1e-5, rtol: 1e-3 } : { eps: 2 ** -17, atol: 1e-9, rtol: 1e-6 }
  const eps = options.eps ?? defaults.eps
  const atol = options.atol ?? defaults.atol
  const rtol = options.rtol ?? defaults.rtol
  for (const [name, value] of [['eps', eps], ['atol', atol], ['rtol', rtol]] as const) {
    if (!(value >= 0 && Number.isFinite(value)) || (name === 'eps' && value === 0)) {
      throw invalidUse(`checkGrads: ${name} must be a ${name === 'eps' ? 'positive' : 'non-negative'} finite number, got ${String(value)}.`)
    }
  }
  const settings: Settings = { eps, atol, rtol, roundoff: dtype === 'float32' ? EPS32 : EPS64 }

  const checks: GradcheckEntry[] = []
  for (const mode of modes) {
    let fn: Fn = f
    let what = 'f'
    for (let k = 1; k <= order; k++) {
      if (k > 1) {
        fn = derivativeFunction(mode, fn, xs, k)
        what = mode === 'fwd' ? `x ↦ jvp(${what}, x, v${k - 1})` : `x ↦ vjp(${what}, x)(u${k - 1})`
      }
      checks.push(checkOne(mode, k, what, fn, xs, settings))
    }
  }
  let worst: CheckGradsReport['worst']
  for (const c of checks) {
    if (c.worst !== undefined && (worst === undefined || c.worst.ratio > worst.ratio)) worst = { ...c.worst, mode: c.mode, order: c.order }
  }
  const ok = checks.every((c) => c.ok)
  const report: CheckGradsReport = { ok, dtype, eps, atol, rtol, checks, worst, message: checks.map(describeEntry).join('\n') }
  if (!ok && options.throwOnFailure !== false) {
    const failed = checks.filter((c) => !c.ok).map(describeEntry)
    throw new CheckError(`checkGrads: the derivatives differ from central differences.\n${failed.join('\n')}`, report)
  }
  return report
}

interface Settings {
  eps: number
  atol: number
  rtol: number
  /** The unit roundoff of the dtype f computes in. */
  roundoff: number
}

/** A copy of an input as a plain core tensor (never one an engine tracks), in its own dtype. */
function plainInput(x: unknown, i: number): Tensor {
  if (x instanceof Tensor) {
    const data = x.contiguousData()
    return Tensor.fromArray(x.dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), [...x.shape])
  }
  if (isTraced(x)) throw invalidUse(`checkGrads: input ${i} is a value an engine is tracking (a dual); pass plain tensors or numbers.`)
  try {
    return tensor(x as never)
  } catch (error) {
    throw invalidUse(`checkGrads: input ${i} is not a tensor, a number or nested arrays of numbers (${(error as Error).message}).`)
  }
}

/** f's outputs as dense float64 arrays: a value, or an array of values. */
function outputsOf(out: unknown, who: string): Dense[] {
  if (Array.isArray(out)) return out.map((o, i) => dense(o, `${who}, output ${i},`))
  return [dense(out, `${who}'s output`)]
}

function withData(x: Tensor, data: Float64Array): Tensor {
  return Tensor.fromArray(x.dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), [...x.shape])
}

/** Multi-index of flat (row-major) index k in `shape`. */
function unravel(k: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length)
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = k % shape[d]
    k = Math.floor(k / shape[d])
  }
  return index
}

/**
 * The step of one input element: eps·max(|x|, 2^-10), rounded down to a power of two. A
 * power of two h ≥ ulp(x) makes x ± h and x ± h/2 exact (except when x ± h crosses a power
 * of two upwards, off by one ulp of x, a relative 1e-11 of the step), so the points are
 * symmetric about x and the quotient measures f, not the rounding of its arguments.
 */
function stepFor(x: number, eps: number): number {
  return 2 ** Math.floor(Math.log2(eps * Math.max(Math.abs(x), SMALLEST_SCALE)))
}

/**
 * The Jacobian of `fn` at xs three ways, engine and numeric, compared element by element.
 * J[i] is the block of input i, row-major [output element, input element].
 */
function checkOne(mode: Mode, order: number, what: string, fn: Fn, xs: Tensor[], s: Settings): GradcheckEntry {
  const outs = outputsOf(fn(...xs), what)
  for (const [o, out] of outs.entries()) {
    if (!out.data.every(Number.isFinite)) {
      throw invalidUse(`checkGrads: ${what} is not finite at the inputs (output ${o}); check at a point where it is defined.`)
    }
  }
  const offsets: number[] = []
  let total = 0
  for (const out of outs) {
    offsets.push(total)
    total += out.data.length
  }
  const analytic = mode === 'fwd' ? forwardJacobian(fn, xs, total, what) : reverseJacobian(fn, xs, outs, offsets, what)
  const locate = (m: number): [number, number[]] => {
    let o = outs.length - 1
    while (o > 0 && offsets[o] > m) o--
    return [o, unravel(m - offsets[o], outs[o].shape)]
  }

  let compared = 0
  let worst: GradcheckElement | undefined
  xs.forEach((x, i) => {
    const base = Float64Array.from(x.contiguousData())
    const n = base.length
    for (let k = 0; k < n; k++) {
      const h = stepFor(base[k], s.eps)
      const column = centralDifferences(
        (t) => {
          const moved = Float64Array.from(base)
          moved[k] += t
          const args = xs.map((y, j) => (j === i ? withData(x, moved) : y))
          return concat(outputsOf(fn(...args), what), total)
        },
        h,
        s.roundoff,
      )
      for (let m = 0; m < total; m++) {
        const a = analytic[i][m * n + k]
        const num = column.estimate[m]
        const allowed = s.atol + s.rtol * Math.abs(num) + column.noise[m]
        const error = Object.is(a, num) ? 0 : Math.abs(a - num)
        const ratio = error === 0 ? 0 : Number.isNaN(error) ? Infinity : error / allowed
        compared++
        if (worst === undefined || ratio > worst.ratio) {
          const [output, outputIndex] = locate(m)
          worst = { input: i, index: unravel(k, x.shape), output, outputIndex, analytic: a, numeric: num, error, allowed, ratio, step: h }
        }
      }
    }
  })
  return { mode, order, function: what, ok: worst === undefined || worst.ratio <= 1, compared, worst }
}

function concat(outs: Dense[], total: number): Float64Array {
  const all = new Float64Array(total)
  let at = 0
  for (const o of outs) {
    all.set(o.data, at)
    at += o.data.length
  }
  return all
}

/** Forward: a `jvp` per input element along its unit vector is a column of the Jacobian. */
function forwardJacobian(fn: Fn, xs: Tensor[], total: number, what: string): Float64Array[] {
  const blocks = xs.map((x) => new Float64Array(total * x.size))
  const zeros = xs.map((x) => withData(x, new Float64Array(x.size)))
  xs.forEach((x, i) => {
    const n = x.size
    for (let k = 0; k < n; k++) {
      const unit = new Float64Array(n)
      unit[k] = 1
      const tangents = zeros.map((z, j) => (j === i ? withData(x, unit) : z))
      const [, tangentOut] = forwardJvp(fn, xs, tangents)
      const column = concat(outputsOf(tangentOut, `forward's tangent of ${what}`), total)
      for (let m = 0; m < total; m++) blocks[i][m * n + k] = column[m]
    }
  })
  return blocks
}

/** Reverse: a pullback per output element, with its unit cotangent, is a row of the Jacobian. */
function reverseJacobian(fn: Fn, xs: Tensor[], outs: Dense[], offsets: number[], what: string): Float64Array[] {
  const total = outs.reduce((acc, o) => acc + o.data.length, 0)
  const blocks = xs.map((x) => new Float64Array(total * x.size))
  outs.forEach((out, o) => {
    const pick = (...args: unknown[]) => {
      const r = fn(...args)
      return Array.isArray(r) ? r[o] : r
    }
    const [, pullback] = reverseVjp(pick, ...xs)
    for (let j = 0; j < out.data.length; j++) {
      const unit = new Float64Array(out.data.length)
      unit[j] = 1
      const grads = pullback(tensor(unit, { shape: [...out.shape], dtype: out.dtype }))
      const m = offsets[o] + j
      xs.forEach((x, i) => {
        const row = dense(grads[i], `reverse's gradient of ${what} for input ${i}`, x.shape).data
        blocks[i].set(row, m * x.size)
      })
    }
  })
  return blocks
}

/**
 * The engine's derivative of `fn` as a function of the same inputs, for the next order:
 * forward, x ↦ jvp(fn, x, v)[1]; reverse, x ↦ the gradients of <u, fn(x)>, an array with one
 * gradient per input. v and u are fixed random directions with entries in [−1, 1]: random,
 * not all ones, so that a transposed or misplaced second derivative does not cancel out.
 */
function derivativeFunction(mode: Mode, fn: Fn, xs: Tensor[], order: number): Fn {
  const next = mulberry32(0x9e3779b9 ^ (order * 0x85ebca6b) ^ (mode === 'fwd' ? 0 : 0x27d4eb2f))
  const random = (n: number) => Float64Array.from({ length: n }, () => 2 * next() - 1)
  if (mode === 'fwd') {
    const vs = xs.map((x) => withData(x, random(x.size)))
    return (...args: unknown[]) => forwardJvp(fn, args, vs)[1]
  }
  const outs = outputsOf(fn(...xs), 'f')
  const us = outs.map((o) => tensor(random(o.data.length), { shape: [...o.shape], dtype: o.dtype }))
  const inner = (...args: unknown[]) => {
    const r = fn(...args)
    const list = Array.isArray(r) ? r : [r]
    return list.reduce((acc: unknown, o, k) => add(acc as never, sum(mul(o as never, us[k]))), 0)
  }
  const argnums = xs.map((_, i) => i)
  return (...args: unknown[]) => reverseGrad(inner, { argnums })(...args)
}

function fmt(x: number): string {
  return Number.isFinite(x) && x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6) ? x.toExponential(3) : String(x)
}

function describeEntry(c: GradcheckEntry): string {
  const engine = c.mode === 'fwd' ? 'forward' : 'reverse'
  const head = `${c.ok ? 'ok  ' : 'FAIL'} ${engine}, order ${c.order} (${c.function}), ${c.compared} elements`
  const w = c.worst
  if (w === undefined) return `${head}: nothing to compare`
  const at = `∂ output ${w.output}[${w.outputIndex.join(',')}] / ∂ input ${w.input}[${w.index.join(',')}]`
  return (
    `${head}; worst ${at}: analytic ${fmt(w.analytic)}, numeric ${fmt(w.numeric)}, ` +
    `error ${fmt(w.error)} ${w.ratio <= 1 ? '≤' : '>'} allowed ${fmt(w.allowed)} (step ${fmt(w.step)})`
  )
}
