import { expand, full, index, reshape, shapeOf, stack, Tensor as CoreTensor, zeros, type MaybeZero, type Op, type Value } from '@ad/core'
import type { Node } from './node.js'

// A backward pass over a batch of cotangents: every cotangent carries a leading dim of k
// ([k, ...shape]), k seeds at once (jacrev's rows of the identity), one walk of the graph
// instead of k. Rules are written for one cotangent each, so, as the forward engine batches
// tangents (forward/src/batch.ts), the engine reads the op's declaration:
//
// - `elementwise` ops: output element i depends on input elements i only, so the rule runs
//   once on a problem k times larger: the inputs and the output are seen with the batch dim
//   in front (expanded views, no copies), the cotangent already has it. Each input's
//   cotangent comes back as [k, ...input aligned to the output's rank] (sumTo reduces
//   broadcast dims, never the batch dim, which every value now has) and is reshaped to
//   [k, ...input's shape]. Element for element, this is the arithmetic of k separate
//   passes, so the results agree to the bit.
// - any other op: the rule runs on each slice of the cotangent and the results are stacked.

/**
 * The cotangents a node's rule gives its inputs for a batch of k cotangents `g` ([k, ...out]).
 * `one` runs the rule on one slice as an unbatched pass would; `whole` is false when the
 * rule must not see the node's saved values lifted (stand-ins for values changed in place,
 * or freed: `one` knows how to run those).
 */
export function batchedRule(node: Node, g: Value, k: number, one: (slice: Value) => MaybeZero[], whole: boolean): MaybeZero[] {
  const op = node.op as Op
  if (op.elementwise === true && whole) return elementwiseBatch(node, op, g, k)
  return perSlice(g, k, one, node.inputs as readonly Value[])
}

function elementwiseBatch(node: Node, op: Op, g: Value, k: number): MaybeZero[] {
  const out = node.out as CoreTensor
  const rank = out.shape.length
  const inputs = node.inputs as readonly Value[]
  const args = inputs.map((a) => lift(a, k, rank))
  const cotangents = (op.vjp as VjpRule)({ args, out: lift(out, k, rank), attrs: node.attrs }, g, node.needs)
  for (let i = 0; i < cotangents.length; i++) {
    const c = cotangents[i]
    const a = inputs[i]
    if (c === null || c === undefined || !(a instanceof CoreTensor)) continue
    const want = [k, ...a.shape]
    const have = shapeOf(c)
    if (have.length !== want.length || have.some((d, j) => d !== want[j])) cotangents[i] = reshape(c, { shape: want })
  }
  return cotangents
}

/** [k, 1, ..., 1, ...v.shape] with `rank` dims after the batch dim: an expanded view of v. */
function lift(v: Value, k: number, rank: number): Value {
  if (!(v instanceof CoreTensor)) return v
  const aligned = new Array<number>(rank + 1).fill(1)
  aligned[0] = k
  const shift = rank + 1 - v.shape.length
  for (let j = 0; j < v.shape.length; j++) aligned[shift + j] = v.shape[j]
  const ones = aligned.slice()
  ones[0] = 1
  return expand(reshape(v, { shape: ones }), { shape: aligned })
}

/** Runs `one` on each of the k slices of g; input i's cotangents stacked (null when all are zero). */
export function perSlice(g: Value, k: number, one: (slice: Value) => MaybeZero[], inputs: readonly Value[]): MaybeZero[] {
  const slices: MaybeZero[][] = []
  for (let r = 0; r < k; r++) slices.push(one(index(g, { index: r })))
  const n = inputs.length
  const result = new Array<MaybeZero>(n)
  for (let i = 0; i < n; i++) {
    let any = false
    for (let r = 0; r < k; r++) if (slices[r][i] !== null && slices[r][i] !== undefined) any = true
    if (!any) {
      result[i] = null
      continue
    }
    const like = inputs[i]
    const shape = like instanceof CoreTensor ? like.shape : []
    const dtype = like instanceof CoreTensor ? like.dtype : 'float64'
    const parts: Value[] = []
    for (let r = 0; r < k; r++) {
      const c = slices[r][i]
      parts.push(c === null || c === undefined ? zeros(shape, { dtype }) : typeof c === 'number' ? full(shape, c, { dtype }) : c)
    }
    result[i] = stack(parts, { dim: 0 })
  }
  return result
}

type VjpRule = (ctx: { args: readonly Value[]; out: Value; attrs: object }, g: Value, needs: readonly boolean[]) => MaybeZero[]

/** `fn` on each of the k slices of g, stacked back into one batch. */
export function stackSlices(g: Value, k: number, fn: (slice: Value) => Value): Value {
  const parts: Value[] = []
  for (let r = 0; r < k; r++) parts.push(fn(index(g, { index: r })))
  return stack(parts, { dim: 0 })
}
