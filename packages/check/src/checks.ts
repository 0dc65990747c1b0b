import fc from 'fast-check'
import { mul, shapeOf, sum, type Op, type Tensor, type Value } from '@ad/core'
import { apply } from '@ad/core/internal'
import type { Engines, Fn } from './engines.js'
import { centralDifference, FD_STEP } from './fd.js'
import { assemble, cotangent, describePoint, drawPoint, materialize, primalArgs, type Point } from './sample.js'
import { checkCompiled, compiledDerivatives } from './compiled.js'
import { allFinite, dense, fmtShape, maxAbs, sameShape, toTensor, type Dense } from './values.js'

/**
 * Tolerances, each a relative error (see `Metrics` for what it is relative to). A failure
 * means the op or an engine is wrong: report it with the counterexample, never widen these
 * to make it pass. Wrong rules give errors of order 1 (a missing factor, a transposed
 * index, a wrong sign), far above every bound here.
 */
export const TOLERANCE = {
  /**
   * Forward against reverse: the same bilinear form Σ u_i J_ij v_j in float64, associated
   * differently (J v then u·, or uᵀJ then ·v). Each side rounds like a dot product of at
   * most a few hundred terms through a short chain of rules, k·ε with k ≲ 1e3, relative to
   * Σ|u_i (Jv)_i|; cancellation inside (Jv)_i with random directions adds about √n. 1e-10
   * is 4.5e5·ε: room for all of that, and still 1e-7-sized slips (a float32 intermediate)
   * get caught.
   */
  fwdRev: 1e-10,
  /**
   * Either engine against central differences (fd.ts). Rounding is accounted for by `noise`
   * (a disagreement under it always passes). Truncation after extrapolation is h⁴/480·|g⁽⁵⁾|
   * with h = 7.6e-6·max(1, |x|): 1e-22 relative for a function varying on the scale of x, and
   * still 1e-11 for batchNorm's √eps ≈ 3e-3 and 1/x at the 0.04 margin ((h/d)⁴ ≈ 1e-12).
   * What remains is the kernels' own accuracy: erf's approximation, accurate to ~1e-16
   * absolute but not smooth at that level, shows as up to 1e-7. 1e-6 sits above that; a
   * wrong rule is off by order 1 (the harness's own tests catch a 1e-4 error).
   */
  fd: 1e-6,
  /**
   * float32 kernels against float64 kernels on the same (float32-rounded) inputs, relative to
   * the scale of the result (see `checkFloat32`). Elementwise kernels compute in double and
   * round once (½ ulp = 6e-8); reductions and composite kernels keep float32 partial
   * results, and a sum of n terms then errs by up to n·ε32·Σ|terms| (Higham, Accuracy and
   * Stability of Numerical Algorithms, §4.2), 3e-5 of Σ|terms| for n = 256 (√n·ε32 ≈ 2e-6
   * typically). 1e-4 ≈ 840·ε32 covers that and short chains of such steps; an indexing or
   * dtype bug in a float32 path is off by order 1.
   */
  f32: 1e-4,
  /**
   * The engines' tangents and gradients in float32 against float64. A float32 path that is
   * wrong (or silently float64: the dtype is checked too) is off by order 1; one that is
   * merely float32 errs by k·ε32 of the terms its rules add up (sums of ≤ 256 terms: up to
   * n·ε32 = 3e-5). Those terms are not visible from outside, and a derivative along random
   * directions can cancel far below them (J v for logsumexp is Σ softmax_i·v_i), so the scale
   * is the larger of the derivative along (u, v) and along (|u|, |v|), which for Jacobians of
   * one sign (sums, means, pools, logsumexp) is exactly Σ|terms|, and the bound is loose:
   * 1e-3 ≈ 8400·ε32. It is there to catch wrong float32 paths, not imprecise ones.
   */
  f32Grad: 1e-3,
  /**
   * Two more routes to the same gradient Jᵀu, compared with `vjp`'s elementwise, relative to
   * its largest entry: forward `grad` with chunked tangents (rules run on a leading chunk
   * dim) and reverse with `createGraph` (rules run on taped tensors, the double-backward path;
   * an op's fused backward kernel, if it adds one, must agree with its rules). Float64 on both
   * sides, as forward against reverse above.
   */
  routes: 1e-10,
  /**
   * `@ad/compile` against the eager engines: its fused loops run the same scalar functions in
   * the same order per element, but fold reductions in another order (one pass, no blocking),
   * so a sum of n terms differs by up to n·ε·Σ|terms|. The primal is compared relative to
   * max(|f(x)|, |f(|x|)|) (Σ|terms| for sums, as the float32 check), its derivatives through the
   * same bilinear forms as forward against reverse, with the same bound.
   */
  compiled: 1e-10,
} as const

