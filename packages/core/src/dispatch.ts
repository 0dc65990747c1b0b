import type { DType } from './dtype.js'
import type { Tensor } from './tensor.js'

/**
 * How engines hook into core ops, in the manner of JAX's tracers. A value an engine tracks
 * (a dual number, a tensor on a tape) carries its interpreter under `TRACE`. Applying an op
 * hands it to the interpreter of highest level among the arguments; that interpreter
 * unwraps its own values, applies the op again one level down, and wraps the result. With
 * no tracked argument the op simply runs its kernel. So rules written with core ops work
 * on plain tensors, on duals and on taped tensors alike, which is what makes every rule
 * differentiable again (nested duals, double backward).
 */
export const TRACE: unique symbol = Symbol.for('ad.trace')

export interface Interpreter {
  /** Higher levels are unwrapped first. Reverse mode is 0; each forward transform takes a fresh, higher level. */
  readonly level: number
  apply(op: AnyOp, args: readonly Value[], attrs: object): Value
  /**
   * Optional: true when applying any op to these values would only run its kernel (nothing
   * recorded, nothing transformed), so a fused loop may stand in for a rule's ops on them.
   */
  passive?(values: readonly unknown[]): boolean
  /**
   * Optional: `apply` of an op to `n` = 1 or 2 arguments (`b` unused for one), without the
   * argument array: the calls of scalar code, one method or free function per number.
   */
  applyFew?(op: AnyOp, n: 1 | 2, a: Value, b: Value | undefined, attrs: object): Value
}

export interface Traced {
  readonly [TRACE]: Interpreter
  readonly shape: readonly number[]
  readonly dtype: DType
}

export type Value = number | Tensor | Traced

// Forward reference kept loose here to avoid a module cycle; op.ts defines the real type.
export interface AnyOp {
  readonly name: string
}

export function interpreterOf(value: unknown): Interpreter | undefined {
  return typeof value === 'object' && value !== null ? (value as Partial<Traced>)[TRACE] : undefined
}

export function topInterpreter(args: readonly unknown[]): Interpreter | undefined {
  let top: Interpreter | undefined
  for (let i = 0; i < args.length; i++) {
    const it = interpreterOf(args[i])
    if (it !== undefined && (top === undefined || it.level > top.level)) top = it
  }
  return top
}

let nextLevel = 1

/** A level above every level handed out so far: nested transforms always sit on top. */
export function freshLevel(): number {
  return nextLevel++
}
