import { full, shapeOf, Tensor, type Value } from '@ad/core'
import { expectFunction } from '@ad/core'
import { ForwardTrace } from './trace.js'
import { describe, fmt, invalid, isValue, toValue } from './values.js'

/**
 * `derivative(f)(x)`: the derivative of a scalar function at a scalar. A number gives a
 * number (the cheap scalar path), a 0-dim tensor a 0-dim tensor, and a dual of an
 * enclosing transform a dual of that one, so `derivative(derivative(f))` is f''.
 */
export function derivative(f: (x: any) => unknown): (x: Value) => any {
  expectFunction('derivative', f)
  return (x: unknown) => {
    const input = toValue('derivative: the input', x)
    if (shapeOf(input).length !== 0) {
      throw invalid(
        `derivative: expects a scalar input (a number or a 0-dim tensor), got shape ${fmt(shapeOf(input))}; ` +
          'use jvp or jacfwd for tensor inputs.',
      )
    }
    const trace = new ForwardTrace(false)
    // A plain tensor's seed has its dtype so float32 stays float32; otherwise a weak 1.
    const seed = input instanceof Tensor ? full([], 1, { dtype: input.dtype }) : 1
    let out: unknown
    try {
      out = f(trace.lift(input, seed))
    } finally {
      trace.finish()
    }
    const primal = isValue(out) ? trace.primalOf(out) : out
    if (!isValue(primal) || shapeOf(primal).length !== 0) {
      throw invalid(
        `derivative: f must return a scalar (a number or a 0-dim tensor), got ${describe(primal)}; ` +
          'use jacfwd for tensor outputs.',
      )
    }
    const t = trace.tangentOf(out as Value) ?? 0
    // A weak tangent (a number) of a plain tensor output becomes a tensor of its dtype.
    return typeof t === 'number' && primal instanceof Tensor ? full([], t, { dtype: primal.dtype }) : t
  }
}

