import { cat, describeValue, expectFunction, optionsOf, AdError, reshape, Tensor as CoreTensor, zeros, type Value } from '@ad/core'
import { resolveArgnums } from '@ad/core/internal'
import { gradOrZeros } from './autograd.js'
import { seedFor } from '../engine/backward.js'
import { runPass } from '../engine/engine.js'
import { variableFor } from './leaves.js'
import { enableGrad } from '../engine/mode.js'
import { edgeOf } from '../engine/node.js'
import { Tensor } from './tensor.js'
import { flatten, isPlainObject, type Flat } from './tree.js'
import { wrap } from './wrap.js'

export interface TransformOptions {
  /** Which argument(s) to differentiate: an index (default 0), or an array of indices for an array of gradients. */
  argnums?: number | readonly number[]
}

type Fn = (...args: any[]) => unknown

/**
 * `grad(f, { argnums })(...args)`: the gradient of scalar-valued `f` with respect to the
 * chosen arguments, each in the structure of its argument (a tensor per leaf).
 *
 * Transforms nest: each call differentiates with respect to fresh variables, so an inner
 * `grad` never confuses its variable with an outer one it closes over, and never adds into
 * any `.grad`. When `f`'s result depends on tensors that require grad besides those
 * variables (an outer transform's, or ones `f` closes over), the backward pass is recorded,
 * so the gradient is differentiable by the enclosing computation.
 */
export function grad(f: Fn, options: TransformOptions = {}): (...args: unknown[]) => any {
  expectFunction('grad', f)
  options = optionsOf<TransformOptions>('grad', options)
  return (...args) => valueAndGradOf(f, options, args, 'grad')[1]
}

/** `valueAndGrad(f, { argnums })(...args)`: `[f(...args), grad(f)(...args)]` in one evaluation. */
export function valueAndGrad(f: Fn, options: TransformOptions = {}): (...args: unknown[]) => [any, any] {
  expectFunction('valueAndGrad', f)
  options = optionsOf<TransformOptions>('valueAndGrad', options)
  return (...args) => valueAndGradOf(f, options, args, 'valueAndGrad')
}

function valueAndGradOf(f: Fn, options: TransformOptions, args: readonly unknown[], name: string): [unknown, unknown] {
  const indices = resolveArgnums(name, options.argnums ?? 0, args.length)
  const vars = variablesFor(args, indices)
  const out = enableGrad(() => f(...vars.callArgs))
  const y = outputOf(out, name)
  if (y.size !== 1) {
    throw new AdError(
      'NON_SCALAR_BACKWARD',
      `${name}: f returned shape [${y.shape.join(',')}]; ${name} needs a function with one output element (use vjp or jacrev otherwise).`,
    )
  }
  let value: unknown = out
  let grads: (Value | null)[] = vars.variables.map(() => null)
  if (y instanceof Tensor && y.requiresGrad) {
    const result = runPass({
      roots: [edgeOf(y)],
      seeds: [seedFor(y, undefined, name)],
      targets: vars.variables.map(edgeOf),
      createGraph: 'auto',
      retainGraph: undefined,
    })
    grads = result.grads
    // Not nested: the graph was freed, so hand back the value without it.
    if (!result.createGraph) value = y.detach()
  }
  const perArg = vars.group(grads)
  return [value, Array.isArray(options.argnums) ? perArg : perArg[0]]
}

/**
 * `vjp(f, ...primals)` → `[out, pullback]`: `pullback(cotangent)` gives one gradient per
 * primal (in its structure), the cotangent-weighted sum of `out`'s derivatives. The
 * pullback may be called many times.
 */
export function vjp(f: Fn, ...primals: unknown[]): [any, (cotangent?: unknown) => any[]] {
  expectFunction('vjp', f)
  const vars = variablesFor(
    primals,
    primals.map((_, i) => i),
  )
  const out = enableGrad(() => f(...vars.callArgs))
  const y = outputOf(out, 'vjp')
  const pullback = (cotangent?: unknown): unknown[] => {
    let grads: (Value | null)[] = vars.variables.map(() => null)
    const seed = seedFor(y, cotangent, 'vjp pullback')
    if (y instanceof Tensor && y.requiresGrad) {
      grads = runPass({
        roots: [edgeOf(y)],
        seeds: [seed],
        targets: vars.variables.map(edgeOf),
        createGraph: 'auto',
        retainGraph: true,
      }).grads
    }
    return vars.group(grads)
  }
  return [out, pullback]
}

