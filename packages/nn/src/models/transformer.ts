import { add, arange, type Tensor } from '@ad/reverse'
import { normal_ } from '../init.js'
import { GELU } from '../layers/activation.js'
import { MultiheadAttention } from '../layers/attention.js'
import { ModuleList, Sequential } from '../layers/container.js'
import { Embedding } from '../layers/embedding.js'
import { Linear } from '../layers/linear.js'
import { LayerNorm } from '../layers/norm.js'
import { Module } from '../module.js'
import type { DTypeOption } from '../layers/common.js'

export interface TransformerLMOptions extends DTypeOption {
  width?: number
  heads?: number
  layers?: number
  /** The longest sequence (the number of position embeddings). */
  context?: number
}

/** A pre-norm decoder block: x + attention(LN(x)) with a causal mask, then x + MLP(LN(x)) (GELU, 4× wide). */
export class DecoderBlock extends Module {
  ln1: LayerNorm
  attn: MultiheadAttention
  ln2: LayerNorm
  mlp: Sequential

  constructor(width: number, heads: number, dtype: DTypeOption = {}) {
    super()
    this.ln1 = new LayerNorm(width, dtype)
    this.attn = new MultiheadAttention(width, heads, { batchFirst: true, ...dtype })
    this.ln2 = new LayerNorm(width, dtype)
    this.mlp = new Sequential(new Linear(width, 4 * width, dtype), new GELU(), new Linear(4 * width, width, dtype))
  }

  override forward(x: Tensor): Tensor {
    const h = this.ln1.call(x) as Tensor
    const [attended] = this.attn.call(h, h, h, { isCausal: true, needWeights: false }) as [Tensor, null]
    const y = add(x, attended)
    return add(y, this.mlp.call(this.ln2.call(y)) as Tensor)
  }
}

/**
 * A small decoder-only Transformer language model (GPT-style): token and position
 * embeddings (N(0, 0.02²), GPT-2's, which keeps the first steps stable), `layers` decoder
 * blocks, a final LayerNorm and a linear head. Token ids [B, T] (T ≤ context) → logits
 * [B, T, vocab].
 */
export class TransformerLM extends Module {
  tokens: Embedding
  positions: Embedding
  blocks: ModuleList
  lnFinal: LayerNorm
  head: Linear
  readonly width: number
  readonly context: number

  constructor(readonly vocab: number, { width = 64, heads = 4, layers = 2, context = 64, dtype }: TransformerLMOptions = {}) {
    super()
    const d = { dtype }
    this.width = width
    this.context = context
    this.tokens = new Embedding(vocab, width, d)
    this.positions = new Embedding(context, width, d)
    normal_(this.tokens.weight, 0, 0.02)
    normal_(this.positions.weight, 0, 0.02)
    this.blocks = new ModuleList(Array.from({ length: layers }, () => new DecoderBlock(width, heads, d)))
    this.lnFinal = new LayerNorm(width, d)
    this.head = new Linear(width, vocab, d)
  }

  override forward(ids: Tensor): Tensor {
    let x = add(this.tokens.call(ids) as Tensor, this.positions.call(arange(ids.shape[1])) as Tensor)
    for (const block of this.blocks) x = block.call(x) as Tensor
    return this.head.call(this.lnFinal.call(x)) as Tensor
  }
}
