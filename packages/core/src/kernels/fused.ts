import { allocateUnset, type FloatArray } from '../dtype.js'
import { interpreterOf, topInterpreter } from '../dispatch.js'
import { sameShape, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import { ownCopy } from './elementwise.js'

// Fused rules of elementwise ops. Unfused, a VJP `g · ∂y/∂x` makes one pass (and one fresh
// buffer) for the partial and one for the product, and `sub`'s JVP `ta − tb` one for `neg`
// and one for `add`; each pass over a large tensor costs a fresh allocation, whose page
// faults cost more than the arithmetic. On plain tensors of one shape these loops evaluate
// the partials element by element (partials are written with core ops, which keep numbers
// numbers) and write the (co)tangent in one pass. Each op runs its own copy of the loops
// (`ownCopy`), so the partial's call is inlined as in the kernels. The results are those of
// the unfused rules to the bit in float64 (the same operations on the same doubles); in
// float32 the partial is rounded once at the end instead of after each op it is made of.

type Partial = (...xs: number[]) => unknown

// Each operand comes with a stride of 1 (its elements) or 0 (one value for all: a number, or
// a tensor broadcast from one element, such as the cotangent `sum` hands down). The unary and
// binary products also have a copy for operands that all have their own elements, whose
// plain indexing V8 compiles tighter.

/** out[i] = t[i] · d(x[i], y[i]), every operand with its own elements. */
function unaryFlatLoop(d: Partial, t: FloatArray, x: FloatArray, y: FloatArray, out: FloatArray, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const p = d(x[i], y[i])
    if (typeof p !== 'number') return false
    out[i] = t[i] * p
  }
  return true
}

/** out[i] = t[i] · d(a[i], b[i], y[i]), every operand with its own elements. */
function binaryFlatLoop(d: Partial, t: FloatArray, a: FloatArray, b: FloatArray, y: FloatArray, out: FloatArray, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const p = d(a[i], b[i], y[i])
    if (typeof p !== 'number') return false
    out[i] = t[i] * p
  }
  return true
}

/** out[i] = t[i] · d(x[i], y[i]); false (and out unfinished) if the partial is not a number. */
function unaryScaleLoop(
  d: Partial, t: FloatArray, st: number, x: FloatArray, sx: number, y: FloatArray, sy: number, out: FloatArray, n: number,
): boolean {
  for (let i = 0; i < n; i++) {
    const p = d(x[i * sx], y[i * sy])
    if (typeof p !== 'number') return false
    out[i] = t[i * st] * p
  }
  return true
}

/** out[i] = t[i] · d(a[i], b[i], y[i]). */
function binaryScaleLoop(
  d: Partial, t: FloatArray, st: number, a: FloatArray, sa: number, b: FloatArray, sb: number, y: FloatArray, sy: number, out: FloatArray, n: number,
): boolean {
  for (let i = 0; i < n; i++) {
    const p = d(a[i * sa], b[i * sb], y[i * sy])
    if (typeof p !== 'number') return false
    out[i] = t[i * st] * p
  }
  return true
}

/** out[i] = ta[i] · da(…) + tb[i] · db(…): a binary op's JVP when both inputs have tangents. */
function binarySumLoop(
  da: Partial, db: Partial, ta: FloatArray, sta: number, tb: FloatArray, stb: number,
  a: FloatArray, sa: number, b: FloatArray, sb: number, y: FloatArray, sy: number, out: FloatArray, n: number,
): boolean {
  for (let i = 0; i < n; i++) {
    const ai = a[i * sa]
    const bi = b[i * sb]
    const yi = y[i * sy]
    const p = da(ai, bi, yi)
    const q = db(ai, bi, yi)
    if (typeof p !== 'number' || typeof q !== 'number') return false
    out[i] = ta[i * sta] * p + tb[i * stb] * q
  }
  return true
}

/** One op's copies of the fused loops, compiled on first use (and checked on its own partials). */
export interface FusedLoops {
  readonly name: string
  unaryFlat?: typeof unaryFlatLoop
  binaryFlat?: typeof binaryFlatLoop
  unary?: typeof unaryScaleLoop
  binary?: typeof binaryScaleLoop
  sum?: typeof binarySumLoop
}

export function fusedLoops(name: string): FusedLoops {
  return { name }
}

const ONE = new Float64Array(1)

