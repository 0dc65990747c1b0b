// W7: one step of the charlm example's model (2 layers, 4 heads, width 64, context 64, the
// text's vocabulary) with AdamW, on a batch of 16 windows of the text, float32.

import { readFileSync } from 'node:fs'
import * as R from '@ad/reverse'
import * as nn from '@ad/nn'
import { U01 } from '../data.js'
import type { Case, Workload } from '../types.js'

const TEXT = new URL('../../../packages/nn/examples/data/sotu-1961-1969.txt', import.meta.url)

function adCase(): Case {
  const text = readFileSync(TEXT, 'utf8')
  const chars = [...new Set(text)].sort()
  const index = new Map(chars.map((c, i) => [c, i]))
  const [batch, context] = [16, 64]
  const starts = U01(batch, 23).map((u) => Math.floor(u * (text.length - context - 1)))
  const x = new Float32Array(batch * context)
  const y = new Float32Array(batch * context)
  starts.forEach((s, b) => {
    for (let j = 0; j < context; j++) {
      x[b * context + j] = index.get(text[s + j]) as number
      y[b * context + j] = index.get(text[s + j + 1]) as number
    }
  })
  const ids = R.tensor(x, { shape: [batch, context] })
  const targets = R.tensor(y, { shape: [batch * context] })
  R.manualSeed(0)
  const model = new nn.models.TransformerLM(chars.length, { width: 64, heads: 4, layers: 2, context })
  const optimizer = new nn.AdamW(model.parameters(), { lr: 3e-3 })
  const step = (): number => {
    optimizer.zeroGrad()
    const logits = model.call(ids) as R.Tensor
    const loss = nn.crossEntropy(R.reshape(logits, { shape: [batch * context, chars.length] }), targets)
    loss.backward()
    nn.clipGradNorm_(model.parameters(), 1)
    optimizer.step()
    return loss.item()
  }
  return {
    workload: 'W7', variant: 'step', dtype: 'float32', impl: 'ad',
    run: step,
    answer: () => [step()],
    note: `vocabulary ${chars.length}; forward, backward, gradient clipping and AdamW; no hand-written baseline`,
  }
}

export const w7: Workload = {
  id: 'W7',
  title: 'charlm step: 2-layer Transformer, width 64, context 64, batch 16, AdamW, float32',
  cases: () => [adCase()],
}
