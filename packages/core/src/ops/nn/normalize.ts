import type { Value } from '../../dispatch.js'
import { shapeOf } from '../../op.js'
import { add, div, mul, reciprocal, square, sub } from '../arithmetic.js'
import { sum } from '../base.js'
import { sqrt } from '../unary.js'

// The normalization batchNorm and layerNorm share: over some dims of x,
//   x̂ = (x − μ)·r,  μ = mean(x),  r = 1/√(σ² + eps),  σ² the biased variance.
// The Jacobian of x ↦ x̂ is symmetric: P(v) = r·(v − mean(v) − x̂·mean(v·x̂)) over the same
// dims, so the JVP and the VJP are the same projection, written with core ops (statistics
// included) so that it differentiates again.

export interface Normalized {
  xhat: Value
  rstd: Value
  /** The dims the statistics are taken over, and how many values each statistic sees. */
  dims: number[]
  count: number
}

/** x̂ and r from x, with core ops, the statistics over `dims` (kept, to broadcast back). */
export function normalized(x: Value, dims: number[], eps: number): Normalized {
  const shape = shapeOf(x)
  const count = dims.reduce((p, d) => p * shape[d], 1)
  const mu = div(sum(x, { dims, keepdim: true }), count)
  const xc = sub(x, mu)
  const variance = div(sum(square(xc), { dims, keepdim: true }), count)
  const rstd = reciprocal(sqrt(add(variance, eps)))
  return { xhat: mul(xc, rstd), rstd, dims, count }
}

/** P(v) = r·(v − mean(v) − x̂·mean(v·x̂)): the derivative of x̂ applied to v (or its transpose). */
export function project({ xhat, rstd, dims, count }: Normalized, v: Value): Value {
  const mean = (u: Value) => div(sum(u, { dims, keepdim: true }), count)
  return mul(rstd, sub(sub(v, mean(v)), mul(xhat, mean(mul(v, xhat)))))
}