/**
 * float32 has no relative precision below its smallest normal number 2^-126 ≈ 1.2e-38
 * (subnormals thin out, then underflow to 0: square(1e-27) is 0 in float32). Absolute
 * errors below it are accepted whatever the output's scale.
 */
const FLOAT32_TINY = 2 ** -126
/** The same for float64: below 2^-1022 ≈ 2.2e-308 results are subnormal (x·y at x, y ≈ 1e-160). */
const FLOAT64_TINY = 2 ** -1022

/** The worst errors at one point (NaN: the check does not apply, e.g. a non-differentiable op). */
export interface Metrics {
  /** |<u, J v>_fwd − <Jᵀu, v>_rev| / max(Σ|u_i (Jv)_i|, Σ|(Jᵀu)_j v_j|, FLOAT64_TINY / TOLERANCE.fwdRev). */
  fwdRev: number
  /**
   * |<u, J v>_fwd − FD| / max(that scale, noise / TOLERANCE.fd): relative to the derivative's
   * scale, or to what finite differences can resolve (`fd.ts`) when that is coarser.
   */
  fwdFd: number
  /** The same for |<Jᵀu, v>_rev − FD|. */
  revFd: number
  /**
   * max_i |f32_i − f64_i| / max(max_i |f64_i|, max_i |f64(|x|)_i|, FLOAT32_TINY / TOLERANCE.f32),
   * both kernels on the float32-rounded inputs (see `checkFloat32`).
   */
  f32: number
  /**
   * Both engines in float32 against float64 on the same float32-rounded inputs and
   * directions: max |Δ(J v)| and max |Δ(Jᵀu)|, each relative to its scale (see the tolerance).
   */
  f32Grad: number
  /** max |forward grad(<u, f>) − Jᵀu| / max |Jᵀu|: forward's chunked `grad` against `vjp`. */
  chunked: number
  /** max |Jᵀu with createGraph − Jᵀu| / max |Jᵀu|: reverse's recorded backward against its plain one. */
  graph: number
  /** `@ad/compile`'s output, <u, J v> and <Jᵀu, v> against the eager engines' (see TOLERANCE.compiled). */
  compiled: number
}

export const METRIC_NAMES = ['fwdRev', 'fwdFd', 'revFd', 'f32', 'f32Grad', 'chunked', 'graph', 'compiled'] as const

export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly metrics?: Partial<Metrics>,
  ) {
    super(message)
    this.name = 'CheckFailure'
  }
}

export function fail(message: string, metrics?: Partial<Metrics>): never {
  throw new CheckFailure(message, metrics)
}

/** f as the engines see it: the op applied to the primals, constants closed over. */
function closure(point: Point): (...primals: unknown[]) => unknown {
  return (...primals) => apply(point.op, assemble(point, primals), point.attrs)
}

/** The kernel alone (no engine): the op on plain float64 tensors. */
function kernel(point: Point, primalData: readonly Float64Array[], dtype: 'float64' | 'float32' = 'float64'): Dense {
  const primals = primalArgs(point).map((a, i) => materialize(a, primalData[i], dtype))
  return dense(apply(point.op, assemble(point, primals, dtype), point.attrs), `${point.op.name}'s kernel output`)
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): { value: number; magnitude: number } {
  let value = 0
  let magnitude = 0
  for (let i = 0; i < a.length; i++) {
    value += a[i] * b[i]
    magnitude += Math.abs(a[i] * b[i])
  }
  return { value, magnitude }
}

