import { add, AdError, cat, expectFunction, full, optionsOf, reshape, shapeOf, tensor, unsqueeze, zeros, type Value } from '@ad/core'
import { resolveArgnums, TRACE } from '@ad/core/internal'
import { isNode, sizeOfShape, type Graph, type Node } from './graph.js'
import { outputValue, replay } from './replay.js'
import { pullback, pushforward } from './rules.js'
import { asValueArgs, leavesPerArg, resultOf, traceCall, type Fn, type Traced } from './traceCall.js'
import { Tracer } from './tracer.js'
import { flatten } from './tree.js'
import { Symbolic } from './symbolic.js'

/**
 * The transforms of the eager engines, on a traced graph: f is traced once for the shapes
 * of the call, the graph is replayed on the actual arguments, and the registry's JVP or VJP
 * rules run over the replayed values. Inside `compile` those values are symbolic, so the
 * derivative is recorded into the compiled graph; nested transforms replay into the trace of
 * the enclosing one, so they compose (a Hessian is `jacfwd(grad(f))`, as in JAX).
 */

export interface TransformOptions {
  /** Which argument(s) to differentiate: an index (default 0), or an array of indices for an array of results. */
  argnums?: number | readonly number[]
}

/** The differentiated arguments: core's one reading of argnums (negative counts from the end, as JAX). */
function argnumList(who: string, argnums: TransformOptions['argnums'], nargs: number): number[] {
  return resolveArgnums(who, argnums ?? 0, nargs)
}

/** A traced call replayed on its own arguments: the graph, every node's value, the result. */
interface Run extends Traced {
  readonly env: Value[]
  readonly outputs: Value[]
  /** The enclosing trace a run in place records into. */
  readonly tracer?: Tracer
}

function run(who: string, f: Fn, args: readonly unknown[]): Run {
  const inPlace = runInPlace(who, f, args)
  if (inPlace !== null) return inPlace
  const traced = traceCall(who, f, args)
  const env = replay(traced.graph, traced.leaves)
  return { ...traced, env, outputs: traced.graph.outputs.map((o) => outputValue(env, o)) }
}

/**
 * Inside an enclosing trace (`compile(grad(f))`), f applied to that trace's values records
 * its ops there already: those nodes are the graph the rules run over, with the argument
 * leaves' nodes as its inputs, instead of tracing f apart and replaying it (half the
 * tracing). Only when every leaf is a distinct value of one trace; null otherwise.
 */
function runInPlace(who: string, f: Fn, rawArgs: readonly unknown[]): Run | null {
  const args = flatten(rawArgs)
  const leaves = args.leaves as Value[]
  const first = leaves[0]
  if (!(first instanceof Symbolic) || !(first[TRACE] instanceof Tracer)) return null
  const tracer = first[TRACE]
  const seen = new Set<Node>()
  for (const leaf of leaves) {
    if (!(leaf instanceof Symbolic) || leaf[TRACE] !== tracer || seen.has(leaf.node)) return null
    seen.add(leaf.node)
  }
  const start = tracer.graph.nodes.length
  const result = resultOf(who, f(...rawArgs))
  const nodes = tracer.graph.nodes.slice(start)
  // Values as a replay would give them: the leaves, constants' own values, the trace's values.
  const env: Value[] = []
  leaves.forEach((leaf) => (env[(leaf as Symbolic).node.id] = leaf))
  const valueOf = (node: Node): Value => (node.kind === 'const' ? node.value! : new Symbolic(tracer, node))
  for (const node of nodes) env[node.id] = valueOf(node)
  // Values f closed over from earlier in the trace: constants to the rules.
  for (const node of nodes) for (const a of node.args) if (typeof a !== 'number' && env[a.id] === undefined) env[a.id] = valueOf(a)
  const graphOutputs = result.leaves.map((leaf) => (leaf instanceof Symbolic && leaf[TRACE] === tracer ? leaf.node : (leaf as Value)))
  const graph: Graph = { inputs: leaves.map((leaf) => (leaf as Symbolic).node), nodes, outputs: graphOutputs }
  const outputs = graphOutputs.map((o) => (isNode(o) ? env[o.id] ?? valueOf(o) : o))
  return { graph, leaves, argLeaves: leavesPerArg(rawArgs), args, result, env, outputs, tracer }
}

/**
 * An exact zero of a value's shape and dtype (`0` for a number, and for a number input of an
 * enclosing trace, which stands for a number): what a null cotangent stands for. So the
 * gradient of an input f does not depend on comes back as the eager transforms give it.
 */
function zerosLike(v: Value): Value {
  if (typeof v === 'number' || (v instanceof Symbolic && v.node.weak && v.shape.length === 0)) return 0
  return zeros([...v.shape], { dtype: v.dtype })
}