/**
 * Whether the fused loops may replace a rule on these values: every value is a number or a
 * tensor of `shape` and `dtype` (a tensor elsewhere would broadcast), and no engine would
 * record or transform an op applied to them (an engine's tracked values are passive when it
 * would only run the kernel: a reverse tensor outside any graph, or any during a backward
 * pass that is not recorded). A rule on anything else takes its unfused path.
 */
export function fusible(values: readonly unknown[], shape: Shape, dtype: string): boolean {
  let tracked = false
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v === 'number') continue
    if (!(v instanceof Tensor) || v.dtype !== dtype || !sameShape(v.shape, shape)) return false
    if (interpreterOf(v) !== undefined) tracked = true
  }
  if (!tracked) return true
  const top = topInterpreter(values)
  return top !== undefined && top.passive !== undefined && top.passive(values)
}

/** Whether every element of a tensor is the one at its offset (all strides 0). */
function uniform(t: Tensor): boolean {
  for (let i = 0; i < t.strides.length; i++) if (t.strides[i] !== 0 && t.shape[i] !== 1) return false
  return true
}

/** The elements of a fusible value, read with `stride`: a tensor's in order, or one value. */
function elements(v: unknown): FloatArray {
  if (typeof v === 'number') return Float64Array.of(v)
  const t = v as Tensor
  return uniform(t) ? Float64Array.of(t.storage.data[t.offset]) : t.contiguousData()
}

const stride = (v: unknown): number => (typeof v === 'number' || uniform(v as Tensor) ? 0 : 1)

/** t · d(x, y) for a unary op in one pass; null when the partial is not a number on numbers. */
export function fusedUnary(loops: FusedLoops, d: Partial, t: Tensor, x: Tensor, y: Tensor): Tensor | null {
  const out = allocateUnset(t.dtype, t.size)
  let ok: boolean
  if (stride(t) + stride(x) + stride(y) === 3) {
    const loop = (loops.unaryFlat ??= ownCopy(unaryFlatLoop, loops.name, (copy) => copy(d, ONE, ONE, ONE, new Float64Array(1), 1)))
    ok = loop(d, t.contiguousData(), x.contiguousData(), y.contiguousData(), out, t.size)
  } else {
    const loop = (loops.unary ??= ownCopy(unaryScaleLoop, loops.name, (copy) => copy(d, ONE, 0, ONE, 0, ONE, 0, new Float64Array(1), 1)))
    ok = loop(d, elements(t), stride(t), elements(x), stride(x), elements(y), stride(y), out, t.size)
  }
  return ok ? Tensor.fromArray(out, t.shape) : null
}

/** t · d(a, b, y) for one input of a binary op in one pass; null as `fusedUnary`. */
export function fusedBinary(loops: FusedLoops, d: Partial, t: Tensor, a: unknown, b: unknown, y: Tensor): Tensor | null {
  const out = allocateUnset(t.dtype, t.size)
  let ok: boolean
  if (stride(t) + stride(a) + stride(b) + stride(y) === 4) {
    const loop = (loops.binaryFlat ??= ownCopy(binaryFlatLoop, loops.name, (copy) => copy(d, ONE, ONE, ONE, ONE, new Float64Array(1), 1)))
    ok = loop(d, (t as Tensor).contiguousData(), (a as Tensor).contiguousData(), (b as Tensor).contiguousData(), y.contiguousData(), out, t.size)
  } else {
    const loop = (loops.binary ??= ownCopy(binaryScaleLoop, loops.name, (copy) => copy(d, ONE, 0, ONE, 0, ONE, 0, ONE, 0, new Float64Array(1), 1)))
    ok = loop(d, elements(t), stride(t), elements(a), stride(a), elements(b), stride(b), elements(y), stride(y), out, t.size)
  }
  return ok ? Tensor.fromArray(out, t.shape) : null
}

/** ta · da(a, b, y) + tb · db(a, b, y) in one pass; null as `fusedUnary`. */
export function fusedBinarySum(loops: FusedLoops, da: Partial, db: Partial, ta: Tensor, tb: Tensor, a: unknown, b: unknown, y: Tensor): Tensor | null {
  const loop = (loops.sum ??= ownCopy(binarySumLoop, loops.name, (copy) => copy(da, db, ONE, 0, ONE, 0, ONE, 0, ONE, 0, ONE, 0, new Float64Array(1), 1)))
  const out = allocateUnset(ta.dtype, ta.size)
  const ok = loop(da, db, elements(ta), stride(ta), elements(tb), stride(tb), elements(a), stride(a), elements(b), stride(b), elements(y), stride(y), out, ta.size)
  return ok ? Tensor.fromArray(out, ta.shape) : null
}
