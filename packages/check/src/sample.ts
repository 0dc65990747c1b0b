import fc from 'fast-check'
import { eachMatrixPair, mulberry32, sizeOf, Storage, structureMatrices, Tensor, type ArgSample, type Op, type Sample, type ValueDomain } from '@ad/core'
import { drawDoubles, drawFrom, drawIntegers, drawOption, drawSeed, type Gen } from './draw.js'
import { exactStep, maxDisplacement, stepScale } from './fd.js'
import { sameShape } from './values.js'

/** One argument of an op at a sampled point, in float64. */
export interface PointArg {
  shape: number[]
  data: Float64Array
  domain: ValueDomain
  /** Closed over as a plain constant: never a primal, never perturbed, never differentiated. */
  constant: boolean
  /** Square matrices: the domain of their diagonal, and whether they stay symmetric (core's `ArgSample`). */
  diagonal?: ValueDomain
  symmetric?: boolean
  /** The tangent direction v of a primal (see `drawPoint`); empty for a constant. */
  tangent: Float64Array
  /** How the values are laid out when handed to kernels and engines (see `materialize`). */
  layout: Layout
  /**
   * The index of an earlier argument this one is the very same value as (`mul(x, x)`): not a
   * primal of its own, so engines must add up what reaches x through both arguments.
   */
  alias?: number
}

/**
 * Kernels and engines must give the same answer whatever the memory layout of their inputs:
 * a packed tensor, a view at an offset into a larger buffer, a strided view (column-major,
 * every other slot, as a transpose or slice leaves it), or, for a 0-dim value in float64, a
 * plain JS number (forward mode's scalar path). Drawn per argument; shrinks to `contiguous`.
 */
export const LAYOUTS = ['contiguous', 'offset', 'strided', 'number'] as const
export type Layout = (typeof LAYOUTS)[number]

/** The values of `arg` (or `data` in its place) as a tensor in `arg`'s layout, or a number. */
export function materialize(arg: PointArg, data: Float64Array, dtype: 'float64' | 'float32' = 'float64'): Tensor | number {
  const { shape } = arg
  const n = data.length
  switch (arg.layout) {
    case 'number':
      if (shape.length === 0 && dtype === 'float64') return data[0]
      return Tensor.fromArray(dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), [...shape])
    case 'contiguous':
      return Tensor.fromArray(dtype === 'float32' ? Float32Array.from(data) : Float64Array.from(data), [...shape])
    case 'offset': {
      const buffer = dtype === 'float32' ? new Float32Array(n + 3) : new Float64Array(n + 3)
      buffer.fill(Number.NaN)
      buffer.set(data, 3)
      return new Tensor(new Storage(buffer), [...shape], undefined, 3)
    }
    case 'strided': {
      // Column-major strides, doubled: element (i0, i1, ...) lives at 1 + 2·(i0 + d0·(i1 + d1·(...))).
      const strides: number[] = []
      let step = 2
      for (const d of shape) {
        strides.push(step)
        step *= d
      }
      const buffer = dtype === 'float32' ? new Float32Array(2 * n + 1) : new Float64Array(2 * n + 1)
      buffer.fill(Number.NaN)
      const index = shape.map(() => 0)
      for (let k = 0; k < n; k++) {
        let at = 1
        for (let d = 0; d < shape.length; d++) at += index[d] * strides[d]
        buffer[at] = data[k]
        for (let d = shape.length - 1; d >= 0; d--) {
          if (++index[d] < shape[d]) break
          index[d] = 0
        }
      }
      return new Tensor(new Storage(buffer), [...shape], strides, 1)
    }
  }
}

/** A concrete input of an op: tensors drawn from its domain, its attrs, and the random directions. */
export interface Point {
  op: Op
  args: PointArg[]
  /** As a user would write them (the domain's `attrs`), for reports. */
  rawAttrs: Record<string, unknown>
  /** Parsed by the op's schema, defaults filled: what `apply` takes. */
  attrs: object
  /** Seeds the tangent directions v and the cotangent u. */
  directionSeed: number
}

/**
 * How far a value stays from a point it must avoid (a kink such as relu's 0, a pole such as
 * 1/x's): 1% of the domain's width. Near a kink, finite differences straddle it and are
 * wrong; near a pole they lose accuracy like h²/d² (d the distance), which is 1e-8 at
 * d = 0.04 (width 4). The margin is also at least 100 steps, so no step ever crosses.
 */
export function avoidMargin(domain: ValueDomain): number {
  const bound = Math.max(Math.abs(domain.min), Math.abs(domain.max))
  return Math.max(0.01 * (domain.max - domain.min), 100 * maxDisplacement(bound))
}

/**
 * The smallest gap between two differentiable values of an op with `distinct` (ties are
 * kinks: max, maximum). 0.1% of the width, less when many values must fit (n values need
 * (n-1) gaps), and never under 20 steps: two values each moving one step towards each other
 * then stay 18 steps apart, so a finite-difference step never reorders them.
 */
