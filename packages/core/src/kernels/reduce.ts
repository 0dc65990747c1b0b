import { allocate, type FloatArray } from '../dtype.js'
import { contiguousStrides, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

/**
 * Sums `x` over `dims` (sorted, normalised) into a tensor of `outShape`. Each input element
 * adds into the output slot found by walking output strides that are 0 along reduced dims.
 */
export function sumDims(x: Tensor, dims: readonly number[], outShape: Shape): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, sizeOfShape(outShape))
  // A 0-dim tensor reduced over its one valid dim (0 or -1) is itself.
  if (dims.length === x.rank || x.rank === 0) {
    out[0] = sumRun(src, 0, src.length)
    return Tensor.fromArray(out, outShape)
  }
  const rank = x.rank
  // Output strides laid over the input's dims: 0 where the dim is reduced.
  const kept = x.shape.map((d, i) => (dims.includes(i) ? 1 : d))
  const keptStrides = contiguousStrides(kept)
  const step = x.shape.map((_, i) => (dims.includes(i) ? 0 : keptStrides[i]))
  const last = rank - 1
  const n = x.shape[last]
  const inner = step[last]
  const index = new Array<number>(rank).fill(0)
  let o = 0
  for (let i = 0; i < src.length; i += n) {
    if (inner === 0) {
      out[o] += sumRun(src, i, n)
    } else {
      for (let j = 0; j < n; j++) out[o + j] += src[i + j]
    }
    let d = last - 1
    while (d >= 0) {
      index[d]++
      o += step[d]
      if (index[d] < x.shape[d]) break
      o -= step[d] * x.shape[d]
      index[d] = 0
      d--
    }
  }
  return Tensor.fromArray(out, outShape)
}

/**
 * src[from] + … + src[from + n − 1] in four interleaved partial sums: four independent
 * chains of adds instead of one (about 3x faster on long runs), and a little more accurate
 * than one running sum, whose error grows with n.
 */
function sumRun(src: FloatArray, from: number, n: number): number {
  let s0 = 0
  let s1 = 0
  let s2 = 0
  let s3 = 0
  const end = from + n
  let i = from
  for (; i + 4 <= end; i += 4) {
    s0 += src[i]
    s1 += src[i + 1]
    s2 += src[i + 2]
    s3 += src[i + 3]
  }
  for (; i < end; i++) s0 += src[i]
  return s0 + s1 + (s2 + s3)
}

function sizeOfShape(shape: Shape): number {
  let n = 1
  for (const d of shape) n *= d
  return n
}

/** The sizes before, along and after one dim: a contiguous tensor read as [outer, n, inner]. */
export function splitAt(shape: Shape, dim: number): [outer: number, n: number, inner: number] {
  let outer = 1
  let inner = 1
  for (let i = 0; i < dim; i++) outer *= shape[i]
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]
  return [outer, shape.length === 0 ? 1 : shape[dim], inner]
}

/**
 * The maximum (with `lowest`, the minimum) along `dim` and the index of its first occurrence (so ties pick the lowest
 * index, and a NaN wins as in PyTorch). The input is read as [outer, n, inner] and the loop
 * runs k over n outside j over inner, so every pass walks contiguous memory.
 * Returns the values, or the indices as floats, in a tensor of `outShape`.
 */
export function maxAlong(x: Tensor, dim: number, outShape: Shape, want: 'values' | 'indices', lowest = false): Tensor {
  const src = x.contiguousData()
  const [outer, n, inner] = splitAt(x.shape, dim)
  const size = outer * inner
  const best = new Float64Array(size) // holds float32 values exactly, so ties compare as stored
  const at = new Float64Array(size)
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner
    const row = o * inner
    for (let j = 0; j < inner; j++) best[row + j] = src[base + j]
    for (let k = 1; k < n; k++) {
      const off = base + k * inner
      for (let j = 0; j < inner; j++) {
        const v = src[off + j]
        const b = best[row + j]
        // Strictly greater (less, for the minimum) keeps the first of equal values; the first NaN beats everything.
        if ((lowest ? v < b : v > b) || (v !== v && b === b)) {
          best[row + j] = v
          at[row + j] = k
        }
      }
    }
  }
  const out = allocate(x.dtype, size)
  out.set(want === 'values' ? best : at)
  return Tensor.fromArray(out, outShape)
}

/** The product of all elements, accumulated in float64, as a 0-dim tensor. */
export function prodAll(x: Tensor): Tensor {
  const src = x.contiguousData()
  let p = 1
  for (let i = 0; i < src.length; i++) p *= src[i]
  const out = allocate(x.dtype, 1)
  out[0] = p
  return Tensor.fromArray(out, [])
}

/**
 * Along the last dim, each element replaced by the product of the others: prefix products
 * times suffix products, so no division and exact at zeros. O(n) per row.
 */
export function prodOthersAlongLast(x: Tensor): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, src.length)
  const n = x.shape[x.shape.length - 1]
  for (let start = 0; start < src.length; start += n) {
    let before = 1 // ∏ of the elements before i
    for (let i = 0; i < n; i++) {
      out[start + i] = before
      before *= src[start + i]
    }
    let after = 1 // ∏ of the elements after i
    for (let i = n - 1; i >= 0; i--) {
      out[start + i] *= after
      after *= src[start + i]
    }
  }
  return Tensor.fromArray(out, x.shape)
}

