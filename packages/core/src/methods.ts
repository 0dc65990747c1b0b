import type { Attr, AttrSchema, AttrsInput, AttrsOf } from './attrs.js'
import type { Value } from './dispatch.js'
import { invalid } from './errors.js'
import { Tensor } from './tensor.js'
import { apply, applyFew, listOps, type Input, type Op } from './op.js'
import type * as ops from './ops/index.js'

// ---------------------------------------------------------------------------------------
// Types: each method typed from its op's declaration (arity, attrs, `positional`, `methodOrder`),
// read off the types `defineOp` keeps on the op function. Nothing here names an op: an op
// added to a module of ops/index.ts gets its typed method with no other edit.

/** A tensor argument of a method: the engine's tensor, or anything a free function accepts. */
type Arg<R> = R | Input

/** A tuple of `N` elements of `T`. */
type Repeat<N extends number, T, Acc extends unknown[] = []> = number extends N ? T[] : Acc['length'] extends N ? Acc : Repeat<N, T, [...Acc, T]>
/** `T` with its first element dropped. */
type Tail<T extends unknown[]> = T extends [unknown, ...infer Rest] ? Rest : []

/** Tuples of `Arg<R>` of each length from `Min` to `Max`. */
type Counts<Min extends number, Max extends number, R, Acc extends unknown[] = Repeat<Min, Arg<R>>> =
  Acc['length'] extends Max ? Acc : Acc | Counts<Min, Max, R, [...Acc, Arg<R>]>

/** The tensor arguments after the one the method is called on: exactly `A`, or any count in [min, max]. */
type OtherTensors<A, R> = A extends number
  ? Tail<Repeat<A, Arg<R>>>
  : A extends readonly [infer Min extends number, infer Max extends number]
    ? Tail<Counts<Min, Max, R>>
    : never

/** What a method takes for one attr: its type; an `ints` attr also takes one int (`x.sum(1)`). */
type AttrParam<S extends AttrSchema, K> = K extends keyof S
  ? AttrsOf<S>[K] extends readonly number[] | undefined ? AttrsOf<S>[K] | number : AttrsOf<S>[K]
  : never

/** The positional attrs, in order, each optional unless required by the schema. */
type PositionalParams<S extends AttrSchema, P> = P extends readonly [infer K, ...infer Rest]
  ? S[K & keyof S] extends Attr<any, true>
    ? [AttrParam<S, K>, ...PositionalParams<S, Rest>]
    : [AttrParam<S, K>?, ...PositionalParams<S, Rest>]
  : []

/** A method in PyTorch's order (`methodOrder` in the declaration): attr names and tensor argument indices. */
type OrderedParams<S extends AttrSchema, M, R> = M extends readonly [infer K, ...infer Rest]
  ? [K extends number ? Arg<R> : AttrParam<S, K>, ...OrderedParams<S, Rest, R>]
  : []

/** No attrs: `{}`, or `Record<string, never>` (defineOp's default). */
type HasNoKeys<S> = keyof S extends never ? true : string extends keyof S ? ([S[string & keyof S]] extends [never] ? true : false) : false

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never

/**
 * The overloads for each count `T` of tensor arguments: attrs positionally, or as one object.
 * One signature per count (TypeScript does not try the next overload after a signature whose
 * rest parameter is a union of tuples fails).
 */
type Forms<T, S extends AttrSchema, P, R> = T extends unknown[]
  ? HasNoKeys<S> extends true
    ? (...args: T) => R
    : ((...args: [...T, ...PositionalParams<S, P>]) => R) | ((...args: [...T, attrs: AttrsInput<S>]) => R)
  : never

/** The method of one op function; `undefined` for list ops (`cat`, `stack` take an array; no method). */
export type OpMethod<F, R> = F extends { readonly op: Op<infer S, infer A, infer P, infer M> }
  ? [A] extends ['list']
    ? undefined
    : 'list' extends A
      ? UntypedMethod<R>
    : [M] extends [readonly unknown[]]
      ? (...args: [...OrderedParams<S, M, R>, attrs?: AttrsInput<Omit<S, Extract<M[number], string>>>]) => R
      : UnionToIntersection<Forms<OtherTensors<A, R>, S, P, R>>
  : never

type Ops = typeof ops

/**
 * The method of an op whose function lost its declaration's types (a builder returning a
 * plain `OpFunction<S>`): it takes anything. `UntypedOps` lists such ops; test/types
 * requires it to be empty, so a builder must return `OpFunction<S, A, P, M>`.
 */
type UntypedMethod<R> = ((...args: any[]) => R) & { readonly untyped: true }

/** The exported ops whose methods are untyped (see `UntypedMethod`): none, or the type test fails. */
export type UntypedOps = { [K in keyof Ops]: OpMethod<Ops[K], unknown> extends { readonly untyped: true } ? K : never }[keyof Ops]

