import { optionsOf, AdError, mulberry32, rand, stack, tensor, Tensor, type Tensor as CoreTensor } from '@ad/reverse'

/** Anything with a length and items by index; an item is a tuple of tensors (or numbers, or nested arrays). */
export interface Dataset<T extends readonly unknown[] = readonly unknown[]> {
  readonly length: number
  get(i: number): T
}

/** Items i of each tensor along dim 0, as PyTorch's `TensorDataset`. */
export class TensorDataset implements Dataset<Tensor[]> {
  readonly tensors: Tensor[]

  constructor(...tensors: CoreTensor[]) {
    if (tensors.length === 0) throw new AdError('INVALID_ARGUMENT', 'TensorDataset: give at least one tensor.')
    const n = tensors[0].shape[0]
    if (tensors.some((t) => !(t instanceof Tensor) || t.shape.length === 0 || t.shape[0] !== n)) {
      throw new AdError('SHAPE_MISMATCH', `TensorDataset: every tensor must have the same size in dim 0; got ${tensors.map((t) => `[${t.shape?.join(', ')}]`).join(', ')}.`)
    }
    this.tensors = tensors as Tensor[]
  }

  get length(): number {
    return this.tensors[0].shape[0]
  }

  get(i: number): Tensor[] {
    return this.tensors.map((t) => t.index(i) as Tensor)
  }

  /** Rows `indices` of every tensor, each as one packed tensor (what a batch is made of). */
  rows(indices: readonly number[]): Tensor[] {
    return this.tensors.map((t) => {
      const data = t.contiguousData()
      const width = t.size / t.shape[0]
      const out = data instanceof Float32Array ? new Float32Array(indices.length * width) : new Float64Array(indices.length * width)
      indices.forEach((r, k) => out.set(data.subarray(r * width, (r + 1) * width), k * width))
      return tensor(out, { shape: [indices.length, ...t.shape.slice(1)] })
    })
  }
}

export interface DataLoaderOptions {
  batchSize?: number
  shuffle?: boolean
  /** Seeds the shuffle's own generator; without it the shuffle draws from the global one (`manualSeed`). */
  seed?: number
  dropLast?: boolean
}

/**
 * Batches of a dataset, as PyTorch's `DataLoader`: iterating yields, per batch, one tensor per
 * item field, the items stacked along a new dim 0. With `shuffle`, each pass over the data
 * is a fresh permutation.
 */
export class DataLoader<T extends readonly unknown[] = readonly unknown[]> implements Iterable<Tensor[]> {
  readonly batchSize: number
  readonly shuffle: boolean
  readonly dropLast: boolean
  private readonly next: (() => number) | null

  constructor(readonly dataset: Dataset<T> | readonly T[], options?: DataLoaderOptions) {
    const { batchSize = 1, shuffle = false, seed, dropLast = false } = optionsOf<DataLoaderOptions>('DataLoader', options)
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new AdError('INVALID_ARGUMENT', `DataLoader: batchSize must be a positive integer, got ${batchSize}.`)
    this.batchSize = batchSize
    this.shuffle = shuffle
    this.dropLast = dropLast
    this.next = seed === undefined ? null : mulberry32(seed)
  }

  /** The number of batches per pass. */
  get length(): number {
    const n = this.dataset.length
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize)
  }

  private order(): number[] {
    const n = this.dataset.length
    const order = Array.from({ length: n }, (_, i) => i)
    if (!this.shuffle) return order
    const u = this.next === null ? rand([n], { dtype: 'float64' }).contiguousData() : null
    for (let i = n - 1; i > 0; i--) {
      const r = u === null ? (this.next as () => number)() : u[i]
      const j = Math.floor(r * (i + 1))
      ;[order[i], order[j]] = [order[j], order[i]]
    }
    return order
  }

  *[Symbol.iterator](): Iterator<Tensor[]> {
    const order = this.order()
    for (let start = 0; start < order.length; start += this.batchSize) {
      const indices = order.slice(start, start + this.batchSize)
      if (indices.length < this.batchSize && this.dropLast) return
      yield this.batch(indices)
    }
  }

  private batch(indices: number[]): Tensor[] {
    const ds = this.dataset
    if (ds instanceof TensorDataset) return ds.rows(indices)
    const items = indices.map((i) => (Array.isArray(ds) ? (ds as readonly T[])[i] : (ds as Dataset<T>).get(i)))
    return items[0].map((_, f) => stack(items.map((item) => (item[f] instanceof Tensor ? (item[f] as Tensor) : tensor(item[f])))) as Tensor)
  }
}
