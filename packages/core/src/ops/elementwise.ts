import type { Domain, ValueDomain } from '../domain.js'
import { drawBroadcastable, drawShape, real } from '../domain.js'
import { broadcastShapes, sameShape } from '../shape.js'
import { binaryKernel, ownCopy, unaryKernel } from '../kernels/elementwise.js'
import { fusedBinary, fusedBinarySum, fusedLoops, fusedUnary, fusible, type FusedLoops } from '../kernels/fused.js'
import { Tensor } from '../tensor.js'
import { defineOp, shapeOf, type Edge, type MaybeZero, type NoAttrs, type OpFunction, type RuleContext } from '../op.js'
import type { Value } from '../dispatch.js'
import { expandTo, sumTo } from './base.js'

// The rules below are written with mul, add and neg, which these builders themselves make:
// they are declared at the end of this module (the rules only call them when they run, after
// the module has loaded), so the builders need no op module above them. Numbers go straight
// to the op's scalar function, as its free function does (see `freeFunction` in op.ts).

// Elementwise ops state their partial derivatives once, as DiffRules and ChainRules do; the
// JVP (tangent times partial) and the VJP (cotangent times partial) both follow from them.
// Partials are written with core ops, so they differentiate again.

/** A (co)tangent times a partial; constant partials of ±1 (add, sub, neg) cost nothing. */
function scale(t: Value, partial: Value): Value {
  if (partial === 1) return t
  if (partial === -1) return neg(t)
  return mul(t, partial)
}

/**
 * Whether a rule may run as one fused loop (kernels/fused.ts): the (co)tangent is a tensor
 * and every value is plain, of the output's shape and dtype.
 */
function fusibleRule(t: Value, values: readonly unknown[], out: Value): boolean {
  return typeof t !== 'number' && out instanceof Tensor && fusible(values, out.shape, out.dtype)
}

/**
 * The rules of the ops these builders make are templates, and each op runs its own compiled
 * copy of them (`ownCopy`, as its kernels do). Rules shared by all ops would call the op's
 * partial (`d`, `da`, `db`) from one site that sees every op's, which V8 neither inlines nor
 * caches; in an op's own copy that site only sees its partial, which V8 inlines, and the
 * arithmetic of `scale` with it: on numbers (every scalar op of a reverse pass, forward
 * mode's scalar path) a rule then costs little more than that arithmetic. A copy is compiled
 * from the template's source, so it has no closure: what it uses comes in as arguments (the
 * helpers as `kit`), and it must not declare named inner functions (tsx's keepNames would
 * wrap them in a helper the copy cannot see; `ownRules` checks the copy and falls back to
 * the template).
 */
const KIT = {
  scale, sumTo, shapeOf, sameShape, expandTo, broadcastShapes, add: (a: Value, b: Value): Value => add(a, b),
  fusibleRule, fusedUnary, fusedBinary, fusedBinarySum,
}
type Kit = typeof KIT
type Rules = Required<Pick<Parameters<typeof defineOp>[0], 'jvp' | 'vjp'>>
type UnaryPartial = UnarySpec['d']
type BinaryPartial = BinarySpec['da']

// A partial that takes no argument is a constant (1 for add, −1 for sub): `scale` then costs
// nothing or one `neg`, which a fused loop would not beat, so such partials are not fused.
// Fused loops return null when a partial does not give numbers on numbers; the rule then
// runs unfused.

function unaryRules(kit: Kit, d: UnaryPartial, loops: FusedLoops): Rules {
  const fuse = d.length > 0
  return {
    jvp: (ctx: RuleContext<object>, tangents: readonly MaybeZero[]): MaybeZero => {
      const t = tangents[0]
      if (t === null) return null
      const x = ctx.args[0]
      const out = ctx.out
      if (fuse && kit.fusibleRule(t, [t, x, out], out)) {
        const fused = kit.fusedUnary(loops, d, t as Tensor, x as Tensor, out as Tensor)
        if (fused !== null) return fused
      }
      return kit.scale(t, d(x, out))
    },
    vjp: (ctx: RuleContext<object>, g: Value): MaybeZero[] => {
      const x = ctx.args[0]
      const out = ctx.out
      if (fuse && kit.fusibleRule(g, [g, x, out], out)) {
        const fused = kit.fusedUnary(loops, d, g as Tensor, x as Tensor, out as Tensor)
        if (fused !== null) return [fused]
      }
      return [kit.scale(g, d(x, out))]
    },
  }
}

