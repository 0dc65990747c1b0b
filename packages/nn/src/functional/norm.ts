import { add, batchNorm as batchNormOp, div, layerNorm as layerNormOp, mean, mul, noGrad, ones, reshape, sqrt, square, sub, sum, zeros, type Tensor } from '@ad/reverse'
import { shapeMismatch } from '../errors.js'

export interface BatchNormOptions {
  training?: boolean
  /** Weight of the new batch statistic in the running average; null for a cumulative average. */
  momentum?: number | null
  eps?: number
  /** Batches seen so far (a 0-dim tensor), bumped in training; needed when momentum is null. */
  numBatchesTracked?: Tensor | null
}

/** A per-channel [C] value as [1, C, 1, …] against an input of `rank` dims. */
const channelView = (v: Tensor, rank: number): Tensor => reshape(v, { shape: [1, v.shape[0], ...Array<number>(rank - 2).fill(1)] })

/**
 * Batch normalization as PyTorch's `F.batch_norm`. In training the batch's own statistics
 * normalize (the registry's `batchNorm`, biased variance) and the running statistics, when
 * given, move towards the batch's mean and *unbiased* variance (n/(n−1)·biased):
 * r ← (1 − m)·r + m·stat. Otherwise the running statistics normalize:
 * y = (x − μ_r)/√(σ²_r + eps)·w + b.
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  { training = false, momentum = 0.1, eps = 1e-5, numBatchesTracked = null }: BatchNormOptions = {},
): Tensor {
  const rank = x.shape.length
  const c = x.shape[1]
  if (rank < 2) throw shapeMismatch(`batchNorm: expected an input [N, C, …], got [${x.shape.join(', ')}].`)
  if (training || runningMean === null || runningVar === null) {
    const w = weight ?? ones([c], { dtype: x.dtype })
    const b = bias ?? zeros([c], { dtype: x.dtype })
    const y = batchNormOp(x, w, b, { eps })
    if (training && runningMean !== null && runningVar !== null) updateRunningStats(x, runningMean, runningVar, momentum, numBatchesTracked)
    return y
  }
  let y = div(sub(x, channelView(runningMean, rank)), sqrt(add(channelView(runningVar, rank), eps)))
  if (weight !== null) y = mul(y, channelView(weight, rank))
  if (bias !== null) y = add(y, channelView(bias, rank))
  return y
}

function updateRunningStats(x: Tensor, runningMean: Tensor, runningVar: Tensor, momentum: number | null, tracked: Tensor | null): void {
  noGrad(() => {
    const rank = x.shape.length
    const dims = [0, ...Array.from({ length: rank - 2 }, (_, i) => i + 2)]
    const count = dims.reduce((p, d) => p * x.shape[d], 1)
    const mu = mean(x, { dims, keepdim: true })
    const unbiased = div(sum(square(sub(x, mu)), { dims }), count - 1)
    if (tracked !== null) tracked.add_(1)
    const m = momentum ?? 1 / (tracked === null ? 1 : tracked.item())
    runningMean.mul_(1 - m).add_(mul(reshape(mu, { shape: [x.shape[1]] }), m))
    runningVar.mul_(1 - m).add_(mul(unbiased, m))
  })
}

/**
 * Layer normalization over the trailing dims `normalizedShape`: (x − mean)/√(biased var + eps),
 * then ·weight + bias (each of shape `normalizedShape`) when given; the registry's `layerNorm`.
 */
export function layerNorm(x: Tensor, normalizedShape: readonly number[], weight: Tensor | null = null, bias: Tensor | null = null, eps = 1e-5): Tensor {
  const attrs = { normalizedShape: [...normalizedShape], eps }
  if (weight === null && bias === null) return layerNormOp(x, attrs)
  if (bias === null) return layerNormOp(x, weight as Tensor, attrs)
  return layerNormOp(x, weight ?? ones([...normalizedShape], { dtype: x.dtype }), bias, attrs)
}