/** |a − b| / scale, 0 when both are exactly equal (including a zero scale). */
export function relative(a: number, b: number, scale: number): number {
  const diff = Math.abs(a - b)
  return diff === 0 ? 0 : diff / scale
}

export function checkShape(actual: readonly number[], expected: readonly number[], what: string): void {
  if (!sameShape(actual, expected)) fail(`${what} has shape ${fmtShape(actual)}, expected ${fmtShape(expected)}`)
}

function checkSameValues(actual: Dense, expected: Dense, what: string): void {
  checkShape(actual.shape, expected.shape, what)
  const err = relative(maxAbs(actual.data.map((x, i) => x - expected.data[i])), 0, Math.max(maxAbs(expected.data), FLOAT64_TINY / TOLERANCE.fwdRev))
  if (!(err <= TOLERANCE.fwdRev)) fail(`${what} differs from the kernel's output (relative error ${err.toExponential(2)})`)
}

/**
 * (c) float32 against float64. Inputs are rounded to float32 first and both kernels see the
 * same values, so the comparison measures the float32 kernel, not the conditioning of the
 * op (which would amplify the input rounding, e.g. tan near π/2).
 *
 * The scale is the larger of max|f(x)| and max|f(|x|)| (constants unchanged). A float32 sum
 * errs in proportion to Σ|terms|, not to its result: sum([2, 2.4e-6, −2]) is 2.4e-6 but
 * rounds like 2. For every sum of products (sum, mean, matmul, linear, conv2d, pooling)
 * f(|x|) is exactly that Σ|terms|; for elementwise kernels, which round once, max|f(x)|
 * already bounds the error, and taking the larger never tightens a bound.
 */
function checkFloat32(point: Point): number {
  const rounded = point.args.map((a) => Float64Array.from(a.data, Math.fround))
  const withData = (dtype: 'float64' | 'float32'): unknown[] =>
    point.args.map((a, i) => materialize(a, rounded[i], dtype))
  const out64 = dense(apply(point.op, withData('float64'), point.attrs), 'float64 output')
  const out32 = dense(apply(point.op, withData('float32'), point.attrs), 'float32 output')
  if (out32.dtype !== 'float32') fail(`float32 inputs gave a ${out32.dtype} output`)
  checkShape(out32.shape, out64.shape, 'the float32 output')
  if (!allFinite(out64.data)) fail(`the float64 output on float32-rounded inputs is not finite (the domain should exclude this)`)
  let err = 0
  for (let i = 0; i < out64.data.length; i++) err = Math.max(err, Math.abs(out32.data[i] - out64.data[i]))
  const rel = relative(err, 0, Math.max(maxAbs(out64.data), magnitudeScale(point, rounded), FLOAT32_TINY / TOLERANCE.f32))
  if (!(rel <= TOLERANCE.f32)) {
    fail(`float32 kernel is off by ${rel.toExponential(2)} of the output's scale (tolerance ${TOLERANCE.f32})`, { f32: rel })
  }
  return rel
}

/** max|f(|x|)| in float64, differentiable args replaced by their magnitudes; 0 if that is not defined. */
export function magnitudeScale(point: Point, data: Float64Array[]): number {
  try {
    const args = point.args.map((a, i) => toTensor(a.shape, a.constant ? data[i] : data[i].map(Math.abs)))
    const out = dense(apply(point.op, args, point.attrs), 'f(|x|)').data
    return allFinite(out) ? maxAbs(out) : 0
  } catch {
    return 0
  }
}

