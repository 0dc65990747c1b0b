import { describe, expect, it } from 'vitest'
import { AdError, arange, manualSeed, tensor } from '@ad/reverse'
import * as nn from '../src/index.js'

describe('TensorDataset and DataLoader', () => {
  const x = arange(20).reshape([10, 2])
  const y = arange(10)
  const ds = new nn.TensorDataset(x, y)

  it('TensorDataset gives row i of each tensor', () => {
    expect(ds.length).toBe(10)
    expect(ds.get(3).map((t) => t.tolist())).toEqual([[6, 7], 3])
    expect(() => new nn.TensorDataset(x, arange(9))).toThrow(AdError)
  })

  it('batches in order, the last batch short unless dropLast', () => {
    const batches = [...new nn.DataLoader(ds, { batchSize: 4 })]
    expect(batches.map(([bx, by]) => [bx.shape, by.tolist()])).toEqual([
      [[4, 2], [0, 1, 2, 3]],
      [[4, 2], [4, 5, 6, 7]],
      [[2, 2], [8, 9]],
    ])
    expect(batches[1][0].tolist()).toEqual([[8, 9], [10, 11], [12, 13], [14, 15]])
    const dropped = new nn.DataLoader(ds, { batchSize: 4, dropLast: true })
    expect(dropped.length).toBe(2)
    expect([...dropped]).toHaveLength(2)
  })

  it('shuffles into a permutation, repeatably with a seed, afresh each pass, rows kept together', () => {
    const loader = () => new nn.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 9 })
    const order = (l: nn.DataLoader) => [...l].flatMap(([, by]) => by.tolist() as number[])
    const l1 = loader()
    const first = order(l1)
    expect([...first].sort((a, b) => a - b)).toEqual([...Array(10).keys()])
    expect(first).not.toEqual([...Array(10).keys()])
    expect(order(loader())).toEqual(first)
    expect(order(l1)).not.toEqual(first)
    for (const [bx, by] of loader()) (by.tolist() as number[]).forEach((i, r) => expect((bx.tolist() as number[][])[r]).toEqual([2 * i, 2 * i + 1]))
    manualSeed(1)
    const a = order(new nn.DataLoader(ds, { batchSize: 5, shuffle: true }))
    manualSeed(1)
    expect(order(new nn.DataLoader(ds, { batchSize: 5, shuffle: true }))).toEqual(a)
  })

  it('stacks a dataset given as an array of [input, target] pairs', () => {
    const pairs: [number[], number][] = [[[1, 2], 0], [[3, 4], 1], [[5, 6], 1]]
    const [[bx, by]] = [...new nn.DataLoader(pairs, { batchSize: 3 })]
    expect(bx.tolist()).toEqual([[1, 2], [3, 4], [5, 6]])
    expect(by.tolist()).toEqual([0, 1, 1])
    expect(() => new nn.DataLoader(pairs, { batchSize: 0 })).toThrow(AdError)
    expect([...new nn.DataLoader([[tensor([1]), tensor(2)]] as const)][0][0].shape).toEqual([1, 1])
  })
})