/**
 * The input of a reduction over `dims` (sorted, normalised) laid out so that the elements
 * each output gathers are one contiguous run: the reduced dims moved last in a strided view,
 * packed once. Returns the packed data and the run length r (output o reads [o·r, o·r + r)).
 */
export function reducedRuns(x: Tensor, dims: readonly number[], outSize: number): { src: FloatArray; r: number } {
  const order: number[] = []
  for (let i = 0; i < x.rank; i++) if (!dims.includes(i)) order.push(i)
  for (const d of dims) order.push(d)
  const moved = new Tensor(
    x.storage,
    order.map((d) => x.shape[d]),
    order.map((d) => x.strides[d]),
    x.offset,
  )
  const src = moved.contiguousData()
  return { src, r: outSize === 0 ? 0 : src.length / outSize }
}

/**
 * log Σ exp over `dims` (sorted, normalised), stably: each output subtracts the maximum of
 * its inputs first, so exp never overflows and the largest term is exactly 1. Each output
 * reads one contiguous run (`reducedRuns`). An infinite maximum is not subtracted (inf - inf
 * would be NaN): +inf gives +inf and an all -inf run gives -inf, as PyTorch.
 */
export function logsumexpDims(x: Tensor, dims: readonly number[], outShape: Shape): Tensor {
  const size = sizeOfShape(outShape)
  const { src, r } = reducedRuns(x, dims, size)
  const out = allocate(x.dtype, size)
  for (let o = 0; o < size; o++) {
    const base = o * r
    let m = -Infinity
    for (let j = 0; j < r; j++) {
      const v = src[base + j]
      if (v > m || v !== v) m = v
    }
    if (m !== m) {
      out[o] = NaN
      continue
    }
    const shift = m === Infinity || m === -Infinity ? 0 : m
    let s = 0
    for (let j = 0; j < r; j++) s += Math.exp(src[base + j] - shift)
    out[o] = Math.log(s) + shift
  }
  return Tensor.fromArray(out, outShape)
}

/** The maximum (or with `lowest` the minimum) over `dims` (sorted, normalised); a NaN wins, as torch.amax. */
export function extremeDims(x: Tensor, dims: readonly number[], outShape: Shape, lowest: boolean): Tensor {
  const size = sizeOfShape(outShape)
  const { src, r } = reducedRuns(x, dims, size)
  const out = allocate(x.dtype, size)
  for (let o = 0; o < size; o++) {
    const base = o * r
    let m = lowest ? Infinity : -Infinity
    for (let j = 0; j < r; j++) {
      const v = src[base + j]
      if (v !== v) {
        m = v
        break
      }
      if (lowest ? v < m : v > m) m = v
    }
    out[o] = m
  }
  return Tensor.fromArray(out, outShape)
}

/**
 * The variance over `dims` with Bessel's `correction` (Σ(x − mean)² / (n − correction)),
 * or its square root: two passes over each run (the mean, then squared deviations), which
 * stays accurate where Σx² − n·mean² would cancel. n − correction ≤ 0 divides by it as PyTorch
 * does (inf or NaN).
 */
export function varianceDims(x: Tensor, dims: readonly number[], correction: number, outShape: Shape, root: boolean): Tensor {
  const size = sizeOfShape(outShape)
  const { src, r } = reducedRuns(x, dims, size)
  const out = allocate(x.dtype, size)
  const denominator = Math.max(r - correction, 0)
  for (let o = 0; o < size; o++) {
    const base = o * r
    let s = 0
    for (let j = 0; j < r; j++) s += src[base + j]
    const mean = s / r
    let q = 0
    for (let j = 0; j < r; j++) {
      const d = src[base + j] - mean
      q += d * d
    }
    const v = q / denominator
    out[o] = root ? Math.sqrt(v) : v
  }
  return Tensor.fromArray(out, outShape)
}

/**
 * The p-norm over `dims`: (Σ|x|^p)^(1/p), max |x| for p = inf. p = 2 and p = 1 skip pow;
 * the 2-norm is scaled by the largest |x| first so squares of large values never overflow.
 */
export function normDims(x: Tensor, dims: readonly number[], p: number, outShape: Shape): Tensor {
  const size = sizeOfShape(outShape)
  const { src, r } = reducedRuns(x, dims, size)
  const out = allocate(x.dtype, size)
  for (let o = 0; o < size; o++) {
    const base = o * r
    let m = 0
    for (let j = 0; j < r; j++) {
      const a = Math.abs(src[base + j])
      if (a > m || a !== a) m = a
    }
    if (p === Infinity || m === 0 || m !== m || m === Infinity) {
      out[o] = m
      continue
    }
    let s = 0
    if (p === 2) {
      for (let j = 0; j < r; j++) {
        const a = src[base + j] / m
        s += a * a
      }
      out[o] = m * Math.sqrt(s)
    } else if (p === 1) {
      for (let j = 0; j < r; j++) s += Math.abs(src[base + j])
      out[o] = s
    } else {
      for (let j = 0; j < r; j++) s += Math.pow(Math.abs(src[base + j]) / m, p)
      out[o] = m * Math.pow(s, 1 / p)
    }
  }
  return Tensor.fromArray(out, outShape)
}
