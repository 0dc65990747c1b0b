import { shapeOf, Tensor, type DType, type OpMethods, type Value } from '@ad/core'
import { formatTensor, INSPECT, installOpMethods, TRACE, type Interpreter, type Traced } from '@ad/core/internal'
import { dtypeOfValue } from './values.js'

// Every registered op is also a method on duals (installed below), as on tensors.
export interface Dual extends OpMethods<Dual> {}

/**
 * A value traced by one forward transform: its primal and its tangent along that
 * transform's perturbation. The primal may itself be a dual of an enclosing transform
 * (nesting); the tangent is never an exact zero (such values stay plain). In a batched
 * (chunked) transform the tangent has a leading chunk dim: shape [k, ...shape].
 */
export class Dual implements Traced {
  readonly [TRACE]: Interpreter
  readonly primal: Value
  readonly tangent: Value

  constructor(trace: Interpreter, primal: Value, tangent: Value) {
    this[TRACE] = trace
    this.primal = primal
    this.tangent = tangent
  }

  get shape(): readonly number[] {
    return shapeOf(this.primal)
  }

  get dtype(): DType {
    return dtypeOfValue(this.primal)
  }

  get size(): number {
    let n = 1
    for (const d of this.shape) n *= d
    return n
  }

  /**
   * The primal's single element as a number, for control flow (`if (x.item() > 0)`). It
   * drops the perturbation: a result computed from it is a constant, as in PyTorch.
   */
  item(): number {
    const p = this.primal
    if (typeof p === 'number') return p
    return (p as { item(): number }).item()
  }

  /**
   * As PyTorch prints a dual tensor: the primal, then `tangent=` and the tangent as it
   * prints itself. A primal that is a dual of an enclosing transform adds its own tangent
   * first (outermost transform first).
   */
  toString(): string {
    const tangents: string[] = []
    let primal: Value = this
    while (primal instanceof Dual) {
      const t = primal.tangent
      tangents.unshift(`tangent=${typeof t === 'number' ? formatTensor(t) : String(t)}`)
      primal = primal.primal
    }
    if (typeof primal === 'number' || primal instanceof Tensor) return formatTensor(primal, tangents)
    return `${String(primal)} with ${tangents.join(', ')}` // a value traced by another kind of transform
  }

  /** What Node's `console.log` and `util.inspect` show. */
  [INSPECT](): string {
    return this.toString()
  }
}

installOpMethods(Dual.prototype)