function binaryRules(kit: Kit, name: string, da: BinaryPartial, db: BinaryPartial, loopsA: FusedLoops, loopsB: FusedLoops, loopsSum: FusedLoops): Rules {
  const fuseA = da.length > 0
  const fuseB = db.length > 0
  return {
    jvp: (ctx: RuleContext<object>, tangents: readonly MaybeZero[]): MaybeZero => {
      const a = ctx.args[0]
      const b = ctx.args[1]
      const out = ctx.out
      const ta = tangents[0]
      const tb = tangents[1]
      if (ta !== null && tb !== null) {
        if (typeof tb !== 'number' && kit.fusibleRule(ta, [ta, tb, a, b, out], out)) {
          const fused = kit.fusedBinarySum(loopsSum, da, db, ta as Tensor, tb as Tensor, a, b, out as Tensor)
          if (fused !== null) return fused
        }
      } else if (ta !== null) {
        if (fuseA && kit.fusibleRule(ta, [ta, a, b, out], out)) {
          const fused = kit.fusedBinary(loopsA, da, ta as Tensor, a, b, out as Tensor)
          if (fused !== null) return fused
        }
      } else if (tb !== null && fuseB && kit.fusibleRule(tb, [tb, a, b, out], out)) {
        const fused = kit.fusedBinary(loopsB, db, tb as Tensor, a, b, out as Tensor)
        if (fused !== null) return fused
      }
      let t: MaybeZero = null
      if (ta !== null) t = kit.scale(ta, da(a, b, out))
      if (tb !== null) {
        const tbPart = kit.scale(tb, db(a, b, out))
        t = t === null ? tbPart : kit.add(t, tbPart)
      }
      // A tangent built only from a smaller input still has the output's shape, behind any
      // leading chunk dims an engine batches tangents with (see OpSpec.elementwise).
      if (t === null) return null
      const ts = kit.shapeOf(t)
      const os = kit.shapeOf(out)
      return kit.sameShape(ts, os) ? t : kit.expandTo(t, kit.broadcastShapes(name, ts, os))
    },
    vjp: (ctx: RuleContext<object>, g: Value, needs: readonly boolean[]): MaybeZero[] => {
      const a = ctx.args[0]
      const b = ctx.args[1]
      const out = ctx.out
      if ((fuseA || fuseB) && kit.fusibleRule(g, [g, a, b, out], out)) {
        // Every value has the output's shape, so no sumTo; a constant partial is scaled as below.
        const ga = !needs[0] ? null : fuseA ? kit.fusedBinary(loopsA, da, g as Tensor, a, b, out as Tensor) : kit.scale(g, da(a, b, out))
        const gb = !needs[1] ? null : fuseB ? kit.fusedBinary(loopsB, db, g as Tensor, a, b, out as Tensor) : kit.scale(g, db(a, b, out))
        if ((ga !== null || !needs[0]) && (gb !== null || !needs[1])) return [ga, gb]
      }
      return [
        needs[0] ? kit.sumTo(kit.scale(g, da(a, b, out)), kit.shapeOf(a)) : null,
        needs[1] ? kit.sumTo(kit.scale(g, db(a, b, out)), kit.shapeOf(b)) : null,
      ]
    },
  }
}

type RulesTemplate = (kit: Kit, ...rest: any[]) => Rules

/**
 * An op's rules from its own copy of a template. The copy is checked on numbers with
 * stand-in partials of 1 (and one tangent), which call no op: the op itself, and those its
 * rules use, may not be registered yet.
 */