/** Runs all checks at one point; throws a CheckFailure naming the check that failed. */
export function checkPoint(point: Point, engines: Engines): Metrics {
  const { op } = point
  const primals = primalArgs(point)
  const primalData = primals.map((a) => a.data)
  const out = kernel(point, primalData)
  if (!allFinite(out.data)) fail(`the output is not finite at this point (the op's domain should exclude it)`)
  const u = cotangent(point, out.data.length)
  const v = primals.map((a) => a.tangent)
  const f = closure(point)
  const x = primals.map((a) => materialize(a, a.data))
  // A number primal takes a number tangent (forward's scalar path); others a packed tensor.
  const tangents = primals.map((a, i) => (typeof x[i] === 'number' ? v[i][0] : toTensor(a.shape, v[i])))

  // Forward: u · (J v).
  const [fwdOut, fwdTangent] = engines.forward.jvp(f, x, tangents)
  checkSameValues(dense(fwdOut, "forward's output"), out, "forward's output")
  const jv = dense(fwdTangent, "forward's tangent", out.shape)
  checkShape(jv.shape, out.shape, "forward's output tangent")

  // Reverse: (Jᵀ u) · v.
  const [revOut, pullback] = engines.reverse.vjp(f, ...x)
  checkSameValues(dense(revOut, "reverse's output"), out, "reverse's output")
  const grads = pullback(toTensor(out.shape, u))
  if (!Array.isArray(grads) || grads.length !== primals.length) {
    fail(`reverse's pullback returned ${Array.isArray(grads) ? grads.length : typeof grads} gradients for ${primals.length} primals`)
  }
  const jtu = grads.map((g, i) => dense(g, `reverse's gradient ${i}`, primals[i].shape))
  jtu.forEach((g, i) => checkShape(g.shape, primals[i].shape, `reverse's gradient for primal ${i}`))

  const f32 = checkFloat32(point)
  const uTensor = toTensor(out.shape, u)
  const compiled = engines.compile === undefined ? undefined : checkCompiled(point, engines.compile, { f, x, tangents, u: uTensor, out })
  if (!op.differentiable) {
    // No tangent or gradient passes through: the output is a constant to both engines.
    if (maxAbs(jv.data) !== 0) fail(`forward passes a tangent through a non-differentiable op`, { f32 })
    if (jtu.some((g) => maxAbs(g.data) !== 0)) fail(`reverse passes a gradient through a non-differentiable op`, { f32 })
    if (compiled !== undefined && (maxAbs(compiled.jv.data) !== 0 || compiled.jtu.some((g) => maxAbs(g.data) !== 0))) {
      fail('compile passes a tangent or gradient through a non-differentiable op', { f32 })
    }
    return { ...NOT_APPLICABLE, f32, compiled: compiled?.primal ?? NaN }
  }
  if (primals.length === 0) return { ...NOT_APPLICABLE, f32, compiled: compiled?.primal ?? NaN }

  const fwd = dot(u, jv.data)
  const rev = jtu.reduce((acc, g, i) => {
    const d = dot(g.data, v[i])
    return { value: acc.value + d.value, magnitude: acc.magnitude + d.magnitude }
  }, { value: 0, magnitude: 0 })
  if (!Number.isFinite(fwd.value) || !Number.isFinite(rev.value)) {
    fail(`non-finite derivative: forward <u, Jv> = ${fwd.value}, reverse <Jᵀu, v> = ${rev.value}`, { f32 })
  }
  const scale = Math.max(fwd.magnitude, rev.magnitude, FLOAT64_TINY / TOLERANCE.fwdRev)
  const fwdRev = relative(fwd.value, rev.value, scale)

  // (b) central differences of t ↦ <u, f(x + t v)>, kernels only, in float64.
  const fd = centralDifference((t) => {
    const shifted = primalData.map((d, i) => d.map((xi, k) => xi + t * v[i][k]))
    return dot(u, kernel(point, shifted).data)
  }, FD_STEP)
  const fdScale = Math.max(scale, fd.noise / TOLERANCE.fd)
  const fwdFd = relative(fwd.value, fd.estimate, fdScale)
  const revFd = relative(rev.value, fd.estimate, fdScale)
  const metrics: Metrics = { ...NOT_APPLICABLE, fwdRev, fwdFd, revFd, f32 }
  const detail = `forward <u, Jv> = ${fwd.value}, reverse <Jᵀu, v> = ${rev.value}, central difference = ${fd.estimate} (rounding up to ${fd.noise.toExponential(1)})`
  if (!(fwdRev <= TOLERANCE.fwdRev)) fail(`forward and reverse disagree by ${fwdRev.toExponential(2)}: ${detail}`, metrics)
  if (!(fwdFd <= TOLERANCE.fd)) fail(`forward and finite differences disagree by ${fwdFd.toExponential(2)}: ${detail}`, metrics)
  if (!(revFd <= TOLERANCE.fd)) fail(`reverse and finite differences disagree by ${revFd.toExponential(2)}: ${detail}`, metrics)

  if (compiled !== undefined) metrics.compiled = compiledDerivatives(compiled, u, v, fwd, rev, scale, metrics)
  metrics.f32Grad = checkFloat32Engines(point, engines, u, out.shape, metrics)
  checkConstantArgs(point, engines, uTensor)
  metrics.chunked = checkChunked(engines, f, x, uTensor, jtu, metrics)
  metrics.graph = checkGraph(engines, f, x, uTensor, jtu, metrics)
  return metrics
}