/**
 * `jacrev(f, { argnums })(...args)`: the Jacobian of `f` with respect to one tensor
 * argument; shape `[...out, ...in]`. The rows of the identity go through the graph as one
 * batch of cotangents (a leading dim, as JAX's `vmap` of the pullback; engine/batched.ts),
 * in chunks that keep a batch of the larger of x and the output near a million elements.
 * A function returning an array or plain object of tensors gives that structure of
 * Jacobians, as JAX.
 */
export function jacrev(f: Fn, options: { argnums?: number | readonly number[] } = {}): (...args: unknown[]) => any {
  expectFunction('jacrev', f)
  options = optionsOf<{ argnums?: number | readonly number[] }>('jacrev', options)
  const several = options.argnums
  // An array of indices gives an array of Jacobians, one per argument (JAX's tuple, forward's jacfwd).
  if (Array.isArray(several)) {
    const each = several.map((argnums: number) => jacrev(f, { argnums }))
    return (...args) => each.map((jac) => jac(...args))
  }
  return (...args) => {
    const [index] = resolveArgnums('jacrev', options.argnums ?? 0, args.length)
    if (!(args[index] instanceof CoreTensor) && flatten(args[index]).leaves.length !== 1) {
      throw new AdError('INVALID_ARGUMENT', 'jacrev: the differentiated argument must be one tensor (or a number, or nested arrays of numbers).')
    }
    const vars = variablesFor(args, [index])
    const x = vars.variables[0]
    const outputs = outputsOf(enableGrad(() => f(...vars.callArgs)), 'jacrev')
    let passes = 0
    for (const y of outputs.values) if (y instanceof Tensor && y.requiresGrad) passes += Math.ceil(y.size / rowsPerPass(y.size, x.size))
    return outputs.build(
      outputs.values.map((y) => {
        const blocks: Tensor[] = []
        if (!(y instanceof Tensor && y.requiresGrad)) return assemble([], y.size, y.shape, x) // constant in x: zeros
        const k = rowsPerPass(y.size, x.size)
        for (let start = 0; start < y.size; start += k) {
          const rows = Math.min(k, y.size - start)
          const batched = y.size > 1
          const g = runPass({
            roots: [edgeOf(y)],
            seeds: [batched ? identityRows(y, start, rows) : oneHot(y, start)],
            targets: [edgeOf(x)],
            createGraph: 'auto',
            retainGraph: --passes > 0 ? true : undefined, // the graph goes with the last pass
            batch: batched ? rows : 0,
          }).grads[0]
          blocks.push(batched ? rowsOf(g, rows, x) : gradOrZeros(g, x))
        }
        return assemble(blocks, y.size, y.shape, x)
      }),
    )
  }
}

/** Rows of the Jacobian per backward pass: all of them while a batch stays near 2^20 elements. */
function rowsPerPass(outSize: number, inSize: number): number {
  return Math.max(1, Math.min(outSize, Math.floor(2 ** 20 / Math.max(outSize, inSize, 1))))
}

/** Rows start..start+k of the identity on y's elements, as a batch of cotangents [k, ...y.shape]. */
function identityRows(y: CoreTensor, start: number, k: number): Value {
  const data = y.dtype === 'float32' ? new Float32Array(k * y.size) : new Float64Array(k * y.size)
  for (let r = 0; r < k; r++) data[r * y.size + start + r] = 1
  return CoreTensor.fromArray(data, [k, ...y.shape])
}

/** A batched pass's cotangent for x ([k, ...x.shape], or null for zero) as x's dtype. */
function rowsOf(g: Value | null, k: number, x: Tensor): Tensor {
  if (g === null) return wrap(zeros([k, ...x.shape], { dtype: x.dtype }))
  const t = g as CoreTensor
  if (t instanceof Tensor && (t.requiresGrad || t.dtype === x.dtype)) return t
  return wrap(t.dtype === x.dtype ? t : t.to(x.dtype))
}

/**
 * `hessian(f, { argnums })(...args)`: the Hessian of scalar-valued `f`, by reverse over
 * reverse: one backward pass with `createGraph` gives the gradient as a recorded function
 * of the arguments, then one backward pass through that graph per gradient element gives a
 * row. For a tensor argument x the result has shape `[...x.shape, ...x.shape]`. A tree
 * argument (arrays, plain objects of tensors) gives a tree of trees of blocks, and an array
 * `argnums` an array of arrays, `H[i][j]` of shape `[...arg_i, ...arg_j]`, as JAX's
 * `hessian`; a function returning an array or plain object of scalars gives that structure
 * of Hessians. Nested in another transform, the Hessian stays differentiable.
 */
