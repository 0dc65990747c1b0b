import { describe, expect, it } from 'vitest'
import '../index.js' // installs the tensor methods (transpose, slice) used below
import { tensor } from '../create.js'
import { broadcastShapes, sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import { binaryKernel, mapBinary, ownCopy, unaryKernel } from './elementwise.js'

/** The element of `t` at a broadcast index of `shape`, by plain index arithmetic. */
function at(t: Tensor, shape: Shape, index: number[]): number {
  const shift = shape.length - t.rank
  let o = t.offset
  for (let d = 0; d < t.rank; d++) o += (t.shape[d] === 1 ? 0 : index[d + shift]) * t.strides[d]
  return t.storage.data[o]
}

function reference(a: Tensor, b: Tensor, f: (x: number, y: number) => number): number[] {
  const shape = broadcastShapes('test', a.shape, b.shape)
  const out: number[] = []
  const index = new Array<number>(shape.length).fill(0)
  for (let i = 0; i < sizeOf(shape); i++) {
    let r = i
    for (let d = shape.length - 1; d >= 0; d--) {
      index[d] = r % shape[d]
      r = Math.floor(r / shape[d])
    }
    out.push(f(at(a, shape, index), at(b, shape, index)))
  }
  return out
}

function filled(shape: number[], seed: number): Tensor {
  return tensor(Float64Array.from({ length: sizeOf(shape) }, (_, i) => Math.sin(seed + i)), { shape })
}

describe('elementwise kernels', () => {
  it('compile each op its own copy of the loops (not the shared fallback)', () => {
    const template = (f: (v: number) => number, out: Float64Array) => {
      out[0] = f(1)
    }
    const copy = ownCopy(template, 'test', (c) => c((v) => v, new Float64Array(1)))
    expect(copy).not.toBe(template)
    const out = new Float64Array(1)
    copy((v) => v + 1, out)
    expect(out[0]).toBe(2)
  })

  it('broadcast like index arithmetic does, through views, merged dims and scalars', () => {
    const sub = binaryKernel('test-sub', (x, y) => x - y)
    const pairs: [Tensor, Tensor][] = [
      [filled([2, 3], 1), filled([2, 3], 2)],
      [filled([2, 3], 1), filled([3], 2)],
      [filled([4, 1], 1), filled([1, 5], 2)],
      [filled([2, 3, 4], 1), filled([3, 1], 2)],
      [filled([2, 1, 4, 1], 1), filled([2, 3, 1, 5], 2)],
      [filled([], 1), filled([2, 2], 2)],
      [filled([3, 2], 1), filled([], 2)],
      [filled([1], 1), filled([], 2)],
      [filled([6, 1], 1), filled([6, 1], 2)],
      [filled([3, 4], 1).transpose(0, 1), filled([4, 3], 2)],
      [filled([3, 4], 1).transpose(0, 1), filled([3], 2)],
      [filled([2, 5], 1).slice(1, 1, 4), filled([2, 1], 2)],
      [filled([0, 3], 1), filled([3], 2)],
    ]
    for (const [a, b] of pairs) {
      const shape = broadcastShapes('test', a.shape, b.shape)
      const expected = reference(a, b, (x, y) => x - y)
      expect(Array.from(sub(a, b, shape).contiguousData())).toEqual(expected)
      expect(Array.from(sub(b, a, shape).contiguousData())).toEqual(reference(b, a, (x, y) => x - y))
      expect(Array.from(mapBinary(a, b, shape, (x, y) => x - y).contiguousData())).toEqual(expected)
    }
  })

  it('keep float32 and read non-contiguous inputs', () => {
    const sq = unaryKernel('test-square', (v) => v * v)
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32' }).transpose(0, 1)
    const y = sq(x)
    expect(y.dtype).toBe('float32')
    expect(y.shape).toEqual([3, 2])
    expect(y.tolist()).toEqual([[1, 16], [4, 25], [9, 36]])
  })
})
