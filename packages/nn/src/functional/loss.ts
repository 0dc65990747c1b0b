import {
  abs, add, arange, binaryCrossEntropy as bceOp, binaryCrossEntropyWithLogits as bceLogitsOp, clamp, crossEntropy as crossEntropyOp, div, eq, log,
  logSoftmax, lt, mseLoss as mseLossOp, mul, ne, neg, nllLoss as nllLossOp, reshape, softplus, square, sub, sum, tensor, where, type Tensor,
} from '@ad/reverse'
import { invalid, shapeMismatch } from '../errors.js'

// Losses with PyTorch's options. The registry's own losses are mean-only: they serve the
// mean (and the sum, as N·mean) where no option changes the loss; the other reductions and
// options are written here with registry ops, so their gradients come from the ops' rules.

export type Reduction = 'mean' | 'sum' | 'none'

export interface ReductionOptions {
  reduction?: Reduction
}

export interface ClassLossOptions extends ReductionOptions {
  /** Targets equal to it contribute nothing, and do not count in the mean (PyTorch's −100). */
  ignoreIndex?: number
}

export interface CrossEntropyOptions extends ClassLossOptions {
  /** ε: the loss becomes (1−ε)·nll + ε·mean over classes of −log p. */
  labelSmoothing?: number
}

function reduce(values: Tensor, reduction: Reduction, count?: Tensor | number): Tensor {
  switch (reduction) {
    case 'none':
      return values
    case 'sum':
      return sum(values)
    case 'mean':
      return div(sum(values), count ?? values.size)
    default:
      throw invalid(`loss: reduction must be 'mean', 'sum' or 'none', got '${String(reduction)}'.`)
  }
}

/** Mean (or sum, or each) of (input − target)². */
export function mseLoss(input: Tensor, target: Tensor, { reduction = 'mean' }: ReductionOptions = {}): Tensor {
  if (reduction === 'mean') return mseLossOp(input, target)
  return reduce(square(sub(input, target)), reduction)
}

/** |input − target|. */
export function l1Loss(input: Tensor, target: Tensor, { reduction = 'mean' }: ReductionOptions = {}): Tensor {
  return reduce(abs(sub(input, target)), reduction)
}

/** ½d²/β where |d| < β, |d| − β/2 elsewhere (d = input − target); β = 0 is the L1 loss. */
export function smoothL1Loss(input: Tensor, target: Tensor, { reduction = 'mean', beta = 1 }: ReductionOptions & { beta?: number } = {}): Tensor {
  if (!(beta >= 0)) throw invalid(`smoothL1Loss: beta must be non-negative, got ${beta}.`)
  const d = sub(input, target)
  if (beta === 0) return reduce(abs(d), reduction)
  const a = abs(d)
  return reduce(where(lt(a, beta), div(mul(square(d), 0.5), beta), sub(a, beta / 2)), reduction)
}

/** Class targets [N] checked against C classes; returns the one-hot [N, C] and the mask of counted rows [N]. */
function classTargets(op: string, input: Tensor, target: Tensor, ignoreIndex: number): { oneHot: Tensor; kept: Tensor } {
  if (input.shape.length !== 2) throw shapeMismatch(`${op}: the input must be [N, C], got [${input.shape.join(', ')}].`)
  const [n, c] = input.shape
  if (target.shape.length !== 1 || target.shape[0] !== n) {
    throw shapeMismatch(`${op}: input [${n}, ${c}] needs targets of shape [${n}] (a class index per row), got [${target.shape.join(', ')}].`)
  }
  const t = target.contiguousData()
  for (let i = 0; i < n; i++) {
    if (t[i] === ignoreIndex) continue
    if (!Number.isInteger(t[i]) || t[i] < 0 || t[i] >= c) throw invalid(`${op}: target ${t[i]} at row ${i} is not a class index in 0..${c - 1} (nor ignoreIndex ${ignoreIndex}).`)
  }
  const column = reshape(tensor(t, { dtype: input.dtype }), { shape: [n, 1] })
  return { oneHot: eq(column, arange(c, { dtype: input.dtype })), kept: ne(tensor(t, { dtype: input.dtype }), ignoreIndex) }
}

