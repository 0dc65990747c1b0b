import { parseAttrs, type AttrSchema, type AttrsOf } from './attrs.js'
import { tensor } from './create.js'
import { interpreterOf, TRACE, topInterpreter, type Traced, type Value } from './dispatch.js'
import type { Domain } from './domain.js'
import { checkAllocation, promote, type DType } from './dtype.js'
import { describeValue, invalid } from './errors.js'
import { sizeOf, type Shape } from './shape.js'
import { Tensor, type NestedArray } from './tensor.js'

/** What a rule sees: the op's inputs and output (plain, dual or taped, depending on the engine) and its attrs. */
export interface RuleContext<A> {
  readonly args: readonly Value[]
  readonly out: Value
  readonly attrs: A
}

/** A tangent or cotangent; `null` is an exact zero, which engines skip instead of adding. */
export type MaybeZero = Value | null

/**
 * One op, declared once. Everything an engine, the test suite or the case runner needs is
 * here; none of them knows any op by name.
 */
/** The attrs schema of an op that takes none. */
export type NoAttrs = Record<string, never>

/** How many tensor arguments: exact, a [min, max] range (optional bias), or a list (`cat`, `stack`). */
export type Arity = number | readonly [number, number] | 'list'

/**
 * One parameter of a method whose order differs from the free function's: an attr name, or
 * the index of a tensor argument of the free function (0 is the tensor the method is called on).
 */
export type MethodParam<S extends AttrSchema> = (keyof S & string) | number

export interface OpSpec<
  S extends AttrSchema,
  A extends Arity = Arity,
  P extends readonly (keyof S & string)[] = readonly (keyof S & string)[],
  M extends readonly MethodParam<S>[] | undefined = readonly MethodParam<S>[] | undefined,
