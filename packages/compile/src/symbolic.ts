import { AdError, type DType, type OpMethods } from '@ad/core'
import { installOpMethods, TRACE, type Interpreter, type Traced } from '@ad/core/internal'
import { fmtShape, type Node } from './graph.js'

// Every registered op is also a method on symbolic values, as on tensors.
export interface Symbolic extends OpMethods<Symbolic> {}

/**
 * A value being traced: it has a shape and a dtype but no elements. Ops on it are recorded
 * by its tracer; reading it (for an `if`, a comparison with `>` or a print) is impossible,
 * since the compiled code must not depend on values for its control flow.
 */
export class Symbolic implements Traced {
  readonly [TRACE]: Interpreter
  readonly node: Node

  constructor(trace: Interpreter, node: Node) {
    this[TRACE] = trace
    this.node = node
  }

  get shape(): readonly number[] {
    return this.node.shape
  }

  get dtype(): DType {
    return this.node.dtype
  }

  get rank(): number {
    return this.node.shape.length
  }

  get size(): number {
    let n = 1
    for (const d of this.node.shape) n *= d
    return n
  }

  item(): number {
    throw tracedValue(this, 'item()')
  }

  tolist(): never {
    throw tracedValue(this, 'tolist()')
  }

  valueOf(): never {
    throw tracedValue(this, 'valueOf()')
  }

  [Symbol.toPrimitive](): never {
    throw tracedValue(this, 'its value (a comparison, arithmetic with JS operators or a template string)')
  }

  toString(): string {
    return `Symbolic(%${this.node.id}: ${describeNode(this.node)})`
  }
}

installOpMethods(Symbolic.prototype)

export function describeNode(node: Node): string {
  const what = node.kind === 'op' ? `the result of ${node.op!.name}` : node.kind === 'input' ? `input ${node.index}` : 'a constant'
  return `${what}, shape ${fmtShape(node.shape)} ${node.dtype}`
}

function tracedValue(value: Symbolic, read: string): AdError {
  return new AdError(
    'TRACED_VALUE',
    `${read} read a value being compiled (${describeNode(value.node)}): compiled code cannot branch on values. ` +
      'Use where, clamp, maximum or minimum instead of an if, or call the function without compile.',
  )
}
