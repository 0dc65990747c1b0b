import { allocate, dtypeOf, type DType, type FloatArray } from './dtype.js'
import { invalid } from './errors.js'
import { contiguousStrides, sizeOf, type Shape } from './shape.js'
import type { OpMethods } from './methods.js'
import { formatTensor, INSPECT } from './print/format.js'

/**
 * The buffer behind a tensor and every view of it. The version counts in-place writes, so
 * an engine that saved a tensor can tell it changed (views share their base's counter).
 */
export class Storage {
  version = 0
  constructor(readonly data: FloatArray) {}
}

export type NestedArray = number | NestedArray[]

// Every registered op is also a method (installed from the registry by index.ts).
export interface Tensor extends OpMethods<Tensor> {}

/**
 * A plain n-dimensional array: a typed-array storage seen through a shape, strides and an
 * offset. Reshape of a contiguous tensor, transpose, permute, expand and slice are views;
 * kernels read views through `contiguousData`, which copies only when the layout needs it.
 */
export class Tensor {
  // Declared, not class fields: V8 (Node 20) constructs subclasses of a class with fields on
  // a slow path (the reverse engine's tensors are a subclass; 0-dim ones are made per op).
  declare readonly storage: Storage
  declare readonly shape: readonly number[]
  declare readonly strides: readonly number[]
  declare readonly offset: number
  declare readonly size: number

  constructor(storage: Storage, shape: Shape, strides?: readonly number[], offset = 0) {
    this.storage = storage
    this.shape = shape
    this.strides = strides ?? contiguousStrides(shape)
    this.offset = offset
    this.size = sizeOf(shape)
  }

  static fromArray(data: FloatArray, shape: Shape): Tensor {
    return new Tensor(new Storage(data), shape)
  }

  get dtype(): DType {
    return dtypeOf(this.storage.data)
  }

  get rank(): number {
    return this.shape.length
  }

  /** True when elements lie in row-major order with no gaps (any offset). */
  get isContiguous(): boolean {
    let expected = 1
    for (let i = this.shape.length - 1; i >= 0; i--) {
      if (this.shape[i] !== 1 && this.strides[i] !== expected) return false
      expected *= this.shape[i]
    }
    return true
  }

  /**
   * The elements in row-major order. Shares the storage when the layout allows (do not
   * write to it); otherwise returns a fresh packed copy.
   */
  contiguousData(): FloatArray {
    const data = this.storage.data
    if (this.isContiguous) {
      return this.offset === 0 && data.length === this.size ? data : data.subarray(this.offset, this.offset + this.size)
    }
    return gather(this, allocate(this.dtype, this.size))
  }

  /** A tensor with its own packed buffer (a copy even when already contiguous). */
  clone(): Tensor {
    const out = allocate(this.dtype, this.size)
    if (this.isContiguous) out.set(this.storage.data.subarray(this.offset, this.offset + this.size))
    else gather(this, out)
    return Tensor.fromArray(out, this.shape)
  }

  /** This tensor's values in another dtype (itself when already that dtype). */
  to(dtype: DType): Tensor {
    if (dtype === this.dtype) return this
    const out = allocate(dtype, this.size)
    out.set(this.contiguousData())
    return Tensor.fromArray(out, this.shape)
  }

  item(): number {
    if (this.size !== 1) throw invalid(`item(): the tensor has ${this.size} elements, not one; index it first.`)
    return this.storage.data[this.offset]
  }

  tolist(): NestedArray {
    const flat = this.contiguousData()
    if (this.shape.length === 0) return flat[0]
    const build = (dim: number, start: number): NestedArray[] => {
      const n = this.shape[dim]
      const step = sizeOf(this.shape.slice(dim + 1))
      const out: NestedArray[] = new Array(n)
      for (let i = 0; i < n; i++) out[i] = dim === this.shape.length - 1 ? flat[start + i] : build(dim + 1, start + i * step)
      return out
    }
    return build(0, 0)
  }

  /** As PyTorch's `str()` prints a tensor (see print/). */
  toString(): string {
    return formatTensor(this)
  }

  /** What Node's `console.log` and `util.inspect` show: the same text, never the internals. */
  [INSPECT](): string {
    return this.toString()
  }
}

/** Packs a strided view into `out` in row-major order with an odometer over the dims. */
export function gather(t: Tensor, out: FloatArray): FloatArray {
  const { shape, strides } = t
  const data = t.storage.data
  const rank = shape.length
  if (rank === 0) {
    out[0] = data[t.offset]
    return out
  }
  const last = rank - 1
  const n = shape[last]
  const s = strides[last]
  const index = new Array<number>(rank).fill(0)
  let base = t.offset
  for (let o = 0; o < t.size; o += n) {
    for (let j = 0; j < n; j++) out[o + j] = data[base + j * s]
    // advance the odometer over all but the last dim
    let d = last - 1
    while (d >= 0) {
      index[d]++
      base += strides[d]
      if (index[d] < shape[d]) break
      base -= strides[d] * shape[d]
      index[d] = 0
      d--
    }
  }
  return out
}