/**
 * Both engines on float32 inputs: the tangent and the gradients must be float32 (a float32
 * computation never silently turns float64) and close to the float64 ones. Inputs, u and v
 * are rounded to float32 for both runs, so only the arithmetic differs.
 */
function checkFloat32Engines(point: Point, engines: Engines, u: Float64Array, outShape: readonly number[], metrics: Metrics): number {
  const primals = primalArgs(point)
  const round = (a: Float64Array) => Float64Array.from(a, Math.fround)
  const run = (dtype: 'float32' | 'float64', direction: (a: Float64Array) => Float64Array = round) => {
    const x = primals.map((a) => materialize(a, round(a.data), dtype))
    const f = (...xs: unknown[]) => apply(point.op, assemble(point, xs, dtype, (a) => round(a.data)), point.attrs)
    const [, tangent] = engines.forward.jvp(f, x, primals.map((a) => toTensor(a.shape, direction(a.tangent), dtype)))
    const [, pullback] = engines.reverse.vjp(f, ...x)
    const grads = pullback(toTensor(outShape, direction(u), dtype))
    return [dense(tangent, `forward's ${dtype} tangent`, outShape), ...grads.map((g, i) => dense(g, `reverse's ${dtype} gradient ${i}`, primals[i].shape))]
  }
  const single = run('float32')
  const double = run('float64')
  const magnitude = run('float64', (a) => round(a).map(Math.abs))
  const names = ['forward tangent', ...primals.map((_, i) => `reverse gradient ${i}`)]
  single.forEach((d, i) => {
    // An engine's exact zero (null) reads as float64 zeros: no dtype to check then.
    if (d.dtype !== 'float32' && maxAbs(d.data) !== 0) fail(`the ${names[i]} of float32 inputs is ${d.dtype}`, metrics)
  })
  /** The error of the tangent (k = [0]) or of all gradients together, relative to their scale. */
  const errorOf = (k: number[]) => {
    let err = 0
    let scale = FLOAT32_TINY / TOLERANCE.f32Grad
    for (const i of k) {
      scale = Math.max(scale, maxAbs(double[i].data), maxAbs(magnitude[i].data))
      for (let j = 0; j < double[i].data.length; j++) err = Math.max(err, Math.abs(single[i].data[j] - double[i].data[j]))
    }
    return relative(err, 0, scale)
  }
  const err = Math.max(errorOf([0]), errorOf(primals.map((_, i) => i + 1)))
  if (!(err <= TOLERANCE.f32Grad)) fail(`the engines' float32 derivatives are off by ${err.toExponential(2)} of their scale`, { ...metrics, f32Grad: err })
  return err
}

/**
 * The op's `constantArgs` (a `where` condition, class targets, pool indices) never get a
 * gradient, even when an engine is handed them as primals: both engines must give them zero.
 */