function distinctGap(width: number, n: number, bound: number): number {
  return Math.max(Math.min(1e-3 * width, width / (2 * n)), 20 * maxDisplacement(bound))
}

function isConstant(op: Op, i: number, domain: ValueDomain): boolean {
  return domain.constant === true || (op.constantArgs?.includes(i) ?? false)
}

/** Moves `x` out of each avoided point's margin, to whichever side stays in range. */
function keepAway(x: number, domain: ValueDomain): number {
  const margin = avoidMargin(domain)
  for (const a of domain.avoid ?? []) {
    if (Math.abs(x - a) >= margin) continue
    const up = a + margin
    const down = a - margin
    const preferUp = x >= a
    const first = preferUp ? up : down
    const second = preferUp ? down : up
    x = first >= domain.min && first <= domain.max ? first : second
  }
  return x
}

/**
 * Whether a value meets its domain. `exactStep` may move a value by a few ulps, so bounds and
 * margins are checked with a slack of 1e-12 of the width: no kink or pole is that sharp.
 */
function satisfies(x: number, domain: ValueDomain): boolean {
  const slack = 1e-12 * (domain.max - domain.min)
  if (!(x >= domain.min - slack && x <= domain.max + slack)) return false
  if (domain.integer === true && !Number.isInteger(x)) return false
  const margin = domain.integer === true ? 0.5 : avoidMargin(domain) - slack
  return (domain.avoid ?? []).every((a) => Math.abs(x - a) >= margin)
}

interface Slot {
  arg: PointArg
  index: number
}

/**
 * Spreads the differentiable values apart so that sorted neighbours are at least `gap`
 * apart: a forward pass pushes values up, a backward pass pulls the top ones back under
 * each value's own maximum. Values already far apart do not move.
 */
function separate(slots: Slot[]): void {
  if (slots.length < 2) return
  const bound = Math.max(...slots.map((s) => Math.max(Math.abs(s.arg.domain.min), Math.abs(s.arg.domain.max))))
  const width = Math.min(...slots.map((s) => s.arg.domain.max - s.arg.domain.min))
  const gap = distinctGap(width, slots.length, bound)
  const get = (s: Slot) => s.arg.data[s.index]
  const set = (s: Slot, v: number) => {
    s.arg.data[s.index] = v
  }
  slots.sort((a, b) => get(a) - get(b))
  for (let i = 1; i < slots.length; i++) {
    const s = slots[i]
    set(s, Math.max(get(s), get(slots[i - 1]) + gap))
  }
  const last = slots[slots.length - 1]
  set(last, Math.min(get(last), last.arg.domain.max))
  for (let i = slots.length - 2; i >= 0; i--) {
    const s = slots[i]
    set(s, Math.min(get(s), get(slots[i + 1]) - gap, s.arg.domain.max))
  }
  // The caller checks ranges and margins again; a sample this cannot repair is discarded.
  fc.pre(slots.every((s, i) => i === 0 || get(s) - get(slots[i - 1]) >= gap * (1 - 1e-12)))
}

function drawValues(gen: Gen, n: number, domain: ValueDomain): number[] {
  if (domain.integer === true) return drawIntegers(gen, n, Math.ceil(domain.min), Math.floor(domain.max))
  return drawDoubles(gen, n, domain.min, domain.max).map((x) => keepAway(x, domain))
}

/** The domain element `i` of `arg` is drawn from: its diagonal's for the diagonal of a matrix argument. */
function domainAt(arg: PointArg, i: number): ValueDomain {
  if (arg.diagonal === undefined) return arg.domain
  const n = arg.shape[arg.shape.length - 1]
  const k = i % (n * n)
  return Math.floor(k / n) === k % n ? arg.diagonal : arg.domain
}

function drawArg(gen: Gen, sample: ArgSample, constant: boolean): PointArg {
  const { shape, values: domain, diagonal, symmetric } = sample
  const data = Float64Array.from(drawValues(gen, sizeOf(shape), domain))
  const diag = diagonal === undefined ? [] : drawValues(gen, sizeOf(shape) / shape[shape.length - 1], diagonal)
  let d = 0
  structureMatrices(sample, data, () => diag[d++])
  const layout = drawOption(gen, LAYOUTS)
  return { shape: [...shape], data, domain, diagonal, symmetric, constant, tangent: new Float64Array(0), layout }
}

/**
 * Draws a point from an op's domain: the sample (shapes, value domains, attrs) through
 * core's `Draw`, then the values, then the direction seed. Everything comes from `gen`, so
 * a failing point shrinks and replays.
 */
