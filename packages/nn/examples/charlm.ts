// A character-level Transformer language model trained on public-domain text kept in the
// repository (data/sotu-1961-1969.txt, see data/PROVENANCE.md): token and position
// embeddings, causal multi-head self-attention, LayerNorm, a GELU MLP, AdamW with a linear
// warm-up then cosine decay (SequentialLR), gradient clipping. Prints a progress line every
// `logEvery` steps, then `validation loss: N.NNN` (nats per character) and a sample.
//
//   pnpm --filter @ad/nn example:charlm

import { readFileSync } from 'node:fs'
import { pathToFileURL } from 'node:url'
import { manualSeed, mulberry32, noGrad, softmax, tensor, type Tensor } from '@ad/reverse'
import * as nn from '../src/index.js'

export interface CharLMConfig {
  width: number
  heads: number
  layers: number
  context: number
  batch: number
  steps: number
  warmup: number
  lr: number
  seed: number
  logEvery: number
  /** Validation batches averaged for the final loss. */
  evalBatches: number
  sampleLength: number
}

export const defaultConfig: CharLMConfig = {
  width: 64, heads: 4, layers: 2, context: 64, batch: 16, steps: 800, warmup: 80, lr: 3e-3, seed: 1, logEvery: 50, evalBatches: 16, sampleLength: 400,
}

export const corpusPath = new URL('./data/sotu-1961-1969.txt', import.meta.url)

export interface Corpus {
  chars: string[]
  train: Int32Array
  valid: Int32Array
}

/** The text as character ids; the last 10% held out for validation. */
export function loadCorpus(text = readFileSync(corpusPath, 'utf8')): Corpus {
  const chars = [...new Set(text)].sort()
  const index = new Map(chars.map((c, i) => [c, i]))
  const ids = Int32Array.from(text, (c) => index.get(c) as number)
  const cut = Math.floor(ids.length * 0.9)
  return { chars, train: ids.subarray(0, cut), valid: ids.subarray(cut) }
}

/** A batch of `batch` windows of `context + 1` characters starting where `start(i)` says: inputs and next-character targets. */
function batchAt(data: Int32Array, batch: number, context: number, start: (i: number) => number): [Tensor, Tensor] {
  const x = new Float32Array(batch * context)
  const y = new Float32Array(batch * context)
  for (let b = 0; b < batch; b++) {
    const s = start(b)
    for (let j = 0; j < context; j++) {
      x[b * context + j] = data[s + j]
      y[b * context + j] = data[s + j + 1]
    }
  }
  return [tensor(x, { shape: [batch, context] }), tensor(y, { shape: [batch * context] })]
}

/** Mean cross-entropy (nats per character) of the model on ids and targets. */
function lossOf(model: nn.models.TransformerLM, x: Tensor, y: Tensor): Tensor {
  const logits = model.call(x) as Tensor
  return nn.crossEntropy(logits.reshape([y.shape[0], model.vocab]), y)
}

/** Validation loss over `evalBatches` fixed, evenly spaced batches of held-out text. */
export function validationLoss(model: nn.models.TransformerLM, corpus: Corpus, config: CharLMConfig): number {
  model.eval()
  const { batch, context, evalBatches } = config
  const span = corpus.valid.length - context - 1
  let total = 0
  noGrad(() => {
    for (let k = 0; k < evalBatches; k++) {
      const [x, y] = batchAt(corpus.valid, batch, context, (b) => Math.floor(((k * batch + b) * span) / (evalBatches * batch)))
      total += lossOf(model, x, y).item()
    }
  })
  model.train()
  return total / evalBatches
}

/** Samples `length` characters after `prompt`, at temperature 0.8, from the seeded generator. */
export function sample(model: nn.models.TransformerLM, corpus: Corpus, prompt: string, length: number, seed: number): string {
  const next = mulberry32(seed)
  const index = new Map(corpus.chars.map((c, i) => [c, i]))
  const ids = [...prompt].map((c) => index.get(c) ?? 0)
  model.eval()
  noGrad(() => {
    for (let n = 0; n < length; n++) {
      const window = ids.slice(-model.context)
      const logits = model.call(tensor([window], { dtype: 'float32' })) as Tensor
      const last = logits.index(0).index(window.length - 1) as Tensor
      const p = softmax(last.mul(1 / 0.8), { dim: 0 }).contiguousData()
      let u = next()
      let k = 0
      while (k < p.length - 1 && (u -= p[k]) > 0) k++
      ids.push(k)
    }
  })
  model.train()
  return ids.map((i) => corpus.chars[i]).join('')
}

/** One training step: forward, backward, clipping, AdamW, the schedule. Returns the loss. */
export function makeStep(model: nn.models.TransformerLM, corpus: Corpus, config: CharLMConfig) {
  const optimizer = new nn.AdamW(model.parameters(), { lr: config.lr, weightDecay: 0.01 })
  const scheduler = new nn.SequentialLR(
    optimizer,
    [new nn.LinearLR(optimizer, { startFactor: 0.01, totalIters: config.warmup }), new nn.CosineAnnealingLR(optimizer, Math.max(1, config.steps - config.warmup), { etaMin: config.lr / 10 })],
    [config.warmup],
  )
  const next = mulberry32(config.seed)
  const span = corpus.train.length - config.context - 1
  return (): number => {
    const [x, y] = batchAt(corpus.train, config.batch, config.context, () => Math.floor(next() * span))
    optimizer.zeroGrad()
    const loss = lossOf(model, x, y)
    loss.backward()
    nn.clipGradNorm_(model.parameters(), 1)
    optimizer.step()
    scheduler.step()
    return loss.item()
  }
}

export function trainCharLM(overrides: Partial<CharLMConfig> = {}, log: (line: string) => void = console.log): { validation: number; sample: string } {
  const config = { ...defaultConfig, ...overrides }
  manualSeed(config.seed)
  const corpus = loadCorpus()
  const model = new nn.models.TransformerLM(corpus.chars.length, config)
  const step = makeStep(model, corpus, config)
  const started = performance.now()
  let running = 0
  for (let s = 1; s <= config.steps; s++) {
    running += step()
    if (s % config.logEvery === 0 || s === config.steps) {
      const seconds = ((performance.now() - started) / 1000).toFixed(0)
      log(`step ${String(s).padStart(5)}/${config.steps}  loss ${(running / (s % config.logEvery || config.logEvery)).toFixed(3)}  ${seconds}s`)
      running = 0
    }
  }
  const validation = validationLoss(model, corpus, config)
  const text = sample(model, corpus, 'The ', config.sampleLength, config.seed)
  log(`validation loss: ${validation.toFixed(3)}`)
  log(text)
  return { validation, sample: text }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) trainCharLM()