function checkConstantArgs(point: Point, engines: Engines, u: Tensor): void {
  const constant = point.op.constantArgs ?? []
  if (constant.length === 0) return
  const all = point.args.map((a) => materialize(a, a.data))
  const g = (...xs: unknown[]) => apply(point.op, xs, point.attrs)
  const [, pullback] = engines.reverse.vjp(g, ...all)
  const grads = pullback(u)
  const tangents = point.args.map((a, i) => toTensor(a.shape, constant.includes(i) ? a.data.map(() => 1) : new Float64Array(a.data.length)))
  const [, tangentOut] = engines.forward.jvp(g, all, tangents)
  for (const i of constant) {
    if (maxAbs(dense(grads[i], `reverse's gradient ${i}`, point.args[i].shape).data) !== 0) fail(`reverse gives a gradient to constant argument ${i}`)
  }
  if (maxAbs(dense(tangentOut, "forward's tangent", []).data) !== 0) fail(`forward passes a tangent from constant argument(s) ${constant.join(', ')}`)
}

const NOT_APPLICABLE: Metrics = { fwdRev: NaN, fwdFd: NaN, revFd: NaN, f32: NaN, f32Grad: NaN, chunked: NaN, graph: NaN, compiled: NaN }

/** max_i |a_i − b_i| over all gradients, relative to the largest |b_i|. */
function gradientError(actual: Dense[], expected: Dense[], what: string): number {
  let err = 0
  let scale = FLOAT64_TINY / TOLERANCE.routes
  expected.forEach((b, i) => {
    checkShape(actual[i].shape, b.shape, `${what} for primal ${i}`)
    scale = Math.max(scale, maxAbs(b.data))
    for (let k = 0; k < b.data.length; k++) err = Math.max(err, Math.abs(actual[i].data[k] - b.data[k]))
  })
  return relative(err, 0, scale)
}

/**
 * Forward's `grad` of <u, f(x)> w.r.t. every primal: all columns of J through the chunked
 * path. A chunk size of 3 gives most points several chunks and a remainder.
 */
function checkChunked(engines: Engines, f: Fn, x: (Tensor | number)[], u: Tensor, jtu: Dense[], metrics: Metrics): number {
  const grad = engines.forward.grad
  if (grad === undefined) return NaN
  const inner = (...xs: unknown[]) => sum(mul(f(...xs) as Value, u))
  const grads = grad(inner, { argnums: x.map((_, i) => i), chunkSize: 3 })(...x)
  const err = gradientError(grads.map((g, i) => dense(g, `forward grad ${i}`, shapeOf(x[i]))), jtu, "forward's chunked grad")
  if (!(err <= TOLERANCE.routes)) fail(`forward's chunked grad differs from reverse's vjp by ${err.toExponential(2)}`, { ...metrics, chunked: err })
  return err
}

/** Reverse's gradient with `createGraph`: the VJP rules on taped tensors. */
function checkGraph(engines: Engines, f: Fn, x: (Tensor | number)[], u: Tensor, jtu: Dense[], metrics: Metrics): number {
  const { autograd, tensor } = engines.reverse
  if (autograd === undefined || tensor === undefined) return NaN
  const leaves = x.map((xi) => tensor(xi, { requiresGrad: true }))
  const grads = autograd.grad(f(...leaves), leaves, { gradOutputs: u, createGraph: true, allowUnused: true })
  const err = gradientError(grads.map((g, i) => dense(g, `createGraph gradient ${i}`, shapeOf(x[i]))), jtu, 'the createGraph gradient')
  if (!(err <= TOLERANCE.routes)) fail(`reverse's gradient with createGraph differs from without by ${err.toExponential(2)}`, { ...metrics, graph: err })
  return err
}

export interface OpReport {
  name: string
  differentiable: boolean
  /** Points checked before the first failure (or all of them). */
  points: number
  skipped: number
  /** Worst of each metric over the points checked (NaN: not applicable). */
  worst: Metrics
  failure?: OpFailure
  millis: number
}

/** What failed, where, and how to get there again. */
export interface OpFailure {
  /** Everything below in one text: what failed, the counterexample, the replay hint. */
  message: string
  /** What failed at the counterexample (the check and its numbers), or why no point was usable. */
  what: string
  /** The shrunk counterexample: shapes, layouts, values, attrs, direction seed. */
  counterexample: string
  /** fast-check's seed: the same seed replays the run and its shrinking (a path cannot, with `fc.gen()`). */
  seed: number
  shrinks: number
  /** How to replay it (a command, or a call). */
  replay: string
}