/** The only output of a run, which a gradient needs to be one element. */
function scalarOutput(who: string, r: Run): Node | Value {
  if (r.outputs.length !== 1) throw new AdError('INVALID_ARGUMENT', `${who}: f must return one tensor or number, got ${r.outputs.length} values.`)
  const y = r.outputs[0]
  if (sizeOfShape(shapeOf(y)) !== 1) {
    throw new AdError(
      'NON_SCALAR_BACKWARD',
      `${who}: f returned shape [${shapeOf(y).join(',')}]; ${who} needs a function with one output element (use vjp or jacrev otherwise).`,
    )
  }
  return r.graph.outputs[0]
}

/**
 * The seed of a backward pass from a one-element output: 1 (as the reverse engine seeds it).
 * In an enclosing trace a tensor seed is a constant of that trace, so what the rules make of
 * it (a gradient expanded to a million elements and scaled) is recorded and fused, not
 * computed while tracing and carried as a megabyte constant.
 */
function unitSeed(y: Value, tracer?: Tracer): Value {
  if (shapeOf(y).length === 0 && (!(y instanceof Symbolic) || y.node.weak || tracer === undefined)) return 1
  const seed = full([...shapeOf(y)], 1, { dtype: typeof y === 'number' ? 'float64' : y.dtype })
  return tracer === undefined ? seed : new Symbolic(tracer, tracer.argOf(seed, seed.dtype) as Node)
}

/** Cotangents of the chosen arguments, each in its argument's structure (zeros where exact zero). */
function gradsOf(r: Run, argnums: readonly number[], seeds: ReadonlyMap<number, Value>): unknown[] {
  const wrt = argnums.flatMap((a) => r.argLeaves[a])
  const cts = pullback(r.graph, r.env, seeds, wrt)
  let k = 0
  return argnums.map((a) => {
    const leaves = r.argLeaves[a].map((i) => likeInput(cts[k++] ?? zerosLike(r.leaves[i]), r.leaves[i]))
    return rebuildArg(r, a, leaves)
  })
}

/** A cotangent that rules left as a number (a 0-dim path seeded with 1), as a tensor when its input is one. */
function likeInput(ct: Value, input: Value): Value {
  return typeof ct === 'number' && typeof input !== 'number' && !(input instanceof Symbolic && input.node.weak)
    ? full([...input.shape], ct, { dtype: input.dtype })
    : ct
}

/** One argument's structure with new leaves. */
function rebuildArg(r: Run, a: number, leaves: readonly unknown[]): unknown {
  const all = r.leaves.slice() as unknown[]
  r.argLeaves[a].forEach((i, j) => (all[i] = leaves[j]))
  return (r.args.rebuild(all) as unknown[])[a]
}

function seedsFor(graph: Graph, out: Node | Value, seed: Value): Map<number, Value> {
  return isNode(out) ? new Map([[out.id, seed]]) : new Map()
}

/** `grad(f, { argnums })(...args)`: the gradient of scalar-valued f, each in its argument's structure. */
export function grad(f: Fn, options: TransformOptions = {}): (...args: any[]) => any {
  expectFunction('grad', f)
  options = optionsOf<TransformOptions>('grad', options)
  return (...args) => valueAndGradOf('grad', f, options, args)[1]
}

/** `valueAndGrad(f, { argnums })(...args)` → `[f(...args), grad(f)(...args)]`. */
export function valueAndGrad(f: Fn, options: TransformOptions = {}): (...args: any[]) => [any, any] {
  expectFunction('valueAndGrad', f)
  options = optionsOf<TransformOptions>('valueAndGrad', options)
  return (...args) => valueAndGradOf('valueAndGrad', f, options, args)
}

function valueAndGradOf(who: string, f: Fn, options: TransformOptions, rawArgs: readonly unknown[]): [unknown, unknown] {
  const argnums = argnumList(who, options.argnums, rawArgs.length)
  const r = run(who, f, rawArgs)
  const out = scalarOutput(who, r)
  const grads = gradsOf(r, argnums, seedsFor(r.graph, out, unitSeed(r.outputs[0], r.tracer)))
  return [r.outputs[0], Array.isArray(options.argnums) ? grads : grads[0]]
}

/**
 * `vjp(f, ...primals)` → `[out, pullback]`: `pullback(cotangent)` gives one cotangent per
 * primal, in its structure. `out` may be a tree; the cotangent then has its structure. Without
 * a cotangent, a one-element output is seeded with 1.
 */
