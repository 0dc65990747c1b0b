import { optionsOf } from '@ad/reverse'
import type { Tensor } from '@ad/reverse'
import { invalid } from '../errors.js'
import { conv2d } from '../functional/conv.js'
import { Module } from '../module.js'
import type { Parameter } from '../parameter.js'
import { emptyParameter, positiveInt, type DTypeOption } from './common.js'
import { resetAffine } from './linear.js'

export interface Conv2dLayerOptions extends DTypeOption {
  stride?: number
  padding?: number
  dilation?: number
  groups?: number
  bias?: boolean
}

/** A 2-D convolution layer: weight [out, in/groups, k, k], bias [out]. */
export class Conv2d extends Module {
  weight: Parameter
  bias: Parameter | null
  readonly stride: number
  readonly padding: number
  readonly dilation: number
  readonly groups: number

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    options?: Conv2dLayerOptions,
  ) {
    super()
    const { stride = 1, padding = 0, dilation = 1, groups = 1, bias = true, dtype } = optionsOf<Conv2dLayerOptions>('Conv2d', options)
    positiveInt('Conv2d', 'inChannels', inChannels)
    positiveInt('Conv2d', 'outChannels', outChannels)
    positiveInt('Conv2d', 'kernelSize', kernelSize)
    positiveInt('Conv2d', 'groups', groups)
    if (inChannels % groups !== 0 || outChannels % groups !== 0) {
      throw invalid(`Conv2d: inChannels (${inChannels}) and outChannels (${outChannels}) must both divide by groups (${groups}).`)
    }
    this.stride = stride
    this.padding = padding
    this.dilation = dilation
    this.groups = groups
    this.weight = emptyParameter([outChannels, inChannels / groups, kernelSize, kernelSize], dtype)
    this.bias = bias ? emptyParameter([outChannels], dtype) : null
    if (!bias) this.registerParameter('bias', null)
    resetAffine(this.weight, this.bias, (inChannels / groups) * kernelSize * kernelSize)
  }

  override forward(x: Tensor): Tensor {
    const { stride, padding, dilation, groups } = this
    return conv2d(x, this.weight, this.bias, { stride, padding, dilation, groups })
  }
}