export interface RunOptions {
  seed: number
  runs: number
  /** Stop shrinking after this long (the smallest counterexample so far is reported); default 5 s. */
  shrinkMillis?: number
  /**
   * Stop shrinking after this many candidates, too (default: no limit). Shrinking doubles
   * rarely ends on its own; a count, unlike a time, makes the counterexample repeat exactly.
   */
  maxShrinks?: number
  /** How a failure is replayed, for its report; default `pnpm crosscheck --op NAME --seed N`. */
  replay?: (seed: number) => string
}

function worse(a: number, b: number): number {
  if (Number.isNaN(a)) return b
  if (Number.isNaN(b)) return a
  return Math.max(a, b)
}

/**
 * Runs the property "every check holds" on `runs` points of the op's domain. On failure,
 * fast-check shrinks to a minimal point; the last failing point seen is that counterexample.
 */
export function runOp(op: Op, engines: Engines, options: RunOptions): OpReport {
  const start = performance.now()
  const worst: Metrics = { ...NOT_APPLICABLE }
  let points = 0
  let shrinking = false
  let last: { point: Point; error: unknown } | undefined

  const shrinkMillis = options.shrinkMillis ?? 5_000
  const maxShrinks = options.maxShrinks ?? Infinity
  let shrinkStart = 0
  let candidates = 0

  const property = fc.property(fc.gen(), (gen) => {
    // Past the shrink budget (time or candidates), every candidate passes: fast-check stops
    // there and the last failing point stays the reported counterexample.
    if (shrinking && (performance.now() - shrinkStart > shrinkMillis || ++candidates > maxShrinks)) return true
    const point = drawPoint(gen, op)
    try {
      const m = checkPoint(point, engines)
      if (!shrinking) {
        points++
        for (const k of METRIC_NAMES) worst[k] = worse(worst[k], m[k])
      }
    } catch (error) {
      if (!shrinking) {
        points++
        const m = error instanceof CheckFailure ? error.metrics : undefined
        for (const k of METRIC_NAMES) worst[k] = worse(worst[k], m?.[k] ?? NaN)
        shrinking = true
        shrinkStart = performance.now()
      }
      last = { point, error }
      throw error
    }
    return true
  })
  // Domain repairs (margins, gaps) rarely reject a point; ten rejections per run means the
  // domain cannot be met, and fast-check's default of 100 would take minutes to say so.
  const details = fc.check(property, { seed: options.seed, numRuns: options.runs, maxSkipsPerRun: 10 })
  const report: OpReport = {
    name: op.name,
    differentiable: op.differentiable,
    points,
    skipped: details.numSkips,
    worst,
    millis: performance.now() - start,
  }
  if (details.failed || last !== undefined) {
    const what =
      last === undefined
        ? `no usable point: ${details.numSkips} drawn points were rejected by the domain's constraints (${String(details.errorInstance ?? '')})`
        : errorText(last.error)
    const counterexample = last === undefined ? '' : describePoint(last.point)
    const replay = (options.replay ?? crosscheckCommand(op.name))(details.seed)
    report.failure = {
      message: `${op.name}: ${what}${counterexample === '' ? '' : `\n${counterexample}`}\n(after ${details.numShrinks} shrinks; replay: ${replay})`,
      what,
      counterexample,
      seed: details.seed,
      shrinks: details.numShrinks,
      replay,
    }
  }
  return report
}

/** The default replay hint: the crosscheck command for a registered op. */
function crosscheckCommand(name: string): (seed: number) => string {
  return (seed) => `pnpm crosscheck --op ${name} --seed ${seed}`
}

function errorText(error: unknown): string {
  if (error instanceof CheckFailure) return error.message
  if (error instanceof Error) return `threw ${error.name}: ${error.message}`
  return `threw ${String(error)}`
}

