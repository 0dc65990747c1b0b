import { describeValue, optionsOf, ones, tensor, zeros, type Tensor } from '@ad/reverse'
import { invalid, expectTensor, shapeMismatch } from '../errors.js'
import { batchNorm, layerNorm } from '../functional/norm.js'
import { Module } from '../module.js'
import { Parameter } from '../parameter.js'
import { positiveInt, type DTypeOption } from './common.js'

export interface BatchNormOptions extends DTypeOption {
  eps?: number
  /** Weight of each batch in the running statistics; null for a cumulative average. */
  momentum?: number | null
  affine?: boolean
  trackRunningStats?: boolean
}

/**
 * Batch normalization over dim 1 (channels) as PyTorch's `_BatchNorm`: weight (ones) and
 * bias (zeros) when affine; buffers `running_mean` (zeros), `running_var` (ones) and
 * `num_batches_tracked` (0-dim) when tracking. Training normalizes with the batch's
 * statistics and updates the running ones (unbiased variance); eval uses the running ones.
 */
class BatchNorm extends Module {
  weight: Parameter | null = null
  bias: Parameter | null = null
  declare running_mean: Tensor | null
  declare running_var: Tensor | null
  declare num_batches_tracked: Tensor | null
  readonly eps: number
  readonly momentum: number | null

  constructor(
    private readonly expectedRanks: readonly number[],
    readonly numFeatures: number,
    options?: BatchNormOptions,
  ) {
    super()
    const { eps = 1e-5, momentum = 0.1, affine = true, trackRunningStats = true, dtype = 'float32' } = optionsOf<BatchNormOptions>(this.constructor.name, options)
    positiveInt(this.constructor.name, 'numFeatures', numFeatures)
    this.eps = eps
    this.momentum = momentum
    if (affine) {
      this.weight = new Parameter(ones([numFeatures], { dtype }))
      this.bias = new Parameter(zeros([numFeatures], { dtype }))
    } else {
      this.registerParameter('weight', null)
      this.registerParameter('bias', null)
    }
    this.registerBuffer('running_mean', trackRunningStats ? zeros([numFeatures], { dtype }) : null)
    this.registerBuffer('running_var', trackRunningStats ? ones([numFeatures], { dtype }) : null)
    this.registerBuffer('num_batches_tracked', trackRunningStats ? tensor(0, { dtype: 'float64' }) : null)
  }

  override forward(input: Tensor): Tensor {
    const x = expectTensor(this.constructor.name, input)
    if (!this.expectedRanks.includes(x.shape.length) || x.shape[1] !== this.numFeatures) {
      throw shapeMismatch(
        `${this.constructor.name}(${this.numFeatures}): expected an input of rank ${this.expectedRanks.join(' or ')} with ${this.numFeatures} channels in dim 1, got [${x.shape.join(', ')}].`,
      )
    }
    const useBatch = this.training || this.running_mean === null
    return batchNorm(x, this.running_mean, this.running_var, this.weight, this.bias, {
      training: useBatch,
      momentum: this.momentum,
      eps: this.eps,
      numBatchesTracked: this.training ? this.num_batches_tracked : null,
    })
  }
}

/** Over [N, C] or [N, C, L]. */
export class BatchNorm1d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super([2, 3], numFeatures, options)
  }
}

/** Over [N, C, H, W]. */
export class BatchNorm2d extends BatchNorm {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super([4], numFeatures, options)
  }
}

/** Normalizes over the trailing `normalizedShape` dims, then weight (ones) and bias (zeros) of that shape. */
export class LayerNorm extends Module {
  readonly normalizedShape: readonly number[]
  weight: Parameter | null = null
  bias: Parameter | null = null

  readonly options: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } & DTypeOption

  constructor(normalizedShape: number | readonly number[], options?: { eps?: number; elementwiseAffine?: boolean; bias?: boolean } & DTypeOption) {
    super()
    this.options = optionsOf<LayerNorm['options']>('LayerNorm', options)
    const { elementwiseAffine = true, bias = true, dtype = 'float32' } = this.options
    const shape = typeof normalizedShape === 'number' ? [normalizedShape] : normalizedShape
    if (!Array.isArray(shape)) throw invalid(`LayerNorm: normalizedShape must be a size or an array of sizes, got ${describeValue(normalizedShape)}.`)
    this.normalizedShape = shape.map((d) => positiveInt('LayerNorm', 'normalizedShape', d))
    if (elementwiseAffine) this.weight = new Parameter(ones(this.normalizedShape, { dtype }))
    else this.registerParameter('weight', null)
    if (elementwiseAffine && bias) this.bias = new Parameter(zeros(this.normalizedShape, { dtype }))
    else this.registerParameter('bias', null)
  }

  override forward(x: Tensor): Tensor {
    return layerNorm(x, this.normalizedShape, this.weight, this.bias, this.options.eps ?? 1e-5)
  }
}