export function drawPoint(gen: Gen, op: Op): Point {
  const sample: Sample = op.domain(drawFrom(gen))
  const n = sample.args.length
  const { arity } = op
  const fits = arity === 'list' ? n >= 1 : typeof arity === 'number' ? n === arity : n >= arity[0] && n <= arity[1]
  if (!fits) throw new Error(`${op.name}: its domain sampled ${n} arguments, but the op takes ${String(arity)}`)
  const args = sample.args.map((a, i) => drawArg(gen, a, isConstant(op, i, a.values)))
  if (sample.distinct === true) {
    separate(args.filter((a) => !a.constant).flatMap((arg) => Array.from(arg.data, (_, index) => ({ arg, index }))))
  }
  if (sample.distinct !== true) alias(args, drawFrom(gen).bool())
  const directionSeed = drawSeed(gen)
  setTangents(args, directionSeed)
  // fast-check's own values satisfy the domain; the repairs above must too, or the sample is
  // unusable (an impossible domain shows up as "too many skipped runs", not as a pass).
  fc.pre(args.every((a) => a.data.every((x, i) => satisfies(x, domainAt(a, i)))))
  return { op, args, rawAttrs: sample.attrs, attrs: op.parseAttrs(sample.attrs), directionSeed }
}

/**
 * When `wanted`, makes the second of the first two primal arguments of the same shape and
 * domain the same value as the first (never for `distinct` ops: x and x tie everywhere).
 */
function alias(args: PointArg[], wanted: boolean): void {
  if (!wanted) return
  const same = (a: PointArg, b: PointArg) =>
    !a.constant && !b.constant && sameShape(a.shape, b.shape) &&
    JSON.stringify([a.domain, a.diagonal, a.symmetric]) === JSON.stringify([b.domain, b.diagonal, b.symmetric])
  for (let j = 1; j < args.length; j++) {
    const i = args.findIndex((a, k) => k < j && a.alias === undefined && same(a, args[j]))
    if (i < 0) continue
    args[j] = { ...args[j], data: args[i].data, layout: args[i].layout, alias: i }
    return
  }
}

/**
 * The tangent directions: entries r_i uniform in [-1, 1], scaled by max(1, |x_i|) so that
 * finite differences take a per-point step (`fd.ts`), then put on a common grid with x so
 * that both finite-difference points are exact (`exactStep`). Random, not all-ones: a
 * transposed or misplaced Jacobian entry is invisible along symmetric directions.
 */
function setTangents(args: PointArg[], seed: number): void {
  const next = mulberry32(seed)
  for (const a of args) {
    if (a.constant || a.alias !== undefined) continue
    a.tangent = new Float64Array(a.data.length)
    for (let i = 0; i < a.data.length; i++) {
      const r = 2 * next() - 1
      ;[a.data[i], a.tangent[i]] = exactStep(a.data[i], r * stepScale(a.data[i]))
    }
    // A symmetric matrix moves symmetrically: the upper triangle copies the lower one's step.
    if (a.symmetric === true) {
      eachMatrixPair(a.shape, (at, mirror) => {
        a.data[mirror] = a.data[at]
        a.tangent[mirror] = a.tangent[at]
      })
    }
  }
}

/** The cotangent u: entries uniform in [-1, 1], one per output element (its own stream, so v does not depend on the output's size). */
export function cotangent(point: Point, outSize: number): Float64Array {
  const next = mulberry32(point.directionSeed ^ 0x5bd1e995)
  return Float64Array.from({ length: outSize }, () => 2 * next() - 1)
}

/** The arguments that are differentiated, the primals: all but the constants and the aliases. */
export function primalArgs(point: Point): PointArg[] {
  return point.args.filter((a) => !a.constant && a.alias === undefined)
}

/**
 * The op's arguments from the primals' values: constants materialized from their data
 * (through `data`, e.g. rounding), aliases the very value of the argument they alias.
 */
export function assemble(point: Point, primals: readonly unknown[], dtype: 'float64' | 'float32' = 'float64', data = (a: PointArg) => a.data): unknown[] {
  const out: unknown[] = []
  let next = 0
  for (const a of point.args) {
    out.push(a.alias !== undefined ? out[a.alias] : a.constant ? materialize(a, data(a), dtype) : primals[next++])
  }
  return out
}

/** Short, replayable description of a point: shapes, attrs, and small tensors in full. */
export function describePoint(point: Point): string {
  const lines = [`op ${point.op.name}, attrs ${JSON.stringify(point.rawAttrs)}, direction seed ${point.directionSeed}`]
  point.args.forEach((a, i) => {
    const data = a.data.length <= 32 ? `[${Array.from(a.data, (x) => String(x)).join(', ')}]` : `(${a.data.length} values)`
    if (a.alias !== undefined) lines.push(`  arg ${i}: the same tensor as arg ${a.alias}`)
    else lines.push(`  arg ${i}${a.constant ? ' (constant)' : ''}: shape [${a.shape.join(',')}], ${a.layout}, ${data}`)
  })
  return lines.join('\n')
}