> {
  name: string
  /** How many tensor arguments: exact, a [min, max] range (optional bias), or a list (`cat`, `stack`). */
  arity: A
  attrs?: S
  /** The attrs a method takes positionally after its tensor arguments, in order: `x.sum(dims, keepdim)`. */
  positional?: P
  /**
   * The method's parameters after the tensor itself, where PyTorch's order differs from the
   * free function's (tensors first, then attrs): attr names and argument positions, so
   * `x.gather(dim, index)` is `['dim', 1]`. An attrs object may follow them. Without it a
   * method takes the other tensor arguments, then `positional`.
   */
  methodOrder?: M
  /**
   * A helper op that other ops' rules are written with (a gradient's kernel such as
   * `conv2dInputGrad`): registered and cross-checked like any op, but neither exported from
   * the user entry points nor installed as a tensor method. Its module keeps it unexported.
   */
  internal?: boolean
  /** Arguments that never receive a gradient (a `where` condition, class targets). */
  constantArgs?: readonly number[]
  /**
   * Output element i depends only on input elements i (after broadcasting). Engines may then
   * run the rules on batched tangents (a leading chunk dim) in one call.
   */
  elementwise?: boolean
  /**
   * The VJP rule also accepts a cotangent with extra leading dims (a batch of cotangents,
   * [k, ...outShape]) and returns each input's cotangent with the same leading dims
   * ([k, ...inputShape]). Engines may then run it once on a batch (jacrev's rows) instead
   * of once per slice.
   */
  batchedVjp?: boolean
  /** Elementwise ops on plain numbers: forward mode's allocation-free scalar path. */
  scalar?: (...xs: number[]) => number
  /**
   * With `scalar`: the partial derivative of the output with respect to each argument, as a
   * function of the arguments and the output (`partials[i](...args, out)`), as
   * `defineUnary`/`defineBinary` state them. On numbers they give numbers, so an engine may
   * evaluate them directly on the scalar path (the reverse tape of 0-dim values) where its
   * VJP would only multiply the cotangent by them.
   */
  partials?: readonly ((...xs: Value[]) => Value)[]
  /**
   * A reduction that folds its input's elements into the output one at a time: which input
   * dims it reduces, the start value and the fold. A compiler may then fuse it into the
   * loop that computes its input (`@ad/compile`). Absent: the op runs its own kernel.
   */
  reduce?: Reduction<AttrsOf<S>>
  /**
   * The output is the inputs laid side by side along one dim, in order (`cat`): the dim, for
   * inputs of these shapes. A compiler may then read each input in place, or recompute it
   * there, instead of copying it (`@ad/compile`).
   */
  concat?(shapes: readonly Shape[], attrs: AttrsOf<S>): number
  /**
   * The op written with other registry ops (a matrix product as a broadcast product and a
   * sum), equal to the kernel up to rounding. A compiler may trace it instead of calling the
   * kernel where the work is small, so it fuses with its neighbours (`@ad/compile`). Null
   * where it does not apply (shapes it does not cover, or a dtype whose kernel rounds otherwise).
   */
  decompose?(args: readonly Value[], attrs: AttrsOf<S>): Value | null
  /** Output shape from input shapes; throws SHAPE_MISMATCH or INVALID_ARGUMENT naming the op and shapes. */
  shape(shapes: readonly Shape[], attrs: AttrsOf<S>): Shape
  /** The kernel on plain tensors, already converted to a common dtype. */
  primal(args: readonly Tensor[], attrs: AttrsOf<S>, outShape: Shape): Tensor
  /** Tangent of the output from input tangents, written with core ops. Absent: not differentiable. */
  jvp?(ctx: RuleContext<AttrsOf<S>>, tangents: readonly MaybeZero[]): MaybeZero
  /** Cotangent of each input (`null` where `needs` is false or the gradient is zero), written with core ops. */
  vjp?(ctx: RuleContext<AttrsOf<S>>, cotangent: Value, needs: readonly boolean[]): MaybeZero[]
  /** Where the cross-validation suite samples shapes, values and attrs from. */
  domain: Domain
  /**
   * Where the derivative is a convention rather than a limit (kinks, ties, bounds, poles),
   * and which one this op follows: `pnpm edges` runs both engines at each point and writes
   * docs/edges.md, and a test keeps the engines equal to PyTorch's choice there.
   */
  edges?: readonly Edge[]
  /**
   * The derivative as a KaTeX formula (for the generated reference pages), e.g.
   * `\frac{d}{dx}\sin x = \cos x` (a TS string: `'\\frac{d}{dx}...'`). Required, so an op
   * cannot be declared without the formula its reference page shows.
   */
  tex: string
  /**
   * An attr the free function takes first, before the tensors, as PyTorch orders it:
   * `einsum('ij,jk->ik', a, b)` for `leadingAttr: 'equation'`. (An attrs object after the
   * tensors is accepted as well, as the case files write it.)
   */
  leadingAttr?: keyof S & string
}

export interface Reduction<A> {
  /** The input dims folded, normalised (ascending, non-negative) for an input of shape `shape`. */
  dims(shape: Shape, attrs: A): number[]
  /** The value an output element starts from (0 for a sum). */
  init: number
  /** The running value after one more input element: `combine(acc, x)`. */
  combine(acc: number, x: number): number
}

/**
 * One edge of an op: a point where the derivative is a choice, and the choice. `args`,
 * `attrs` and `torch` make it a row that is computed, not copied: both engines differentiate
 * sum(op(...args, attrs)) there and must give PyTorch's gradient. Without `args` it is a
 * note on the op as a whole (a broadcasting or batching rule).
 */
export interface Edge {
  /** What happens there and why, in one line. */
  note: string
  /** The op's arguments at the point, as numbers or nested arrays; constant ones as they are passed. */
  args?: readonly NestedArray[]
  attrs?: Record<string, unknown>
  /** The arguments differentiated, default all but `constantArgs`; the others are constants (as `x.pow(2)` passes its exponent). */
  wrt?: readonly number[]
  /** `torch.autograd`'s gradient of sum(op(...args)) for each argument of `wrt`, in order. */
  torch?: readonly NestedArray[]
}

export interface Op<
  S extends AttrSchema = AttrSchema,
  A extends Arity = Arity,
  P extends readonly (keyof S & string)[] = readonly (keyof S & string)[],
  M extends readonly MethodParam<S>[] | undefined = readonly MethodParam<S>[] | undefined,
> extends OpSpec<S, A, P, M> {
  readonly differentiable: boolean
  /** The op's index in the registry (registration order; -1 for an engine's own ops): see `opById`. */
  readonly id: number
  /** Validates user attrs against the schema, filling defaults. */
  parseAttrs(attrs: object | undefined): AttrsOf<S>
}

