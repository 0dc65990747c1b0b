import { convTranspose2d, optionsOf, type Tensor } from '@ad/reverse'
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

export interface ConvTranspose2dLayerOptions extends DTypeOption {
  stride?: number
  padding?: number
  outputPadding?: number
  bias?: boolean
}

/**
 * A transposed 2-D convolution layer (the registry's `convTranspose2d`): weight
 * [in, out, k, k], bias [out]; PyTorch's initialisation, whose fan-in is weight.shape[1]·k².
 * Groups and dilation are not offered: the registry op has neither.
 */
export class ConvTranspose2d extends Module {
  weight: Parameter
  bias: Parameter | null
  readonly stride: number
  readonly padding: number
  readonly outputPadding: number

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    { stride = 1, padding = 0, outputPadding = 0, bias = true, dtype }: ConvTranspose2dLayerOptions = {},
  ) {
    super()
    positiveInt('ConvTranspose2d', 'kernelSize', kernelSize)
    this.stride = stride
    this.padding = padding
    this.outputPadding = outputPadding
    this.weight = emptyParameter([inChannels, outChannels, kernelSize, kernelSize], dtype)
    this.bias = bias ? emptyParameter([outChannels], dtype) : null
    if (!bias) this.registerParameter('bias', null)
    resetAffine(this.weight, this.bias, outChannels * kernelSize * kernelSize)
  }

  override forward(x: Tensor): Tensor {
    const attrs = { stride: this.stride, padding: this.padding, outputPadding: this.outputPadding }
    return this.bias === null ? convTranspose2d(x, this.weight, attrs) : convTranspose2d(x, this.weight, this.bias, attrs)
  }
}
