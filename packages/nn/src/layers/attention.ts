import { optionsOf, add, linear, matmul, mean, mul, permute, reshape, slice, softmax, Storage, Tensor, transpose, type Tensor as CoreTensor } from '@ad/reverse'
import { expectTensor, invalid, shapeMismatch } from '../errors.js'
import { dropout } from '../functional/dropout.js'
import { constant_, xavierUniform_ } from '../init.js'
import { Module } from '../module.js'
import type { Parameter } from '../parameter.js'
import { emptyParameter, positiveInt, type DTypeOption } from './common.js'
import { Linear } from './linear.js'

export interface MultiheadAttentionOptions extends DTypeOption {
  bias?: boolean
  /** Inputs and output as [N, L, E] rather than PyTorch's default [L, N, E]. */
  batchFirst?: boolean
  /** Dropout on the attention weights, in training. */
  dropout?: number
}

export interface AttentionCallOptions {
  /**
   * [L, S] or [N·heads, L, S]. Nested arrays of booleans block where true; a tensor is added
   * to the scores (−Infinity blocks), as PyTorch's boolean and float masks.
   */
  attnMask?: CoreTensor | boolean[][] | boolean[][][] | null
  needWeights?: boolean
  averageAttnWeights?: boolean
  /** Without attnMask: block each query from the keys after it (a causal mask). */
  isCausal?: boolean
}

/**
 * Multi-head scaled dot-product attention as PyTorch's `nn.MultiheadAttention` (query, key
 * and value of one size `embedDim`): one packed input projection `in_proj_weight`
 * [3E, E] (Xavier-uniform) and `in_proj_bias` (zeros), heads of size E/heads, softmax(QKᵀ/√d
 * + mask)·V, and the output projection `out_proj` (bias zeros).
 */
export class MultiheadAttention extends Module {
  in_proj_weight: Parameter
  in_proj_bias: Parameter | null
  out_proj: Linear
  readonly batchFirst: boolean
  readonly headDim: number
  readonly dropoutP: number

  constructor(readonly embedDim: number, readonly numHeads: number, options?: MultiheadAttentionOptions) {
    super()
    const { bias = true, batchFirst = false, dropout = 0, dtype } = optionsOf<MultiheadAttentionOptions>('MultiheadAttention', options)
    positiveInt('MultiheadAttention', 'embedDim', embedDim)
    positiveInt('MultiheadAttention', 'numHeads', numHeads)
    if (embedDim % numHeads !== 0) throw invalid(`MultiheadAttention: embedDim (${embedDim}) must divide by numHeads (${numHeads}).`)
    this.batchFirst = batchFirst
    this.headDim = embedDim / numHeads
    this.dropoutP = dropout
    this.in_proj_weight = emptyParameter([3 * embedDim, embedDim], dtype)
    this.in_proj_bias = bias ? emptyParameter([3 * embedDim], dtype) : null
    if (!bias) this.registerParameter('in_proj_bias', null)
    this.out_proj = new Linear(embedDim, embedDim, { bias, dtype })
    xavierUniform_(this.in_proj_weight)
    if (this.in_proj_bias !== null) constant_(this.in_proj_bias, 0)
    if (this.out_proj.bias !== null) constant_(this.out_proj.bias, 0)
  }

