// Helpers for this package's tests (not exported from the index): sampling an op's declared
// domain deterministically, and central finite differences.
import { mulberry32, sizeOf, structureMatrices, Tensor as CoreTensor, type Draw, type Op, type ValueDomain } from '@ad/core'

/** A deterministic `Draw` (core's sampling interface) from a seed. */
export function seededDraw(seed: number): Draw & { uniform(): number } {
  const next = mulberry32(seed)
  return {
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bool: () => next() < 0.5,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T,
    uniform: next,
  }
}

export interface SampledArg {
  shape: number[]
  data: Float64Array
  /** Never differentiated: a constant of the domain or of the op (`constantArgs`). */
  constant: boolean
  /** Symmetric matrices (core's `ArgSample.symmetric`): perturb them only symmetrically (`symmetricDirection`). */
  symmetric: boolean
}

export interface SampledPoint {
  args: SampledArg[]
  attrs: Record<string, unknown>
}

/**
 * A point of an op's declared domain: shapes and attrs from `op.domain`, values uniform in
 * each argument's range, kept 2% of the range away from points to avoid (kinks, poles), and,
 * for ops whose ties are kinks (`distinct`), spread on a jittered grid so no two are closer
 * than a third of a grid step.
 */
export function samplePoint(op: Op, seed: number): SampledPoint {
  const draw = seededDraw(seed)
  const sample = op.domain(draw)
  const args = sample.args.map((a, i) => ({
    shape: [...a.shape],
    data: new Float64Array(sizeOf(a.shape)),
    constant: a.values.constant === true || (op.constantArgs?.includes(i) ?? false),
    domain: a.values,
  }))
  for (const a of args) for (let k = 0; k < a.data.length; k++) a.data[k] = drawValue(a.domain, draw.uniform)
  sample.args.forEach((s, i) => structureMatrices(s, args[i].data, () => drawValue(s.diagonal ?? s.values, draw.uniform)))
  if (sample.distinct === true) {
    const slots = args.filter((a) => !a.constant).flatMap((a) => Array.from(a.data, (_, k) => ({ a, k })))
    const order = slots.map((_, i) => i).sort(() => draw.uniform() - 0.5)
    slots.forEach(({ a, k }, i) => {
      const width = a.domain.max - a.domain.min
      const step = width / slots.length
      a.data[k] = a.domain.min + ((order[i] as number) + 0.5 + 0.3 * (2 * draw.uniform() - 1)) * step
    })
  }
  return {
    args: args.map(({ shape, data, constant }, i) => ({ shape, data, constant, symmetric: sample.args[i].symmetric === true })),
    attrs: sample.attrs,
  }
}

/** A direction for `arg`: `data` itself, made symmetric (upper triangle from the lower) when the argument is. */
export function symmetricDirection(arg: SampledArg, data: Float64Array): Float64Array {
  if (arg.symmetric) structureMatrices({ shape: arg.shape, values: { min: 0, max: 0 }, symmetric: true }, data, () => 0)
  return data
}

function drawValue(domain: ValueDomain, uniform: () => number): number {
  if (domain.integer === true) {
    const lo = Math.ceil(domain.min)
    const hi = Math.floor(domain.max)
    for (;;) {
      const v = lo + Math.floor(uniform() * (hi - lo + 1))
      if (!(domain.avoid ?? []).includes(v)) return v
    }
  }
  const margin = 0.02 * (domain.max - domain.min)
  for (;;) {
    const v = domain.min + uniform() * (domain.max - domain.min)
    if ((domain.avoid ?? []).every((a) => Math.abs(v - a) >= margin)) return v
  }
}

export function plain(shape: readonly number[], data: ArrayLike<number>): CoreTensor {
  return CoreTensor.fromArray(Float64Array.from(data), [...shape])
}

/**
 * d/dt g(x + t·v) at t = 0 by central differences with one Richardson step (error O(h⁴)),
 * for a vector-valued g of flat inputs.
 */
export function directional(g: (x: Float64Array) => Float64Array, x: Float64Array, v: Float64Array, h = 2 ** -12): Float64Array {
  const at = (t: number) => g(x.map((xi, i) => xi + t * (v[i] as number)))
  const d = (step: number) => {
    const up = at(step)
    const down = at(-step)
    return up.map((u, i) => (u - (down[i] as number)) / (2 * step))
  }
  const d1 = d(h)
  const d2 = d(h / 2)
  return d2.map((b, i) => (4 * b - (d1[i] as number)) / 3)
}

/** Largest |a − b| over the largest |b| (plus one): a relative error that tolerates tiny entries. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0
  let scale = 1
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)))
    scale = Math.max(scale, Math.abs(b[i] as number))
  }
  return diff / scale
}
