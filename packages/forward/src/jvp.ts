import { AdError, shapeOf, Tensor, type Value } from '@ad/core'
import { expectFunction } from '@ad/core'
import { ForwardTrace } from './trace.js'
import { isContainer, mapLeaves } from './tree.js'
import { fmt, invalid, isValue, toValue, zerosLike } from './values.js'

/**
 * `jvp(f, primals, tangents)` → `[out, tangentOut]`: f's output and its directional
 * derivative along `tangents`, in one forward pass. Primals and tangents may be tensors,
 * numbers or nested arrays; each tangent has its primal's shape. f may return a value or an
 * array or plain object of values; `tangentOut` then has the same structure.
 */
export function jvp(f: (...args: any[]) => unknown, primals: readonly unknown[], tangents: readonly unknown[]): [any, any] {
  expectFunction('jvp', f)
  if (!Array.isArray(primals) || !Array.isArray(tangents)) {
    throw invalid('jvp: expects jvp(f, primals, tangents) with primals and tangents as arrays, e.g. jvp(f, [x], [v]).')
  }
  if (primals.length !== tangents.length) {
    throw invalid(`jvp: got ${primals.length} primal(s) and ${tangents.length} tangent(s); give one tangent per primal.`)
  }
  const trace = new ForwardTrace(false)
  const inputs = primals.map((p, i) => {
    const primal = toValue(`jvp: primal ${i}`, p)
    return trace.lift(primal, tangentFor(i, primal, toValue(`jvp: tangent ${i}`, tangents[i])))
  })
  let out: unknown
  try {
    out = f(...inputs)
  } finally {
    trace.finish()
  }
  if (isValue(out)) return [trace.primalOf(out), tangentOut(trace, out)]
  if (!isContainer(out)) throw invalid('jvp: f must return a tensor, a number, or an array or plain object of them.')
  return [mapLeaves(out, (v) => (isValue(v) ? trace.primalOf(v) : v)), mapLeaves(out, (v) => (isValue(v) ? tangentOut(trace, v) : v))]
}

/** The tangent as the primal needs it: the same shape, and a plain tensor cast to the primal's dtype. */
function tangentFor(i: number, primal: Value, tangent: Value): Value {
  const ps = shapeOf(primal)
  const ts = shapeOf(tangent)
  if (ps.length !== ts.length || ps.some((d, j) => d !== ts[j])) {
    throw new AdError(
      'SHAPE_MISMATCH',
      `jvp: tangent ${i} has shape ${fmt(ts)} but its primal has shape ${fmt(ps)}; give each primal a tangent of its own shape.`,
    )
  }
  if (tangent instanceof Tensor && primal instanceof Tensor && tangent.dtype !== primal.dtype) return tangent.to(primal.dtype)
  return tangent
}

function tangentOut(trace: ForwardTrace, v: Value): Value {
  return trace.tangentOf(v) ?? zerosLike(trace.primalOf(v))
}