/** Anything accepted where a tensor is expected. */
export type Input = Value | NestedArray | Float64Array | Float32Array | Int32Array

/**
 * An op's free function. Its `op` carries the declaration's types (attrs, arity, positional
 * order), which the tensor methods are typed from (see `OpMethods`).
 */
export type OpFunction<
  S extends AttrSchema = AttrSchema,
  A extends Arity = Arity,
  P extends readonly (keyof S & string)[] = readonly (keyof S & string)[],
  M extends readonly MethodParam<S>[] | undefined = readonly MethodParam<S>[] | undefined,
> = {
  // A list op (`cat`, `stack`) takes its tensors as one array.
  // An op with a `leadingAttr` takes it first (a string: einsum's equation).
  <T extends Value = Tensor>(...args: (T | Input | readonly (T | Input)[] | Partial<AttrsOf<S>> | string)[]): T
  readonly op: Op<S, A, P, M>
}

const registry = new Map<string, Op>()
const functions = new Map<string, OpFunction>()
/** Ops by id (their index here is `op.id`). */
const byId: Op[] = []

/**
 * The op object: every field assigned in one order, so all ops share one hidden class and
 * engine code reading `op.vjp` or `op.scalar` across many ops stays monomorphic (V8 makes
 * such loads several times slower once they see many shapes). Fields a spec adds beyond
 * OpSpec are copied after.
 */
function makeOp<S extends AttrSchema>(spec: OpSpec<S>, schema: S): Op<S> {
  const op = {
    name: spec.name,
    arity: spec.arity,
    attrs: schema,
    positional: spec.positional,
    methodOrder: spec.methodOrder,
    constantArgs: spec.constantArgs,
    elementwise: spec.elementwise,
    batchedVjp: spec.batchedVjp,
    scalar: spec.scalar,
    partials: spec.partials,
    reduce: spec.reduce,
    concat: spec.concat,
    decompose: spec.decompose,
    shape: spec.shape,
    primal: spec.primal,
    jvp: spec.jvp,
    vjp: spec.vjp,
    domain: spec.domain,
    edges: spec.edges,
    tex: spec.tex,
    internal: spec.internal,
    leadingAttr: spec.leadingAttr,
    differentiable: spec.vjp !== undefined && spec.jvp !== undefined,
    id: registry.size,
    parseAttrs: (attrs: object | undefined) => parseAttrs(spec.name, schema, attrs),
  }
  for (const key of Object.keys(spec)) if (!(key in op)) (op as Record<string, unknown>)[key] = (spec as unknown as Record<string, unknown>)[key]
  return op as Op<S>
}

/** Declares an op, registers it and returns its free function. Names are unique. */
export function defineOp<
  S extends AttrSchema = Record<string, never>,
  const A extends Arity = Arity,
  const P extends readonly (keyof S & string)[] = [],
  const M extends readonly MethodParam<S>[] | undefined = undefined,
>(spec: OpSpec<S, A, P, M>): OpFunction<S, A, P, M> {
  if (registry.has(spec.name)) throw invalid(`defineOp: an op named '${spec.name}' is already registered.`)
  const schema = (spec.attrs ?? {}) as S
  const op = makeOp(spec as unknown as OpSpec<S>, schema) as unknown as Op
  registry.set(spec.name, op)
  byId.push(op)
  const fn = freeFunction(op) as unknown as OpFunction<S, A, P, M>
  Object.defineProperty(fn, 'op', { value: op })
  Object.defineProperty(fn, 'name', { value: spec.name })
  functions.set(spec.name, fn as unknown as OpFunction)
  return fn
}

/** A registered op's free function, by name: how tests and tools reach an `internal` op. */
export function opFunction(name: string): OpFunction {
  getOp(name) // throws the registry's error for an unknown name
  return functions.get(name)!
}

/**
 * An op's free function. Calls of ops of one or two inputs without attrs (most calls) skip
 * the argument splitting, and those on plain numbers of an op with a scalar function go
 * straight to it: `mul(g, 2)` inside a VJP rule run on numbers (the reverse engine's 0-dim
 * path, forward mode's scalar path) then costs a call, with no argument array, attrs or
 * interpreter search. `arguments.length` (not a rest parameter) keeps those paths free of
 * allocations.
 */