export function hessian(f: Fn, options: TransformOptions = {}): (...args: unknown[]) => any {
  expectFunction('hessian', f)
  options = optionsOf<TransformOptions>('hessian', options)
  return (...args) => {
    const indices = resolveArgnums('hessian', options.argnums ?? 0, args.length)
    const vars = variablesFor(args, indices)
    const outputs = outputsOf(enableGrad(() => f(...vars.callArgs)), 'hessian')
    for (const y of outputs.values) requireScalar(y, 'hessian')
    return outputs.build(
      outputs.values.map((y) => {
        const result = vars.pairs(secondDerivatives(y, vars.variables))
        return Array.isArray(options.argnums) ? result : (result[0] as unknown[])[0]
      }),
    )
  }
}

/** d²y / d var_p d var_q as `block(p, q)`, of shape [...var_p, ...var_q], for scalar y. */
function secondDerivatives(y: CoreTensor, variables: readonly Tensor[]): (p: number, q: number) => Tensor {
  const n = variables.length
  const blocks: Tensor[][] = []
  let first: (Value | null)[] = variables.map(() => null)
  if (y instanceof Tensor && y.requiresGrad) {
    first = runPass({ roots: [edgeOf(y)], seeds: [seedFor(y, undefined, 'hessian')], targets: variables.map(edgeOf), createGraph: true, retainGraph: true }).grads
  }
  for (let p = 0; p < n; p++) {
    const xp = variables[p] as Tensor
    const gp = first[p]
    const rows: Tensor[][] = variables.map(() => [])
    for (let k = 0; k < xp.size; k++) {
      let second: (Value | null)[] = variables.map(() => null)
      if (gp instanceof Tensor && gp.requiresGrad) {
        second = runPass({
          roots: [edgeOf(gp)],
          seeds: [oneHot(gp, k)],
          targets: variables.map(edgeOf),
          createGraph: 'auto',
          retainGraph: true,
        }).grads
      }
      variables.forEach((xq, q) => (rows[q] as Tensor[]).push(gradOrZeros(second[q] ?? null, xq)))
    }
    blocks.push(variables.map((xq, q) => assemble(rows[q] as Tensor[], xp.size, xp.shape, xq)))
  }
  return (p, q) => (blocks[p] as Tensor[])[q] as Tensor
}

/**
 * `hessianVectorProduct(f)(x, v)`: H(x)·v for scalar-valued `f` of one argument, without
 * forming H: one backward pass with `createGraph` gives the gradient g(x), and one backward
 * pass through g's graph with cotangent v gives vᵀ∂g/∂x = H v (H is symmetric). x may be a
 * tensor, a number, nested arrays, or an array or plain object of tensors; v has x's
 * structure and shapes, and so has the result.
 */
export function hessianVectorProduct(f: (x: any) => unknown): (x: unknown, v: unknown) => any {
  expectFunction('hessianVectorProduct', f)
  return (x, v) => {
    const vars = variablesFor([x], [0])
    const directions = flatten(v).leaves
    if (directions.length !== vars.variables.length) {
      throw new AdError(
        'INVALID_ARGUMENT',
        `hessianVectorProduct: x has ${vars.variables.length} tensor(s) but v has ${directions.length}; give v the structure of x.`,
      )
    }
    const y = outputOf(enableGrad(() => f(vars.callArgs[0])), 'hessianVectorProduct')
    requireScalar(y, 'hessianVectorProduct')
    let hv: (Value | null)[] = vars.variables.map(() => null)
    if (y instanceof Tensor && y.requiresGrad) {
      const g = runPass({ roots: [edgeOf(y)], seeds: [seedFor(y, undefined, 'hessianVectorProduct')], targets: vars.variables.map(edgeOf), createGraph: true, retainGraph: true }).grads
      const roots: Tensor[] = []
      const seeds: Value[] = []
      g.forEach((gi, i) => {
        if (!(gi instanceof Tensor) || !gi.requiresGrad) return // a gradient constant in x: no curvature
        roots.push(gi)
        seeds.push(seedFor(gi, directionOf(directions[i], gi, i), 'hessianVectorProduct (v)'))
      })
      if (roots.length > 0) {
        hv = runPass({ roots: roots.map(edgeOf), seeds, targets: vars.variables.map(edgeOf), createGraph: 'auto', retainGraph: undefined }).grads
      }
    }
    return vars.group(hv)[0]
  }
}

