import { index, reshape, shapeOf, stack, type MaybeZero, type Op, type Value } from '@ad/core'
import { zerosLike } from './values.js'

/** What a JVP rule receives: the op's primal inputs, its output and its attrs. */
export type JvpContext = Parameters<NonNullable<Op['jvp']>>[0]

/**
 * Runs an op's JVP rule on batched tangents (a leading chunk dim: [k, ...argShape]) though
 * rules are written for one tangent each. The output tangent has shape [k, ...outShape].
 *
 * - `elementwise` ops: each tangent is reshaped to [k, 1, ..., 1, ...argShape] (aligned to
 *   the output's rank) and the rule runs once; broadcasting against the unbatched primals
 *   and partials does the rest.
 * - any other op: the rule runs on each chunk slice and the results are stacked.
 */
export function batchedJvp(op: Op, ctx: JvpContext, tangents: MaybeZero[]): MaybeZero {
  const jvp = op.jvp!
  if (op.elementwise) {
    const rank = shapeOf(ctx.out).length
    for (let i = 0; i < tangents.length; i++) {
      const t = tangents[i]
      if (t !== null) tangents[i] = alignBatched(t, rank)
    }
    return jvp(ctx, tangents)
  }
  const k = chunkOf(tangents)
  const slices = new Array<Value>(k)
  const tangentsAt = new Array<MaybeZero>(tangents.length)
  let zero = true
  for (let r = 0; r < k; r++) {
    for (let i = 0; i < tangents.length; i++) {
      const t = tangents[i]
      tangentsAt[i] = t === null ? null : index(t, { index: r })
    }
    const s = jvp(ctx, tangentsAt)
    if (s !== null) zero = false
    slices[r] = s ?? zerosLike(ctx.out)
  }
  return zero ? null : stack(slices, { dim: 0 })
}

/** [k, ...s] seen as [k, 1, ..., 1, ...s] with `rank` dims after the chunk dim. */
function alignBatched(t: Value, rank: number): Value {
  const shape = shapeOf(t)
  const missing = rank - (shape.length - 1)
  if (missing <= 0) return t
  const aligned = new Array<number>(rank + 1)
  aligned[0] = shape[0]
  for (let i = 1; i <= missing; i++) aligned[i] = 1
  for (let i = 1; i < shape.length; i++) aligned[missing + i] = shape[i]
  return reshape(t, { shape: aligned })
}

function chunkOf(tangents: readonly MaybeZero[]): number {
  for (const t of tangents) if (t !== null) return shapeOf(t)[0]
  return 0
}