function freeFunction(op: Op): (...raw: unknown[]) => Value {
  // Attrs when none are given, parsed once (they never change): the hot path of scalar code.
  let parsed: object | undefined
  const defaults = (): object => (parsed ??= Object.freeze(op.parseAttrs(undefined)))
  const fixed = typeof op.arity === 'number' ? op.arity : -1
  const general = (...raw: unknown[]): Value => {
    if (op.leadingAttr !== undefined && raw.length > 0 && !isInput(raw[0]) && !isAttrs(raw[0])) return leading(op, raw)
    if (raw.length === fixed && !isAttrs(raw[fixed - 1])) return apply(op, raw, defaults())
    const [args, attrs] = splitArguments(op, raw)
    return apply(op, args, op.parseAttrs(attrs))
  }
  const scalar = op.scalar
  if (fixed === 1) {
    return function (this: unknown, x: unknown): Value {
      if (arguments.length !== 1 || isAttrs(x)) return general(...arguments)
      return scalar !== undefined && typeof x === 'number' ? scalar(x) : applyFew(op, 1, x, undefined, defaults())
    }
  }
  if (fixed === 2) {
    return function (this: unknown, a: unknown, b: unknown): Value {
      if (arguments.length !== 2 || isAttrs(b)) return general(...arguments)
      return scalar !== undefined && typeof a === 'number' && typeof b === 'number' ? scalar(a, b) : applyFew(op, 2, a, b, defaults())
    }
  }
  return general
}

export function getOp(name: string): Op {
  const op = registry.get(name)
  if (op === undefined) throw invalid(`unknown op '${name}'; registered ops are: ${[...registry.keys()].join(', ')}.`)
  return op
}

/** The registered op of an id (`op.id`); engines store ids in typed arrays. */
export function opById(id: number): Op {
  return byId[id] as Op
}

export function hasOp(name: string): boolean {
  return registry.has(name)
}

export function listOps(): Op[] {
  return [...registry.values()]
}

/**
 * Applies an op to arguments and parsed attrs: hands it to the top interpreter if an engine
 * tracks an argument, otherwise runs the kernel. Engines call this to re-apply one level down.
 */
export function apply(op: Op, args: readonly unknown[], attrs: object): Value {
  const top = topInterpreter(args)
  if (top !== undefined) return top.apply(op, args as Value[], attrs)
  return evaluate(op, args, attrs)
}

/**
 * `apply(op, [a], attrs)` (n = 1) or `apply(op, [a, b], attrs)` (n = 2), without the argument
 * array when the top interpreter takes the arguments one by one (`applyFew`).
 */
export function applyFew(op: Op, n: 1 | 2, a: unknown, b: unknown, attrs: object): Value {
  const ia = interpreterOf(a)
  const ib = n === 2 ? interpreterOf(b) : undefined
  // The first of the highest level, as topInterpreter picks.
  const top = ib === undefined || (ia !== undefined && ia.level >= ib.level) ? ia : ib
  if (top !== undefined && top.applyFew !== undefined) return top.applyFew(op, n, a as Value, b as Value, attrs)
  const args = n === 1 ? [a] : [a, b]
  return top !== undefined ? top.apply(op, args as Value[], attrs) : evaluate(op, args, attrs)
}

/** Runs an op's kernel on plain values (numbers stay numbers for scalar elementwise ops). */
export function evaluate(op: Op, args: readonly unknown[], attrs: object): number | Tensor {
  checkArity(op, args.length)
  if (op.scalar !== undefined && allNumbers(args)) return callScalar(op.scalar, args as readonly number[])
  const tensors = toTensors(op, args)
  const outShape = op.shape(
    tensors.map((t) => t.shape),
    attrs as never,
  )
  // Before any kernel runs: an output past the size limit is a mistake in a shape or attr
  // (expand to [1e9, 1e9], a huge pad), even where the kernel would only make a view.
  checkAllocation(tensors.length > 0 ? tensors[0].dtype : 'float64', sizeOf(outShape), `${op.name}'s output of shape [${outShape.join(',')}]`)
  return op.primal(tensors, attrs as never, outShape)
}