/** A direction leaf as a cotangent for the gradient `like` (its shape, checked by seedFor; its dtype). */
function directionOf(v: unknown, like: Tensor, i: number): unknown {
  if (v instanceof CoreTensor) return v.dtype === like.dtype ? v : v.to(like.dtype)
  if (v === undefined || v === null) throw new AdError('INVALID_ARGUMENT', `hessianVectorProduct: v (leaf ${i}) is missing.`)
  return v
}

function requireScalar(y: CoreTensor, name: string): void {
  if (y.size !== 1) {
    throw new AdError(
      'NON_SCALAR_BACKWARD',
      `${name}: f returned shape [${y.shape.join(',')}]; ${name} needs a function with one output element (use jacrev otherwise).`,
    )
  }
}

/** The cotangent picking output element k. */
function oneHot(y: CoreTensor, k: number): Value {
  if (y.shape.length === 0) return 1
  const data = y.dtype === 'float32' ? new Float32Array(y.size) : new Float64Array(y.size)
  data[k] = 1
  return CoreTensor.fromArray(data, y.shape)
}

/**
 * Blocks of rows (each a gradient, of x's shape, or a batch of them, [k, ...x.shape]) as one
 * tensor of shape [...outShape, ...x.shape], `count` rows in all.
 */
function assemble(blocks: Tensor[], count: number, outShape: readonly number[], x: Tensor): Tensor {
  const shape = [...outShape, ...x.shape]
  if (!blocks.some((r) => r.requiresGrad)) {
    const data = x.dtype === 'float32' ? new Float32Array(count * x.size) : new Float64Array(count * x.size)
    let at = 0
    for (const r of blocks) {
      data.set(r.contiguousData(), at)
      at += r.size
    }
    return wrap(CoreTensor.fromArray(data, shape))
  }
  // Nested in an outer transform: keep the rows' graphs.
  const rows = blocks.map((r) => (r.size === x.size ? reshape(r, { shape: [1, ...x.shape] }) : r))
  return reshape(cat(rows, { dim: 0 }), { shape }) as Tensor
}

interface Variables {
  /** The arguments with the differentiated ones replaced by fresh variables. */
  callArgs: unknown[]
  /** The fresh variables, in order. */
  variables: Tensor[]
  /** Gradients for the variables (null: zero) → one gradient per differentiated argument, in its structure. */
  group(grads: readonly (Value | null)[]): unknown[]
  /** For each pair of differentiated arguments (i, j): arg i's structure holding, per leaf p, arg j's structure of block(p, q). */
  pairs(block: (p: number, q: number) => unknown): unknown[][]
}

function variablesFor(args: readonly unknown[], indices: readonly number[]): Variables {
  const callArgs = args.slice()
  const variables: Tensor[] = []
  const parts: { flat: Flat; start: number; vars: Tensor[] }[] = []
  for (const i of indices) {
    const flat = flatten(args[i])
    const vars = flat.leaves.map(variableFor)
    callArgs[i] = flat.build(vars)
    parts.push({ flat, start: variables.length, vars })
    variables.push(...vars)
  }
  return {
    callArgs,
    variables,
    group: (grads) => parts.map(({ flat, start, vars }) => flat.build(vars.map((v, j) => gradOrZeros(grads[start + j] ?? null, v)))),
    pairs: (block) =>
      parts.map((a) =>
        parts.map((b) => a.flat.build(a.vars.map((_, p) => b.flat.build(b.vars.map((_, q) => block(a.start + p, b.start + q)))))),
      ),
  }
}

/**
 * f's result as a list of outputs: itself, or the leaves of an array or plain object of
 * tensors (jacrev and hessian then answer in that structure, as JAX); `build` puts one
 * answer per output back in it.
 */
function outputsOf(out: unknown, name: string): { values: CoreTensor[]; build(answers: readonly unknown[]): unknown } {
  if (!Array.isArray(out) && !isPlainObject(out)) return { values: [outputOf(out, name)], build: (answers) => answers[0] }
  const flat = flatten(out)
  if (flat.leaves.length === 0) throw new AdError('INVALID_ARGUMENT', `${name}: f returned ${describeValue(out)}, a structure without any tensor.`)
  return { values: flat.leaves.map((leaf) => outputOf(leaf, name)), build: flat.build }
}

function outputOf(out: unknown, name: string): CoreTensor {
  if (typeof out === 'number') return CoreTensor.fromArray(new Float64Array([out]), [])
  if (out instanceof CoreTensor) return out
  throw new AdError('INVALID_ARGUMENT', `${name}: f must return a tensor or a number, got ${out === null ? 'null' : typeof out}.`)
}
