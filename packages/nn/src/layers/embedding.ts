import { optionsOf } from '@ad/reverse'
import type { Tensor } from '@ad/reverse'
import { embedding } from '../functional/embedding.js'
import { normal_ } from '../init.js'
import { Module } from '../module.js'
import type { Parameter } from '../parameter.js'
import { emptyParameter, positiveInt, type DTypeOption } from './common.js'

/** A lookup table of `numEmbeddings` vectors of size `embeddingDim`, initialised N(0, 1). */
export class Embedding extends Module {
  weight: Parameter

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, options?: DTypeOption) {
    super()
    const { dtype } = optionsOf<DTypeOption>('Embedding', options)
    positiveInt('Embedding', 'numEmbeddings', numEmbeddings)
    positiveInt('Embedding', 'embeddingDim', embeddingDim)
    this.weight = emptyParameter([numEmbeddings, embeddingDim], dtype)
    normal_(this.weight)
  }

  override forward(indices: Tensor): Tensor {
    return embedding(indices, this.weight)
  }
}