/**
 * Every op exported by ops/index.ts (internal helper ops are not) as a method, PyTorch style:
 * `x.add(y)`, `x.sum(dims, keepdim)`, `x.pow(2)`, typed from its declaration.
 */
export type OpMethods<R> = {
  // Keyed by every export (a filtering `as` clause would make TypeScript resolve every op's
  // type to look up any member, a cycle for ops whose kernels use tensor members); a list
  // op's entry is `undefined`, as at run time, so `x.cat(...)` does not compile.
  [K in keyof Ops]: OpMethod<Ops[K], R>
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
}

/** An attr given positionally: `x.sum(1)` reads as `x.sum([1])`, as PyTorch accepts an int for a dims list. */
function positionalValue(op: Op, name: string, value: unknown): unknown {
  return (op.attrs as AttrSchema)[name]?.kind === 'ints' && typeof value === 'number' ? [value] : value
}

/** Turns the positional tail of a method call into an attrs object. */
function positionalAttrs(op: Op, rest: readonly unknown[]): object | undefined {
  if (rest.length === 0) return undefined
  if (rest.length === 1 && isPlainObject(rest[0])) return rest[0]
  const names = op.positional ?? []
  if (rest.length > names.length) {
    const takes = names.length === 0 ? 'no attributes' : `at most ${names.length} positional attribute(s): ${names.join(', ')}`
    throw invalid(`${op.name}: the method was given ${rest.length} argument(s) after its tensors; it takes ${takes}.`)
  }
  const attrs: Record<string, unknown> = {}
  rest.forEach((value, i) => {
    attrs[names[i]] = positionalValue(op, names[i], value)
  })
  return attrs
}

/**
 * A method whose parameters come in PyTorch's order (`x.gather(dim, index)`): each is an
 * attr or an argument position, as `op.methodOrder` states; an attrs object may follow.
 */
function reorderedMethod(op: Op, order: readonly (string | number)[]) {
  return function (this: Value, ...rest: unknown[]): Value {
    const extra = rest.length > order.length && isPlainObject(rest[rest.length - 1]) ? (rest.pop() as Record<string, unknown>) : {}
    if (rest.length > order.length) {
      const names = order.map((p) => (typeof p === 'number' ? `tensor argument ${p}` : p)).join(', ')
      throw invalid(`${op.name}: the method was given ${rest.length} argument(s); it takes ${names}, in PyTorch's order, then optional attrs.`)
    }
    const args: unknown[] = [this]
    const attrs: Record<string, unknown> = { ...extra }
    rest.forEach((value, i) => {
      const slot = order[i]
      if (typeof slot === 'number') args[slot] = value
      else attrs[slot] = value
    })
    return apply(op, args, op.parseAttrs(attrs))
  }
}

function makeMethod(op: Op) {
  if (op.methodOrder !== undefined) return reorderedMethod(op, op.methodOrder)
  // Attrs when none are given, parsed once (they never change): the hot path of scalar code.
  let defaults: object | undefined
  const others = typeof op.arity === 'number' ? op.arity - 1 : -1
  const general = function (self: Value, rest: readonly unknown[]): Value {
    if (rest.length === others && (others === 0 || !isPlainObject(rest[others - 1]))) {
      return apply(op, [self, ...rest], (defaults ??= Object.freeze(op.parseAttrs(undefined))))
    }
    let tensors: number
    if (typeof op.arity === 'number') tensors = op.arity - 1
    else {
      const max = (op.arity as readonly [number, number])[1] - 1
      tensors = 0
      while (tensors < rest.length && tensors < max && !isPlainObject(rest[tensors])) tensors++
    }
    const args = [self, ...rest.slice(0, tensors)]
    return apply(op, args, op.parseAttrs(positionalAttrs(op, rest.slice(tensors))))
  }
  // `x.square()` and `x.sub(y)` (no attrs) are most calls: they go to `applyFew`, with no
  // argument array unless the interpreter needs one. `arguments.length` rather than a rest
  // parameter, which allocates.
  if (others === 0) {
    return function (this: Value): Value {
      if (arguments.length === 0) return applyFew(op, 1, this, undefined, (defaults ??= Object.freeze(op.parseAttrs(undefined))))
      return general(this, Array.from(arguments))
    }
  }
  if (others === 1) {
    return function (this: Value, other: unknown): Value {
      if (arguments.length === 1 && (other instanceof Tensor || !isPlainObject(other))) return applyFew(op, 2, this, other, (defaults ??= Object.freeze(op.parseAttrs(undefined))))
      return general(this, Array.from(arguments))
    }
  }
  return function (this: Value, ...rest: unknown[]): Value {
    return general(this, rest)
  }
}

/** Installs a method per registered op on a prototype: list ops (`cat`) and internal helper ops excepted. */
export function installOpMethods(proto: object): void {
  for (const op of listOps()) {
    if (op.arity === 'list' || op.internal === true) continue
    Object.defineProperty(proto, op.name, { value: makeMethod(op), writable: true, configurable: true })
  }
}