export function vjp(f: Fn, ...primals: unknown[]): [any, (cotangent?: unknown) => any[]] {
  expectFunction('vjp', f)
  const all = primals.map((_, i) => i)
  const r = run('vjp', f, primals)
  const pull = (cotangent?: unknown): unknown[] => {
    const cts = cotangentLeaves(r, cotangent)
    const seeds = new Map<number, Value>()
    r.graph.outputs.forEach((o, i) => {
      if (isNode(o)) seeds.set(o.id, seeds.has(o.id) ? addValues(seeds.get(o.id)!, cts[i]) : cts[i])
    })
    return gradsOf(r, all, seeds)
  }
  return [r.result.rebuild(r.outputs), pull]
}

function addValues(a: Value, b: Value): Value {
  return add(a, b)
}

function cotangentLeaves(r: Run, cotangent: unknown): Value[] {
  if (cotangent === undefined || cotangent === null) {
    if (r.outputs.length !== 1 || sizeOfShape(shapeOf(r.outputs[0])) !== 1) {
      throw new AdError('NON_SCALAR_BACKWARD', 'vjp pullback: the output has more than one element, so give a cotangent of its shape.')
    }
    return [unitSeed(r.outputs[0], r.tracer)]
  }
  const given = r.outputs.length === 1 ? [cotangent] : flatten(cotangent).leaves
  if (given.length !== r.outputs.length) {
    throw new AdError('INVALID_ARGUMENT', `vjp pullback: the cotangent has ${given.length} leaves but the output has ${r.outputs.length}; give it the output's structure.`)
  }
  return given.map((c, i) => {
    const y = r.outputs[i]
    const v = Array.isArray(c) ? tensor(c as never, { dtype: dtypeOfValue(y) }) : (c as Value)
    if (shapeOf(v).length !== shapeOf(y).length || shapeOf(v).some((d, j) => d !== shapeOf(y)[j])) {
      if (typeof v === 'number') return full([...shapeOf(y)], v, { dtype: dtypeOfValue(y) })
      throw new AdError('SHAPE_MISMATCH', `vjp pullback: the cotangent has shape [${shapeOf(v).join(',')}] but the output has shape [${shapeOf(y).join(',')}]; they must match.`)
    }
    return v
  })
}

function dtypeOfValue(v: Value) {
  return typeof v === 'number' ? 'float64' : v.dtype
}

/**
 * `jvp(f, primals, tangents)` → `[out, tangentOut]`: f's output and its derivative along the
 * tangents (one per primal, of its shape); both in f's output structure.
 */
export function jvp(f: Fn, primals: readonly unknown[], tangents: readonly unknown[]): [any, any] {
  expectFunction('jvp', f)
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw new AdError('INVALID_ARGUMENT', 'jvp: expects jvp(f, primals, tangents) with primals and tangents as arrays, e.g. jvp(f, [x], [v]).')
  }
  if (primals.length !== tangents.length) {
    throw new AdError('INVALID_ARGUMENT', `jvp: got ${primals.length} primal(s) and ${tangents.length} tangent(s); give one tangent per primal.`)
  }
  const all = primals.map((_, i) => i)
  const r = run('jvp', f, asValueArgs(primals, all))
  const ts = flatten(asValueArgs(tangents, all)).leaves as Value[]
  if (ts.length !== r.leaves.length) throw new AdError('INVALID_ARGUMENT', 'jvp: the tangents must have the structure of the primals.')
  ts.forEach((t, i) => {
    const ps = shapeOf(r.leaves[i])
    const s = shapeOf(t)
    if (ps.length !== s.length || ps.some((d, j) => d !== s[j])) {
      throw new AdError('SHAPE_MISMATCH', `jvp: tangent ${i} has shape [${s.join(',')}] but its primal has shape [${ps.join(',')}]; give each primal a tangent of its own shape.`)
    }
  })
  const tan = pushforward(r.graph, r.env, ts)
  const outT = r.graph.outputs.map((o, i) => (isNode(o) ? tan[o.id] : null) ?? zerosLike(r.outputs[i]))
  return [r.result.rebuild(r.outputs), r.result.rebuild(outT)]
}

/** One-hot tensors of a value's shape, one per element. */
function basis(v: Value): Value[] {
  const shape = [...shapeOf(v)]
  const n = sizeOfShape(shape)
  const dtype = dtypeOfValue(v)
  return Array.from({ length: n }, (_, k) => {
    const e = zeros(shape, { dtype })
    e.storage.data[k] = 1
    return shape.length === 0 ? 1 : e
  })
}

