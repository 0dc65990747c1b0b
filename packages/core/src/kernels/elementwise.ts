import { allocate, allocateUnset, type FloatArray } from '../dtype.js'
import { sameShape, sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'

// Elementwise kernels. An op declares its scalar function once (`f: Math.sin`); the loops
// that apply it are the templates below. A loop shared by every op would call `f` through
// a megamorphic call site, which V8 neither inlines nor caches (about 15 ns an element, 5x
// a hand-written loop, measured on Node 20), so each op gets its own copy of each loop,
// compiled from the template's source: the copy's call site only ever sees that op's `f`,
// and V8 inlines it. (A closure made by a factory would not do: closures from one site
// share their type feedback, and so would copies compiled from the same text, which V8
// caches by source: the op's name goes into each copy's text.)

type Unary = (v: number) => number
type Binary = (x: number, y: number) => number

/** out[i] = f(x[i]) for i < n. */
function unaryLoop(f: Unary, x: FloatArray, out: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = f(x[i])
}

/** out[i] = f(x[i], y[i]) for i < n: both operands contiguous, of the output's shape. */
function binaryLoop(f: Binary, x: FloatArray, y: FloatArray, out: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = f(x[i], y[i])
}

/** out[i] = f(x[i], s) for i < n: a contiguous operand and a scalar (x * 2, x ** 2). */
function scalarRightLoop(f: Binary, x: FloatArray, s: number, out: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = f(x[i], s)
}

/** out[i] = f(s, y[i]) for i < n (1 - x, 2 / x). */
function scalarLeftLoop(f: Binary, s: number, y: FloatArray, out: FloatArray, n: number): void {
  for (let i = 0; i < n; i++) out[i] = f(s, y[i])
}

/** One run of n outputs from strided operands (a stride of 0 repeats a broadcast value). */
function binaryRun(
  f: Binary, x: FloatArray, ix: number, sx: number, y: FloatArray, iy: number, sy: number, out: FloatArray, o: number, n: number,
): void {
  for (let j = 0; j < n; j++) out[o + j] = f(x[ix + j * sx], y[iy + j * sy])
}

let copies = 0

/**
 * A copy of `template` with its own compiled code and type feedback. Falls back to the
 * template itself where code cannot be generated from strings (a content security policy,
 * `--disallow-code-generation-from-strings`) or the source does not survive being copied
 * (instrumented code): slower, never wrong.
 */
export function ownCopy<F extends (...args: never[]) => void>(template: F, name: string, check: (copy: F) => void): F {
  try {
    const copy = new Function(`// ${name} #${copies++}\nreturn (${template.toString()})`)() as F
    check(copy)
    return copy
  } catch {
    return template
  }
}

/** The kernel of a unary elementwise op: `f` on every element, into a fresh contiguous tensor. */
export function unaryKernel(name: string, f: Unary): (x: Tensor) => Tensor {
  let loop: typeof unaryLoop | undefined // compiled on first use
  return (x) => {
    loop ??= ownCopy(unaryLoop, name, (copy) => copy(f, new Float64Array(1), new Float64Array(1), 1))
    const src = x.contiguousData()
    const out = allocateUnset(x.dtype, src.length)
    loop(f, src, out, src.length)
    return Tensor.fromArray(out, x.shape)
  }
}

/** The kernel of a binary elementwise op: `f` with NumPy broadcasting of a and b to `shape`. */
export function binaryKernel(name: string, f: Binary): (a: Tensor, b: Tensor, shape: Shape) => Tensor {
  let loops: BinaryLoops | undefined // compiled on first use
  const compile = (): BinaryLoops => {
    const one = new Float64Array(1)
    return {
      flat: ownCopy(binaryLoop, name, (copy) => copy(f, one, one, one, 1)),
      right: ownCopy(scalarRightLoop, name, (copy) => copy(f, one, 1, one, 1)),
      left: ownCopy(scalarLeftLoop, name, (copy) => copy(f, 1, one, one, 1)),
      run: ownCopy(binaryRun, name, (copy) => copy(f, one, 0, 0, one, 0, 0, one, 0, 1)),
    }
  }
  return (a, b, shape) => mapBinaryWith((loops ??= compile()), f, a, b, shape)
}

/** `f` applied to every element, into a fresh contiguous tensor (for occasional use; ops use `unaryKernel`). */
export function mapUnary(x: Tensor, f: Unary): Tensor {
  const src = x.contiguousData()
  const out = allocate(x.dtype, src.length)
  unaryLoop(f, src, out, src.length)
  return Tensor.fromArray(out, x.shape)
}

/** `f(a, b)` with broadcasting (for occasional use; ops use `binaryKernel`). */
export function mapBinary(a: Tensor, b: Tensor, shape: Shape, f: Binary): Tensor {
  return mapBinaryWith(sharedLoops, f, a, b, shape)
}

/** One op's copies of the binary loops. */
interface BinaryLoops {
  flat: typeof binaryLoop
  right: typeof scalarRightLoop
  left: typeof scalarLeftLoop
  run: typeof binaryRun
}

const sharedLoops: BinaryLoops = { flat: binaryLoop, right: scalarRightLoop, left: scalarLeftLoop, run: binaryRun }

function mapBinaryWith(loops: BinaryLoops, f: Binary, a: Tensor, b: Tensor, shape: Shape): Tensor {
  const size = sizeOf(shape)
  const out = allocateUnset(a.dtype, size) // every branch below writes every element
  if (a.isContiguous && b.isContiguous && sameShape(a.shape, b.shape)) {
    loops.flat(f, a.contiguousData(), b.contiguousData(), out, size)
  } else if (b.size === 1 && a.isContiguous && sameShape(a.shape, shape)) {
    loops.right(f, a.contiguousData(), b.storage.data[b.offset], out, size)
  } else if (a.size === 1 && b.isContiguous && sameShape(b.shape, shape)) {
    loops.left(f, a.storage.data[a.offset], b.contiguousData(), out, size)
  } else if (size > 0) {
    stridedBinary(loops.run, f, a, b, shape, out)
  }
  return Tensor.fromArray(out, shape)
}

/**
 * Strides that read `t` as if broadcast to `shape`: 0 along stretched or missing dims.
 * No index arrays per element: the loops walk these strides directly.
 */
export function broadcastStrides(t: Tensor, shape: Shape): number[] {
  const rank = shape.length
  const strides = new Array<number>(rank).fill(0)
  const shift = rank - t.shape.length
  for (let i = 0; i < t.shape.length; i++) strides[shift + i] = t.shape[i] === 1 ? 0 : t.strides[i]
  return strides
}

/**
 * The general case: dims merged where both operands allow (so [n, 1] or a contiguous
 * block becomes one long run), then an odometer over all dims but the last and one
 * `run` along the last.
 */
function stridedBinary(run: typeof binaryRun, f: Binary, a: Tensor, b: Tensor, shape: Shape, out: FloatArray): void {
  const dims = coalesce(shape, broadcastStrides(a, shape), broadcastStrides(b, shape))
  const { sizes, sa, sb } = dims
  const x = a.storage.data
  const y = b.storage.data
  const last = sizes.length - 1
  const n = sizes[last]
  const stepA = sa[last]
  const stepB = sb[last]
  const index = new Array<number>(sizes.length).fill(0)
  let ia = a.offset
  let ib = b.offset
  for (let o = 0; o < out.length; o += n) {
    run(f, x, ia, stepA, y, ib, stepB, out, o, n)
    let d = last - 1
    while (d >= 0) {
      index[d]++
      ia += sa[d]
      ib += sb[d]
      if (index[d] < sizes[d]) break
      ia -= sa[d] * sizes[d]
      ib -= sb[d] * sizes[d]
      index[d] = 0
      d--
    }
  }
}

/** Drops dims of size 1 and merges each dim into the next where both operands step through them as one. */
function coalesce(shape: Shape, sa: readonly number[], sb: readonly number[]): { sizes: number[]; sa: number[]; sb: number[] } {
  const sizes: number[] = []
  const ra: number[] = []
  const rb: number[] = []
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue
    const k = sizes.length - 1
    if (k >= 0 && ra[k] === sa[d] * shape[d] && rb[k] === sb[d] * shape[d]) {
      sizes[k] *= shape[d]
      ra[k] = sa[d]
      rb[k] = sb[d]
    } else {
      sizes.push(shape[d])
      ra.push(sa[d])
      rb.push(sb[d])
    }
  }
  if (sizes.length === 0) return { sizes: [1], sa: [0], sb: [0] }
  return { sizes, sa: ra, sb: rb }
}