  override forward(queryIn: Tensor, keyIn: Tensor, valueIn: Tensor, given?: AttentionCallOptions): [Tensor, Tensor | null] {
    const [query, key, value] = [queryIn, keyIn, valueIn].map((t) => expectTensor('MultiheadAttention', t))
    const options = optionsOf<AttentionCallOptions>('MultiheadAttention', given)
    const { needWeights = true, averageAttnWeights = true } = options
    const e = this.embedDim
    const unbatched = query.shape.length === 2
    // To [N, L, E].
    const batched = (t: Tensor) => (unbatched ? reshape(t, { shape: [1, ...t.shape] }) : this.batchFirst ? t : transpose(t, { dim0: 0, dim1: 1 }))
    const [q0, k0, v0] = [query, key, value].map(batched)
    if (q0.shape.length !== 3 || q0.shape[2] !== e || k0.shape[2] !== e || v0.shape[2] !== e || k0.shape[1] !== v0.shape[1] || k0.shape[0] !== q0.shape[0]) {
      throw shapeMismatch(`MultiheadAttention: query [${query.shape.join(', ')}], key [${key.shape.join(', ')}], value [${value.shape.join(', ')}] must be [L, N, ${e}] / [S, N, ${e}] (or batchFirst, or unbatched).`)
    }
    const [n, l] = q0.shape
    const s = k0.shape[1]
    const h = this.numHeads
    const d = this.headDim
    const part = (i: number) => slice(this.in_proj_weight, { dim: 0, start: i * e, end: (i + 1) * e })
    const bias = (i: number) => (this.in_proj_bias === null ? null : slice(this.in_proj_bias, { dim: 0, start: i * e, end: (i + 1) * e }))
    const project = (x: Tensor, i: number, len: number) => {
      const b = bias(i)
      const y = b === null ? linear(x, part(i)) : linear(x, part(i), b)
      return permute(reshape(y, { shape: [n, len, h, d] }), { dims: [0, 2, 1, 3] }) // [N, H, len, d]
    }
    const q = project(q0, 0, l)
    const k = project(k0, 1, s)
    const v = project(v0, 2, s)
    let scores = mul(matmul(q, transpose(k, { dim0: 2, dim1: 3 })), 1 / Math.sqrt(d)) // [N, H, L, S]
    const mask = additiveMask(options, n, h, l, s, query.dtype)
    if (mask !== null) scores = add(scores, mask)
    let weights = softmax(scores, { dim: -1 })
    const attended = dropout(weights, this.dropoutP, this.training)
    const merged = reshape(permute(matmul(attended, v), { dims: [0, 2, 1, 3] }), { shape: [n, l, e] })
    let out = this.out_proj.call(merged) as Tensor
    out = unbatched ? reshape(out, { shape: [l, e] }) : this.batchFirst ? out : transpose(out, { dim0: 0, dim1: 1 })
    if (!needWeights) return [out, null]
    if (averageAttnWeights) weights = mean(weights, { dims: [1] })
    if (unbatched) weights = reshape(weights, { shape: weights.shape.slice(1) })
    return [out, weights]
  }
}

/** The mask as a tensor added to the [N, H, L, S] scores, or null. */
function additiveMask({ attnMask, isCausal }: AttentionCallOptions, n: number, h: number, l: number, s: number, dtype: 'float32' | 'float64'): Tensor | null {
  if (attnMask === undefined || attnMask === null) {
    if (!isCausal) return null
    const data = dtype === 'float32' ? new Float32Array(l * s) : new Float64Array(l * s)
    for (let i = 0; i < l; i++) for (let j = i + 1; j < s; j++) data[i * s + j] = -Infinity
    return new Tensor(new Storage(data), [l, s])
  }
  let mask: Tensor
  if (Array.isArray(attnMask)) {
    const flat = (attnMask as unknown[]).flat(2) as unknown[]
    if (!flat.every((b) => typeof b === 'boolean')) throw invalid('MultiheadAttention: an attnMask given as arrays must hold booleans (true blocks).')
    const data = dtype === 'float32' ? new Float32Array(flat.length) : new Float64Array(flat.length)
    flat.forEach((b, i) => (data[i] = b ? -Infinity : 0))
    const shape = Array.isArray((attnMask as unknown[][])[0]?.[0]) ? [attnMask.length, (attnMask as boolean[][][])[0].length, (attnMask as boolean[][][])[0][0].length] : [attnMask.length, (attnMask as boolean[][])[0]?.length ?? 0]
    mask = new Tensor(new Storage(data), shape)
  } else mask = attnMask as Tensor
  if (mask.shape.length === 2 && mask.shape[0] === l && mask.shape[1] === s) return mask
  if (mask.shape.length === 3 && mask.shape[0] === n * h && mask.shape[1] === l && mask.shape[2] === s) return reshape(mask, { shape: [n, h, l, s] })
  throw shapeMismatch(`MultiheadAttention: attnMask has shape [${mask.shape.join(', ')}]; expected [${l}, ${s}] or [${n * h}, ${l}, ${s}].`)
}
