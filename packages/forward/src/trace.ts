import { type MaybeZero, type Op, type Value } from '@ad/core'
import { apply, freshLevel, TRACE, type Interpreter } from '@ad/core/internal'
import { batchedJvp, type JvpContext } from './batch.js'
import { Dual } from './dual.js'
import { invalid } from './values.js'

/**
 * The interpreter of one forward transform call. It owns the duals of its level: applying
 * an op unwraps them into primals and tangents, applies the op to the primals one level
 * down (they may be duals of an enclosing transform), then runs the op's JVP rule. It reads
 * only the op's declaration (`jvp`, `constantArgs`, `elementwise`), never its name.
 */
export class ForwardTrace implements Interpreter {
  readonly level = freshLevel()
  /** Whether tangents carry a leading chunk dim (chunked `grad`, `jacfwd`). */
  readonly batched: boolean
  private active = true

  constructor(batched: boolean) {
    this.batched = batched
  }

  /** A dual of this level; an exact zero tangent (null) leaves the primal plain. */
  lift(primal: Value, tangent: MaybeZero): Value {
    return tangent === null ? primal : new Dual(this, primal, tangent)
  }

  /** The tangent of `v` at this level; null when `v` does not depend on this level's inputs. */
  tangentOf(v: Value): MaybeZero {
    return v instanceof Dual && v[TRACE] === this ? v.tangent : null
  }

  /** The value of `v` with this level's perturbation dropped. */
  primalOf(v: Value): Value {
    return v instanceof Dual && v[TRACE] === this ? v.primal : v
  }

  /** Called when the transform returns: a dual of this level used afterwards has escaped. */
  finish(): void {
    this.active = false
  }

  apply(anyOp: Parameters<Interpreter['apply']>[0], args: readonly Value[], attrs: object): Value {
    const op = anyOp as Op
    if (!this.active) {
      throw invalid(
        `${op.name}: got a dual number of a forward transform that has already returned (it escaped through ` +
          'a closure or a variable). Return values from the differentiated function instead.',
      )
    }
    const n = args.length
    const primals = new Array<Value>(n)
    const tangents = new Array<MaybeZero>(n)
    for (let i = 0; i < n; i++) {
      const a = args[i]
      if (a instanceof Dual && a[TRACE] === this) {
        primals[i] = a.primal
        tangents[i] = a.tangent
      } else {
        primals[i] = a
        tangents[i] = null
      }
    }
    const constant = op.constantArgs
    if (constant !== undefined) for (let i = 0; i < constant.length; i++) if (constant[i] < n) tangents[constant[i]] = null
    const out = apply(op, primals, attrs)
    if (op.jvp === undefined || allNull(tangents)) return out
    const ctx: JvpContext = { args: primals, out, attrs: attrs as JvpContext['attrs'] }
    const tangent = this.batched ? batchedJvp(op, ctx, tangents) : op.jvp(ctx, tangents)
    return tangent === null ? out : new Dual(this, out, tangent)
  }
}

function allNull(xs: readonly MaybeZero[]): boolean {
  for (let i = 0; i < xs.length; i++) if (xs[i] !== null) return false
  return true
}