/** `f(...xs)` without spreading for the usual one or two arguments (a spread call allocates). */
export function callScalar(f: (...xs: number[]) => number, xs: readonly number[]): number {
  return xs.length === 1 ? f(xs[0]) : xs.length === 2 ? f(xs[0], xs[1]) : f(...xs)
}

function allNumbers(args: readonly unknown[]): boolean {
  for (let i = 0; i < args.length; i++) if (typeof args[i] !== 'number') return false
  return true
}

/**
 * Converts arguments to tensors of one dtype. Tensors decide it (float32 only if all are);
 * numbers and nested arrays are "weak" and take it, so a JS number never promotes float32.
 * Constant arguments (class targets, a condition) are data, not values: they never promote.
 */
export function toTensors(op: Op, args: readonly unknown[]): Tensor[] {
  const opName = op.name
  let dtype: DType | undefined
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a instanceof Tensor && !op.constantArgs?.includes(i)) dtype = dtype === undefined ? a.dtype : promote(dtype, a.dtype)
  }
  const common = dtype ?? 'float64'
  return args.map((a, i) => {
    if (a instanceof Tensor) return a.dtype === common ? a : a.to(common)
    if (typeof a === 'number' || Array.isArray(a) || a instanceof Float64Array || a instanceof Float32Array || a instanceof Int32Array) {
      return tensor(a as NestedArray, { dtype: common })
    }
    throw invalid(`${opName}: argument ${i} is ${describe(a)}; expected a tensor, a number or nested arrays of numbers.`)
  })
}

function describe(a: unknown): string {
  if (a === null) return 'null'
  if (typeof a === 'object' && TRACE in a) return 'a value tracked by an engine that is no longer active'
  return describeValue(a)
}

function checkArity(op: Op, n: number): void {
  const { arity } = op
  if (arity === 'list') {
    if (n === 0) throw invalid(`${op.name}: expects a non-empty list of tensors.`)
  } else if (typeof arity === 'number') {
    if (n !== arity) throw invalid(`${op.name}: expects ${arity} tensor argument(s), got ${n}.`)
  } else if (n < arity[0] || n > arity[1]) {
    throw invalid(`${op.name}: expects ${arity[0]} to ${arity[1]} tensor arguments, got ${n}.`)
  }
}

/** Whether a value is one a tensor argument accepts (so not a leading attr). */
function isInput(x: unknown): boolean {
  return typeof x === 'number' || Array.isArray(x) || x instanceof Tensor || x instanceof Float64Array || x instanceof Float32Array || isTraced(x)
}

/** A call with the op's leading attr first: `einsum('ij,jk->ik', a, b)`, optionally attrs after the tensors. */
function leading(op: Op, raw: readonly unknown[]): Value {
  const [args, attrs] = splitArguments(op, raw.slice(1))
  return apply(op, args, op.parseAttrs({ ...attrs, [op.leadingAttr as string]: raw[0] }))
}

/** A trailing plain object is the attrs; a list op takes its tensors as one array. */
function isAttrs(x: unknown): x is object {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

function splitArguments(op: Op, raw: readonly unknown[]): [unknown[], object | undefined] {
  let attrs: object | undefined
  let n = raw.length
  if (n > 0 && isAttrs(raw[n - 1])) {
    attrs = raw[n - 1] as object
    n--
  }
  if (op.arity === 'list') {
    const list = raw[0]
    if (n !== 1 || !Array.isArray(list)) {
      throw invalid(`${op.name}: expects an array of tensors and optional attrs, as in ${op.name}([a, b], { dim: 0 }).`)
    }
    return [list, attrs]
  }
  return [raw.slice(0, n) as unknown[], attrs]
}

/** The shape of every number: shared (and frozen), since rules ask for it once per scalar op. */
const NUMBER_SHAPE: readonly number[] = Object.freeze([])

/** Shape of any value an op may see. */
export function shapeOf(v: Value): readonly number[] {
  return typeof v === 'number' ? NUMBER_SHAPE : v.shape
}

/** Whether a value is one an engine tracks (used by engines to tell their own values apart). */
export function isTraced(v: unknown): v is Traced {
  return typeof v === 'object' && v !== null && TRACE in v
}