/** Rows (or columns) stacked into the block of shape [...lead, ...tail]. */
function assemble(parts: readonly Value[], lead: readonly number[], tail: readonly number[], partsFirst: boolean, dtype: 'float64' | 'float32'): Value {
  if (parts.length === 0) return zeros([...lead, ...tail], { dtype })
  // Stacked as a concatenation of the parts given a size-1 dim: compiled, that is one fused
  // loop reading each part where it lies (a stack would be a kernel call and its buffers).
  const dim = partsFirst ? 0 : -1
  const stacked = cat(parts.map((p) => unsqueeze(p, { dim })), { dim })
  return reshape(stacked, { shape: [...lead, ...tail] })
}

/** An array of argnums gives an array of Jacobians, one per argument (JAX's tuple): `jac` of each index. */
function eachArgnum(argnums: readonly number[], jac: (argnums: number) => (...args: any[]) => unknown): (...args: any[]) => Value[] {
  const each = argnums.map(jac)
  return (...args) => each.map((j) => j(...args) as Value)
}

/**
 * `jacfwd(f, { argnums })(...args)`: the Jacobian of f with respect to one tensor argument,
 * shape [...out, ...in], one forward pass over the graph per input element.
 */
export function jacfwd(f: Fn, options: { argnums?: number | readonly number[] } = {}): (...args: any[]) => Value | Value[] {
  expectFunction('jacfwd', f)
  options = optionsOf<{ argnums?: number | readonly number[] }>('jacfwd', options)
  const several = options.argnums
  if (Array.isArray(several)) return eachArgnum(several, (argnums) => jacfwd(f, { argnums }))
  return (...rawArgs) => {
    const [a] = argnumList('jacfwd', options.argnums, rawArgs.length)
    const r = run('jacfwd', f, asValueArgs(rawArgs, [a]))
    const { x, leaf, y, out } = jacobianParts('jacfwd', r, a)
    const columns = basis(x).map((e) => {
      const ts = r.leaves.map((_, i) => (i === leaf ? e : null))
      const t = isNode(out) ? pushforward(r.graph, r.env, ts)[out.id] : null
      return t ?? zerosLike(y)
    })
    return assemble(columns, shapeOf(y), shapeOf(x), false, jacobianDtype(x, y))
  }
}

/**
 * `jacrev(f, { argnums })(...args)`: the Jacobian of f with respect to one tensor argument,
 * shape [...out, ...in], one backward pass over the graph per output element.
 */
export function jacrev(f: Fn, options: { argnums?: number | readonly number[] } = {}): (...args: any[]) => Value | Value[] {
  expectFunction('jacrev', f)
  options = optionsOf<{ argnums?: number | readonly number[] }>('jacrev', options)
  const several = options.argnums
  if (Array.isArray(several)) return eachArgnum(several, (argnums) => jacrev(f, { argnums }))
  return (...rawArgs) => {
    const [a] = argnumList('jacrev', options.argnums, rawArgs.length)
    const r = run('jacrev', f, asValueArgs(rawArgs, [a]))
    const { x, leaf, y, out } = jacobianParts('jacrev', r, a)
    const rows = basis(y).map((e) => (isNode(out) ? pullback(r.graph, r.env, new Map([[out.id, e]]), [leaf])[0] : null) ?? zerosLike(x))
    return assemble(rows, shapeOf(y), shapeOf(x), true, jacobianDtype(x, y))
  }
}

function jacobianDtype(x: Value, y: Value): 'float64' | 'float32' {
  return dtypeOfValue(x) === 'float32' && dtypeOfValue(y) === 'float32' ? 'float32' : 'float64'
}

function jacobianParts(who: string, r: Run, a: number) {
  if (r.argLeaves[a].length !== 1) {
    throw new AdError('INVALID_ARGUMENT', `${who}: the differentiated argument must be one tensor (or a number, or nested arrays of numbers).`)
  }
  if (r.outputs.length !== 1) throw new AdError('INVALID_ARGUMENT', `${who}: f must return one tensor or number, got ${r.outputs.length} values.`)
  const leaf = r.argLeaves[a][0]
  return { x: r.leaves[leaf], leaf, y: r.outputs[0], out: r.graph.outputs[0] }
}

/**
 * `hessian(f, { argnums })(...args)`: the Hessian of scalar-valued f with respect to one
 * tensor argument, shape [...x, ...x]: forward over reverse (`jacfwd(grad(f))`), as JAX.
 */
export function hessian(f: Fn, options: { argnums?: number } = {}): (...args: any[]) => Value {
  expectFunction('hessian', f)
  options = optionsOf<{ argnums?: number }>('hessian', options)
  return (...rawArgs) => {
    const [a] = argnumList('hessian', options.argnums, rawArgs.length)
    return jacfwd(grad(f, { argnums: a }), { argnums: a })(...rawArgs) as Value
  }
}
