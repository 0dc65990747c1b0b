import { shapeOf, type Tensor } from '@ad/core'
import { checkShape, dot, fail, magnitudeScale, relative, TOLERANCE, type Metrics } from './checks.js'
import type { CompileEngine, Fn } from './engines.js'
import type { Point } from './sample.js'
import { dense, maxAbs, type Dense } from './values.js'

/** What `@ad/compile` gave at one point: its primal's error, its tangent J v and its gradients Jᵀu. */
export interface CompiledRun {
  primal: number
  jv: Dense
  jtu: Dense[]
}

interface At {
  f: Fn
  x: (Tensor | number)[]
  tangents: unknown[]
  u: Tensor
  out: Dense
}

/**
 * The third engine at one point: the op compiled, both as generated code and with its graph
 * interpreted (as where code generation is forbidden), against the kernel; then its `jvp` and
 * `vjp` run inside `compile`, so the derivatives come from the registry's rules over the
 * traced graph and run as generated code. Their bilinear forms are compared with the eager
 * engines' by `compiledDerivatives`.
 */
export function checkCompiled(point: Point, engine: CompileEngine, { f, x, tangents, u, out }: At): CompiledRun {
  const n = x.length
  const scale = Math.max(maxAbs(out.data), magnitudeScale(point, point.args.map((a) => a.data)), Number.MIN_VALUE / TOLERANCE.compiled)
  let primal = 0
  for (const codegen of [true, false]) {
    const what = `compile's output (${codegen ? 'generated code' : 'interpreted graph'})`
    const y = dense(engine.compile(f, { codegen })(...x), what)
    checkShape(y.shape, out.shape, what)
    let err = 0
    for (let i = 0; i < y.data.length; i++) err = Math.max(err, Math.abs(y.data[i] - out.data[i]))
    const rel = relative(err, 0, scale)
    if (!(rel <= TOLERANCE.compiled)) fail(`${what} differs from the kernel's by ${rel.toExponential(2)} of its scale`, { compiled: rel })
    primal = Math.max(primal, rel)
  }
  const [, tangent] = engine.compile((...a: unknown[]) => engine.jvp(f, a.slice(0, n), a.slice(n)))(...x, ...tangents) as [unknown, unknown]
  const jv = dense(tangent, "compile's tangent", out.shape)
  checkShape(jv.shape, out.shape, "compile's output tangent")
  const grads = engine.compile((...a: unknown[]) => engine.vjp(f, ...a.slice(0, n))[1](a[n]))(...x, u) as unknown[]
  if (!Array.isArray(grads) || grads.length !== n) fail(`compile's pullback returned ${Array.isArray(grads) ? grads.length : typeof grads} gradients for ${n} primals`)
  const jtu = grads.map((g, i) => dense(g, `compile's gradient ${i}`, shapeOf(x[i])))
  jtu.forEach((g, i) => checkShape(g.shape, shapeOf(x[i]), `compile's gradient for primal ${i}`))
  return { primal, jv, jtu }
}

/** <u, J v> and <Jᵀu, v> of the compiled run against forward's and reverse's, as forward against reverse. */
export function compiledDerivatives(
  run: CompiledRun,
  u: Float64Array,
  v: readonly Float64Array[],
  fwd: { value: number },
  rev: { value: number },
  scale: number,
  metrics: Metrics,
): number {
  const cf = dot(u, run.jv.data).value
  const cr = run.jtu.reduce((acc, g, i) => acc + dot(g.data, v[i]).value, 0)
  const err = Math.max(run.primal, relative(cf, fwd.value, scale), relative(cr, rev.value, scale))
  if (!(err <= TOLERANCE.compiled)) {
    fail(`compile's derivatives differ from the eager engines' by ${err.toExponential(2)}: <u, Jv> ${cf} against ${fwd.value}, <Jᵀu, v> ${cr} against ${rev.value}`, { ...metrics, compiled: err })
  }
  return err
}
