import type { AttrSchema } from './attrs.js'
import type { Value } from './dispatch.js'
import { invalid } from './errors.js'
import { apply, listOps, type Op } from './op.js'
import type * as ops from './ops/index.js'

/** Every registered op as a method, PyTorch style: `x.add(y)`, `x.sum(dims, keepdim)`, `x.pow(2)`. */
export type OpMethods<R> = { [K in keyof typeof ops]: (...args: any[]) => R }

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false
  const proto = Object.getPrototypeOf(x)
  return proto === Object.prototype || proto === null
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
  const schema = op.attrs as AttrSchema
  const attrs: Record<string, unknown> = {}
  rest.forEach((value, i) => {
    const name = names[i]
    // x.sum(1) reads as x.sum([1]), as PyTorch accepts an int for a dims list.
    attrs[name] = schema[name]?.kind === 'ints' && typeof value === 'number' ? [value] : value
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
  // `x.square()` and `x.sub(y)` (no attrs) are most calls: they build only the argument array
  // the op is applied to. `arguments.length` rather than a rest parameter, which allocates.
  if (others === 0) {
    return function (this: Value): Value {
      if (arguments.length === 0) return apply(op, [this], (defaults ??= Object.freeze(op.parseAttrs(undefined))))
      return general(this, Array.from(arguments))
    }
  }
  if (others === 1) {
    return function (this: Value, other: unknown): Value {
      if (arguments.length === 1 && !isPlainObject(other)) return apply(op, [this, other], (defaults ??= Object.freeze(op.parseAttrs(undefined))))
      return general(this, Array.from(arguments))
    }
  }
  return function (this: Value, ...rest: unknown[]): Value {
    return general(this, rest)
  }
}

/** Installs a method per registered op (list ops such as `cat` excepted) on a prototype. */
export function installOpMethods(proto: object): void {
  for (const op of listOps()) {
    if (op.arity === 'list') continue
    Object.defineProperty(proto, op.name, { value: makeMethod(op), writable: true, configurable: true })
  }
}
