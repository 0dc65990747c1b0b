import { AdError, reshape, stack, Tensor as CoreTensor, type Value } from '@ad/core'
import { gradOrZeros } from './autograd.js'
import { seedFor } from './backward.js'
import { runPass } from './engine.js'
import { variableFor } from './leaves.js'
import { enableGrad } from './mode.js'
import { edgeOf } from './node.js'
import { Tensor } from './tensor.js'
import { flatten, type Flat } from './tree.js'
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
  return (...args) => valueAndGradOf(f, options, args, 'grad')[1]
}

/** `valueAndGrad(f, { argnums })(...args)`: `[f(...args), grad(f)(...args)]` in one evaluation. */
export function valueAndGrad(f: Fn, options: TransformOptions = {}): (...args: unknown[]) => [any, any] {
  return (...args) => valueAndGradOf(f, options, args, 'valueAndGrad')
}

function valueAndGradOf(f: Fn, options: TransformOptions, args: readonly unknown[], name: string): [unknown, unknown] {
  const indices = argnumList(options.argnums, args.length, name)
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
 * argument, by one backward pass per output element; shape `[...out, ...in]`.
 */
export function jacrev(f: Fn, options: { argnums?: number } = {}): (...args: unknown[]) => Tensor {
  return (...args) => {
    const [index] = argnumList(options.argnums, args.length, 'jacrev')
    if (!(args[index] instanceof CoreTensor) && flatten(args[index]).leaves.length !== 1) {
      throw new AdError('INVALID_ARGUMENT', 'jacrev: the differentiated argument must be one tensor (or a number, or nested arrays of numbers).')
    }
    const vars = variablesFor(args, [index])
    const x = vars.variables[0]
    const y = outputOf(enableGrad(() => f(...vars.callArgs)), 'jacrev')
    const rows: Tensor[] = []
    const tracked = y instanceof Tensor && y.requiresGrad
    for (let k = 0; k < y.size; k++) {
      let g: Value | null = null
      if (tracked) {
        g = runPass({
          roots: [edgeOf(y)],
          seeds: [oneHot(y, k)],
          targets: [edgeOf(x)],
          createGraph: 'auto',
          retainGraph: k < y.size - 1 ? true : undefined,
        }).grads[0]
      }
      rows.push(gradOrZeros(g, x))
    }
    return assemble(rows, y.shape, x)
  }
}

/** The cotangent picking output element k. */
function oneHot(y: CoreTensor, k: number): Value {
  if (y.shape.length === 0) return 1
  const data = y.dtype === 'float32' ? new Float32Array(y.size) : new Float64Array(y.size)
  data[k] = 1
  return CoreTensor.fromArray(data, y.shape)
}

/** Rows (one gradient per output element) as one tensor of shape [...outShape, ...x.shape]. */
function assemble(rows: Tensor[], outShape: readonly number[], x: Tensor): Tensor {
  const shape = [...outShape, ...x.shape]
  if (!rows.some((r) => r.requiresGrad)) {
    const data = x.dtype === 'float32' ? new Float32Array(rows.length * x.size) : new Float64Array(rows.length * x.size)
    rows.forEach((r, k) => data.set(r.contiguousData(), k * x.size))
    return wrap(CoreTensor.fromArray(data, shape))
  }
  // Nested in an outer transform: keep the rows' graphs.
  return reshape(stack(rows, { dim: 0 }), { shape }) as Tensor
}

interface Variables {
  /** The arguments with the differentiated ones replaced by fresh variables. */
  callArgs: unknown[]
  /** The fresh variables, in order. */
  variables: Tensor[]
  /** Gradients for the variables (null: zero) → one gradient per differentiated argument, in its structure. */
  group(grads: readonly (Value | null)[]): unknown[]
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
    group: (grads) => parts.map(({ flat, start, vars }) => flat.build(vars.map((v, j) => gradOrZeros(grads[start + j], v)))),
  }
}

function argnumList(argnums: number | readonly number[] | undefined, count: number, name: string): number[] {
  const list = argnums === undefined ? [0] : typeof argnums === 'number' ? [argnums] : [...argnums]
  if (list.length === 0) throw new AdError('INVALID_ARGUMENT', `${name}: argnums is empty.`)
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= count) {
      throw new AdError('INVALID_ARGUMENT', `${name}: argnums ${i} is out of range for ${count} argument(s).`)
    }
  }
  if (new Set(list).size !== list.length) throw new AdError('INVALID_ARGUMENT', `${name}: argnums ${JSON.stringify(list)} repeats an index.`)
  return list
}

function outputOf(out: unknown, name: string): CoreTensor {
  if (typeof out === 'number') return CoreTensor.fromArray(new Float64Array([out]), [])
  if (out instanceof CoreTensor) return out
  throw new AdError('INVALID_ARGUMENT', `${name}: f must return a tensor or a number, got ${out === null ? 'null' : typeof out}.`)
}
