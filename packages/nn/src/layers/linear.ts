import { optionsOf, linear, type Tensor } from '@ad/reverse'
import { kaimingUniform_, uniform_ } from '../init.js'
import { Module } from '../module.js'
import type { Parameter } from '../parameter.js'
import { emptyParameter, positiveInt, type DTypeOption } from './common.js'

/**
 * PyTorch's default for Linear and convolutions: Kaiming-uniform weights with a = √5
 * (U(±1/√fan_in)) and biases U(±1/√fan_in).
 */
export function resetAffine(weight: Parameter, bias: Parameter | null, fanIn: number): void {
  kaimingUniform_(weight, { a: Math.sqrt(5) })
  if (bias !== null) {
    const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0
    uniform_(bias, -bound, bound)
  }
}

/** y = x Wᵀ + b: weight [out, in], bias [out]. */
export class Linear extends Module {
  weight: Parameter
  bias: Parameter | null

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    options?: { bias?: boolean } & DTypeOption,
  ) {
    super()
    const { bias = true, dtype } = optionsOf<{ bias?: boolean } & DTypeOption>('Linear', options)
    positiveInt('Linear', 'inFeatures', inFeatures)
    positiveInt('Linear', 'outFeatures', outFeatures)
    this.weight = emptyParameter([outFeatures, inFeatures], dtype)
    this.bias = bias ? emptyParameter([outFeatures], dtype) : null
    if (!bias) this.registerParameter('bias', null)
    resetAffine(this.weight, this.bias, inFeatures)
  }

  override forward(x: Tensor): Tensor {
    return this.bias === null ? linear(x, this.weight) : linear(x, this.weight, this.bias)
  }
}
