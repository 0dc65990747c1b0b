import type { Domain, ValueDomain } from '../domain.js'
import { drawBroadcastable, drawShape } from '../domain.js'
import { broadcastShapes, sameShape } from '../shape.js'
import { binaryKernel, unaryKernel } from '../kernels/elementwise.js'
import { apply, defineOp, getOp, shapeOf, type Edge, type MaybeZero, type OpFunction } from '../op.js'
import type { Value } from '../dispatch.js'
import { expandTo, sumTo } from './broadcast.js'

// The rules below need mul, add and neg, which are themselves built by these builders. They
// are looked up in the registry when a rule runs, so that loading the op families never
// calls a builder whose module has not finished loading (an import cycle).
const NO_ATTRS = {}
const mul = (a: Value, b: Value): Value => apply(getOp('mul'), [a, b], NO_ATTRS)
const add = (a: Value, b: Value): Value => apply(getOp('add'), [a, b], NO_ATTRS)
const neg = (a: Value): Value => apply(getOp('neg'), [a], NO_ATTRS)

/**
 * Elementwise ops state their partial derivatives once, as DiffRules and ChainRules do; the
 * JVP (tangent times partial) and the VJP (cotangent times partial) both follow from them.
 * Partials are written with core ops, so they differentiate again.
 */
/** A (co)tangent times a partial; constant partials of ±1 (add, sub, neg) cost nothing. */
function scale(t: Value, partial: Value): Value {
  if (partial === 1) return t
  if (partial === -1) return neg(t)
  return mul(t, partial)
}

export interface UnarySpec {
  name: string
  /** The scalar function: the kernel's body and forward mode's scalar path. */
  f: (x: number) => number
  /** ∂y/∂x from the input `x` and the output `y`. */
  d: (x: Value, y: Value) => Value
  values: ValueDomain
  edges?: readonly Edge[]
}

export function defineUnary(spec: UnarySpec): OpFunction {
  const { f, d } = spec
  const kernel = unaryKernel(spec.name, f)
  return defineOp({
    name: spec.name,
    arity: 1,
    elementwise: true,
    scalar: f,
    shape: ([s]) => s,
    primal: ([x]) => kernel(x),
    jvp: ({ args: [x], out }, [t]) => (t === null ? null : scale(t, d(x, out))),
    vjp: ({ args: [x], out }, g) => [scale(g, d(x, out))],
    domain: unaryDomain(spec.values),
    edges: spec.edges,
  })
}

function unaryDomain(values: ValueDomain): Domain {
  return (draw) => ({ args: [{ shape: drawShape(draw), values }], attrs: {} })
}

export interface BinarySpec {
  name: string
  f: (a: number, b: number) => number
  /** ∂y/∂a and ∂y/∂b; each is only evaluated when that input needs a derivative. */
  da: (a: Value, b: Value, y: Value) => Value
  db: (a: Value, b: Value, y: Value) => Value
  /** Either a domain for each argument, or a sampler for ops whose arguments constrain each other (pow). */
  values: readonly [ValueDomain, ValueDomain] | ((draw: Parameters<Domain>[0]) => readonly [ValueDomain, ValueDomain])
  /** Ties between the two inputs are kinks (maximum, minimum). */
  distinct?: boolean
  edges?: readonly Edge[]
}

export function defineBinary(spec: BinarySpec): OpFunction {
  const { f, da, db } = spec
  const kernel = binaryKernel(spec.name, f)
  return defineOp({
    name: spec.name,
    arity: 2,
    elementwise: true,
    scalar: f,
    shape: ([a, b]) => broadcastShapes(spec.name, a, b),
    primal: ([a, b], _attrs, shape) => kernel(a, b, shape),
    jvp: ({ args: [a, b], out }, [ta, tb]) => {
      let t: MaybeZero = null
      if (ta !== null) t = scale(ta, da(a, b, out))
      if (tb !== null) {
        const tbPart = scale(tb, db(a, b, out))
        t = t === null ? tbPart : add(t, tbPart)
      }
      // A tangent built only from a smaller input still has the output's shape, behind any
      // leading chunk dims an engine batches tangents with (see OpSpec.elementwise).
      if (t === null) return null
      const ts = shapeOf(t)
      const os = shapeOf(out)
      return sameShape(ts, os) ? t : expandTo(t, broadcastShapes(spec.name, ts, os))
    },
    vjp: ({ args: [a, b], out }, g, needs) => [
      needs[0] ? sumTo(scale(g, da(a, b, out)), shapeOf(a)) : null,
      needs[1] ? sumTo(scale(g, db(a, b, out)), shapeOf(b)) : null,
    ],
    domain: (draw) => {
      const [va, vb] = typeof spec.values === 'function' ? spec.values(draw) : spec.values
      const shape = drawShape(draw)
      const other = drawBroadcastable(draw, shape)
      const [sa, sb] = draw.bool() ? [shape, other] : [other, shape]
      return { args: [{ shape: sa, values: va }, { shape: sb, values: vb }], attrs: {}, distinct: spec.distinct }
    },
    edges: spec.edges,
  })
}