/** −logp[i, target_i] for log-probabilities [N, C] and class indices [N]. */
export function nllLoss(input: Tensor, target: Tensor, { reduction = 'mean', ignoreIndex = -100 }: ClassLossOptions = {}): Tensor {
  const { oneHot, kept } = classTargets('nllLoss', input, target, ignoreIndex)
  const counted = sum(kept)
  if (reduction === 'mean' && counted.item() === input.shape[0]) return nllLossOp(input, target)
  const losses = neg(sum(mul(input, oneHot), { dims: [1] }))
  return reduce(losses, reduction, counted)
}

/** −log softmax(input)[target], optionally label-smoothed; input logits [N, C], target [N]. */
export function crossEntropy(input: Tensor, target: Tensor, { reduction = 'mean', ignoreIndex = -100, labelSmoothing = 0 }: CrossEntropyOptions = {}): Tensor {
  if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) throw invalid(`crossEntropy: labelSmoothing must be in [0, 1], got ${labelSmoothing}.`)
  const { oneHot, kept } = classTargets('crossEntropy', input, target, ignoreIndex)
  const counted = sum(kept)
  if (reduction === 'mean' && labelSmoothing === 0 && counted.item() === input.shape[0]) return crossEntropyOp(input, target)
  const logp = logSoftmax(input, { dim: 1 })
  let losses = neg(sum(mul(logp, oneHot), { dims: [1] }))
  if (labelSmoothing > 0) {
    const smooth = mul(neg(sum(logp, { dims: [1] })), kept)
    losses = add(mul(losses, 1 - labelSmoothing), mul(smooth, labelSmoothing / input.shape[1]))
  }
  return reduce(losses, reduction, counted)
}

/**
 * −(y·log p + (1 − y)·log(1 − p)) for probabilities p and soft targets y in [0, 1]; each log
 * is clamped at −100 as PyTorch does, so p = 0 or 1 gives a finite loss. The mean and the sum
 * are the registry's op (with PyTorch's gradient, kept finite at p = 0 and 1); 'none' is
 * composed, its gradient the plain (p − y)/(p(1 − p)).
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, { reduction = 'mean' }: ReductionOptions = {}): Tensor {
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw shapeMismatch(`binaryCrossEntropy: input [${input.shape.join(', ')}] and target [${target.shape.join(', ')}] must have the same shape.`)
  }
  if (reduction === 'mean') return bceOp(input, target)
  if (reduction === 'sum') return mul(bceOp(input, target), input.size)
  const logP = clamp(log(input), { min: -100 })
  const log1mP = clamp(log(sub(1, input)), { min: -100 })
  return reduce(neg(add(mul(target, logP), mul(sub(1, target), log1mP))), reduction)
}

/**
 * BCE on logits x, stably: (1 − y)·x + (1 + (w − 1)·y)·softplus(−x), w the `posWeight`
 * (broadcast over the last dim, one per class), as PyTorch's.
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  { reduction = 'mean', posWeight = null }: ReductionOptions & { posWeight?: Tensor | null } = {},
): Tensor {
  if (input.shape.length !== target.shape.length || input.shape.some((d, i) => d !== target.shape[i])) {
    throw shapeMismatch(`binaryCrossEntropyWithLogits: input [${input.shape.join(', ')}] and target [${target.shape.join(', ')}] must have the same shape.`)
  }
  if (posWeight === null && reduction === 'mean') return bceLogitsOp(input, target)
  const sp = softplus(neg(input))
  const weighted = posWeight === null ? sp : mul(add(mul(sub(posWeight, 1), target), 1), sp)
  return reduce(add(mul(sub(1, target), input), weighted), reduction)
}