function ownRules(template: RulesTemplate, name: string, rest: unknown[], probe: unknown[]): Rules {
  const copy = ownCopy(template as unknown as (...args: never[]) => void, name, (candidate) => {
    const rules = (candidate as unknown as RulesTemplate)(KIT, ...probe)
    const ctx = { args: [2, 3], out: 5, attrs: {} }
    rules.jvp(ctx, [1, null])
    rules.vjp(ctx, 1, [true, true])
  }) as unknown as RulesTemplate
  return copy(KIT, ...rest)
}

/** The stand-in partial `ownRules` checks a copy with. */
const one = (): Value => 1

export interface UnarySpec {
  name: string
  /** The scalar function: the kernel's body and forward mode's scalar path. */
  f: (x: number) => number
  /** ∂y/∂x from the input `x` and the output `y`. */
  d: (x: Value, y: Value) => Value
  values: ValueDomain
  edges?: readonly Edge[]
  /** The derivative as a KaTeX formula (see OpSpec.tex). */
  tex: string
}

export function defineUnary(spec: UnarySpec): OpFunction<NoAttrs, 1, []> {
  const { f, d } = spec
  const kernel = unaryKernel(spec.name, f)
  return defineOp<NoAttrs, 1, []>({
    name: spec.name,
    arity: 1,
    elementwise: true,
    scalar: f,
    partials: [d],
    shape: ([s]) => s,
    primal: ([x]) => kernel(x),
    ...ownRules(unaryRules, spec.name, [d, fusedLoops(spec.name)], [one, fusedLoops(spec.name)]),
    domain: unaryDomain(spec.values),
    edges: spec.edges,
    tex: spec.tex,
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
  /** The derivative as a KaTeX formula (see OpSpec.tex). */
  tex: string
}

export function defineBinary(spec: BinarySpec): OpFunction<NoAttrs, 2, []> {
  const { f, da, db } = spec
  const kernel = binaryKernel(spec.name, f)
  return defineOp<NoAttrs, 2, []>({
    name: spec.name,
    arity: 2,
    elementwise: true,
    scalar: f,
    partials: [da, db],
    shape: ([a, b]) => broadcastShapes(spec.name, a, b),
    primal: ([a, b], _attrs, shape) => kernel(a, b, shape),
    ...ownRules(
      binaryRules,
      spec.name,
      [spec.name, da, db, fusedLoops(spec.name), fusedLoops(spec.name), fusedLoops(spec.name)],
      [spec.name, one, one, fusedLoops(spec.name), fusedLoops(spec.name), fusedLoops(spec.name)],
    ),
    domain: (draw) => {
      const [va, vb] = typeof spec.values === 'function' ? spec.values(draw) : spec.values
      const shape = drawShape(draw)
      const other = drawBroadcastable(draw, shape)
      const [sa, sb] = draw.bool() ? [shape, other] : [other, shape]
      return { args: [{ shape: sa, values: va }, { shape: sb, values: vb }], attrs: {}, distinct: spec.distinct }
    },
    edges: spec.edges,
    tex: spec.tex,
  })
}

// ---------------------------------------------------------------------------------------
// The arithmetic the rules above are written with (the rest is in arithmetic.ts).

export const add = defineBinary({ name: 'add', tex: '\\frac{\\partial}{\\partial a}(a + b) = 1,\\quad \\frac{\\partial}{\\partial b}(a + b) = 1', f: (a, b) => a + b, da: () => 1, db: () => 1, values: [real, real] })

export const mul = defineBinary({ name: 'mul', tex: '\\frac{\\partial}{\\partial a}(ab) = b,\\quad \\frac{\\partial}{\\partial b}(ab) = a', f: (a, b) => a * b, da: (_a, b) => b, db: (a) => a, values: [real, real] })

export const neg = defineUnary({ name: 'neg', tex: '\\frac{d}{dx}(-x) = -1', f: (x) => -x, d: () => -1, values: real })
