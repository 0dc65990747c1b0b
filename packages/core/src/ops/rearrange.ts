import { attr } from '../attrs.js'
import { drawDims, drawShape, real } from '../domain.js'
import { fmtShape, invalid } from '../errors.js'
import { remap, shiftTable, type DimTable } from '../kernels/remap.js'
import { triangleKernel } from '../kernels/triangle.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { normalizeDims, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import { reshape, sum } from './base.js'
import { checkDim } from './util.js'

// Ops that move elements without arithmetic: each output element is one input element (or
// a constant). Kernels are one pass through `remap` (a table per dim) or `triangleKernel`;
// each op's gradient is the same kind of move backwards (flip of flip, roll by −shift, pad
// by −pad, a sum over the tiles).

/** Reverses the order of elements along each of `dims` (torch.flip). */
export const flip = defineOp({
  name: 'flip',
  arity: 1,
  attrs: { dims: attr.ints() },
  positional: ['dims'],
  shape: ([s], { dims }) => (normalizeDims('flip', dims, s.length), s),
  primal: ([x], { dims }, shape) => {
    const nd = normalizeDims('flip', dims, x.rank)
    return remap(x, (d) => (nd.includes(d) && x.rank > 0 ? reversed(shape[d]) : null), shape)
  },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : flip(t, attrs)),
  vjp: ({ attrs }, g): MaybeZero[] => [flip(g, attrs)],
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    return { args: [{ shape, values: real }], attrs: { dims: drawDims(draw, shape.length, 0) } }
  },
  tex: '\\frac{\\partial\\, \\mathrm{out}_i}{\\partial x_j} = [\\,j = n - 1 - i\\,] \\text{ along each flipped dim}',
})

function reversed(n: number): Int32Array {
  const t = new Int32Array(n)
  for (let j = 0; j < n; j++) t[j] = n - 1 - j
  return t
}

/** The dims and shifts of a roll, checked; without dims, the flattened tensor rolls (as torch.roll). */
function rollPlan(s: Shape, shifts: readonly number[], dims: readonly number[] | undefined): { dims: number[]; shifts: readonly number[] } {
  if (dims === undefined) {
    if (shifts.length !== 1) throw invalid(`roll: without dims, give one shift (the flattened tensor rolls), got ${JSON.stringify(shifts)} for shape ${fmtShape(s)}.`)
    return { dims: [], shifts }
  }
  if (dims.length !== shifts.length) {
    throw invalid(`roll: shifts ${JSON.stringify(shifts)} and dims ${JSON.stringify(dims)} must have the same length (shape ${fmtShape(s)}).`)
  }
  return { dims: dims.map((d) => checkDim('roll', d, s)), shifts }
}

/** out[j] = x[(j − shift) mod n]: positions k ↦ k + shift. */
function rotated(n: number, shift: number): Int32Array {
  const t = new Int32Array(n)
  for (let j = 0; j < n; j++) t[j] = (((j - shift) % n) + n) % n
  return t
}

/** Shifts elements along dims cyclically (torch.roll); several dims roll in turn. */
export const roll = defineOp({
  name: 'roll',
  arity: 1,
  attrs: { shifts: attr.ints(), dims: attr.ints().optional() },
  positional: ['shifts', 'dims'],
  shape: ([s], { shifts, dims }) => (rollPlan(s, shifts, dims), s),
  primal: ([x], { shifts, dims }, shape) => {
    const plan = rollPlan(x.shape, shifts, dims)
    if (dims === undefined) {
      const flat = Tensor.fromArray(x.contiguousData(), [x.size])
      return reshapeData(remap(flat, () => rotated(x.size, shifts[0]), [x.size]), shape)
    }
    // Two shifts of one dim add up, as rolling twice does.
    const totals = shape.map(() => 0)
    plan.dims.forEach((d, i) => (totals[d] += plan.shifts[i]))
    return remap(x, (d) => (totals[d] === 0 ? null : rotated(shape[d], totals[d])), shape)
  },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : roll(t, attrs)),
  vjp: ({ attrs }, g): MaybeZero[] => [roll(g, { shifts: attrs.shifts.map((k) => -k), dims: attrs.dims })],
  domain: (draw) => {
    const shape = drawShape(draw, 1, 3)
    if (draw.int(0, 3) === 0) return { args: [{ shape, values: real }], attrs: { shifts: [draw.int(-5, 5)] } }
    const dims = drawDims(draw, shape.length)
    return { args: [{ shape, values: real }], attrs: { shifts: dims.map(() => draw.int(-5, 5)), dims } }
  },
  tex: '\\frac{\\partial\\, \\mathrm{out}_i}{\\partial x_j} = [\\,i \\equiv j + \\mathrm{shift} \\pmod n\\,]',
})

function reshapeData(t: Tensor, shape: Shape): Tensor {
  return new Tensor(t.storage, shape)
}

/** The output shape of a pad, checked: pairs from the last dim backwards, no dim below 0. */
function padShape(s: Shape, amounts: readonly number[]): number[] {
  if (amounts.length % 2 !== 0 || amounts.length > 2 * s.length) {
    throw invalid(
      `pad: pad ${JSON.stringify(amounts)} must hold [left, right] pairs, at most one per dim (from the last dim backwards) of shape ${fmtShape(s)}.`,
    )
  }
  const out = [...s]
  for (let k = 0; k < amounts.length / 2; k++) {
    const d = s.length - 1 - k
    out[d] = s[d] + amounts[2 * k] + amounts[2 * k + 1]
    if (out[d] < 0) throw invalid(`pad: pad ${JSON.stringify(amounts)} crops dim ${d} of shape ${fmtShape(s)} below size 0.`)
  }
  return out
}

/**
 * Constant padding as torch.nn.functional.pad: `pad` holds [left, right] amounts from the
 * last dim backwards; negative amounts crop. The gradient crops what was padded (and pads
 * with zeros what was cropped): pad by −pad.
 */
export const pad = defineOp({
  name: 'pad',
  arity: 1,
  attrs: { pad: attr.ints(), value: attr.number().default(0) },
  positional: ['pad', 'value'],
  shape: ([s], attrs) => padShape(s, attrs.pad),
  primal: ([x], { pad: amounts, value }, shape) => {
    // amounts[2k], amounts[2k + 1] pad dim rank − 1 − k; the other dims are read as they are.
    const tableOf = (d: number): DimTable => {
      const k = x.rank - 1 - d
      return 2 * k < amounts.length ? shiftTable(shape[d], -amounts[2 * k], x.shape[d]) : null
    }
    return remap(x, tableOf, shape, value)
  },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : pad(t, { pad: attrs.pad })),
  vjp: ({ attrs }, g): MaybeZero[] => [pad(g, { pad: attrs.pad.map((k) => -k) })],
  domain: (draw) => {
    const shape = drawShape(draw, 1, 3)
    const amounts: number[] = []
    const dims = draw.int(1, shape.length)
    for (let k = 0; k < dims; k++) {
      const n = shape[shape.length - 1 - k]
      const left = draw.int(-1, 2)
      // Keep at least one element: left + right ≥ 1 − n.
      const right = Math.max(draw.int(-1, 2), 1 - n - left)
      amounts.push(left, right)
    }
    return { args: [{ shape, values: real }], attrs: draw.bool() ? { pad: amounts } : { pad: amounts, value: draw.pick([-1, 2.5]) } }
  },
  edges: [
    { note: 'negative amounts crop: the cropped elements get gradient 0', args: [[0, 1, 2, 3, 4]], attrs: { pad: [-1, 2] }, torch: [[0, 1, 1, 1, 1]] },
  ],
  tex: '\\frac{\\partial\\, \\mathrm{out}_i}{\\partial x_j} = [\\,i = j + \\mathrm{left}\\,]',
})

/** reps aligned with the shape: either padded with leading 1s (as torch.tile). */
function tilePlan(s: Shape, reps: readonly number[]): { rank: number; shape: number[]; reps: number[] } {
  if (reps.some((r) => r < 0)) throw invalid(`tile: reps ${JSON.stringify(reps)} must be non-negative (shape ${fmtShape(s)}).`)
  const rank = Math.max(s.length, reps.length)
  const shape = [...Array<number>(rank - s.length).fill(1), ...s]
  return { rank, shape, reps: [...Array<number>(rank - reps.length).fill(1), ...reps] }
}

/** Repeats the tensor `reps[d]` times along each dim (torch.tile); the gradient sums the copies. */
export const tile = defineOp({
  name: 'tile',
  arity: 1,
  attrs: { reps: attr.ints() },
  positional: ['reps'],
  shape: ([s], { reps }) => {
    const plan = tilePlan(s, reps)
    return plan.shape.map((n, d) => n * plan.reps[d])
  },
  primal: ([x], { reps }, shape) => {
    const plan = tilePlan(x.shape, reps)
    const lead = plan.rank - x.rank
    const lifted = new Tensor(x.storage, plan.shape, [...Array<number>(lead).fill(0), ...x.strides], x.offset)
    return remap(lifted, (d) => cyclic(shape[d], plan.shape[d]), shape)
  },
  jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : tile(t, attrs)),
  vjp: ({ args: [x], attrs }, g): MaybeZero[] => {
    const xs = shapeOf(x)
    const plan = tilePlan(xs, attrs.reps)
    // [r₀·n₀, r₁·n₁, …] read as [r₀, n₀, r₁, n₁, …]; the copies are the even dims.
    const split = plan.shape.flatMap((n, d) => [plan.reps[d], n])
    const summed = sum(reshape(g, { shape: split }), { dims: plan.shape.map((_, d) => 2 * d) })
    return [reshape(summed, { shape: [...xs] })]
  },
  domain: (draw) => {
    const shape = drawShape(draw, 0, 3)
    const reps = Array.from({ length: draw.int(0, 3) }, () => draw.int(1, 3))
    return { args: [{ shape, values: real }], attrs: { reps } }
  },
  tex: '\\frac{\\partial\\, \\mathrm{out}_i}{\\partial x_j} = [\\,i \\equiv j \\pmod n\\,]',
})

/** 0, 1, …, n − 1, n times over: out[j] = j mod n. */
function cyclic(m: number, n: number): Int32Array | null {
  if (m === n) return null
  const t = new Int32Array(m)
  for (let j = 0; j < m; j++) t[j] = j % n
  return t
}

function checkMatrix(op: string, s: Shape): void {
  if (s.length < 2) throw invalid(`${op}: expects a tensor of at least 2 dims (matrices in the last two), got shape ${fmtShape(s)}.`)
}

function triangleOp(name: 'triu' | 'tril', upper: boolean) {
  const self = defineOp({
    name,
    arity: 1,
    attrs: { diagonal: attr.int().default(0) },
    positional: ['diagonal'],
    shape: ([s]) => (checkMatrix(name, s), s),
    primal: ([x], { diagonal }) => triangleKernel(x, diagonal, upper),
    // The op is a mask, so its own transpose: the same triangle of the (co)tangent.
    jvp: ({ attrs }, [t]): MaybeZero => (t === null ? null : self(t, attrs)),
    vjp: ({ attrs }, g): MaybeZero[] => [self(g, attrs)],
    domain: (draw) => {
      const shape = drawShape(draw, 2, 3)
      return { args: [{ shape, values: real }], attrs: draw.bool() ? {} : { diagonal: draw.int(-2, 2) } }
    },
    tex: upper
      ? '\\frac{\\partial\\, \\mathrm{out}_{ij}}{\\partial x_{ij}} = [\\,j - i \\ge \\mathrm{diagonal}\\,]'
      : '\\frac{\\partial\\, \\mathrm{out}_{ij}}{\\partial x_{ij}} = [\\,j - i \\le \\mathrm{diagonal}\\,]',
  })
  return self
}

/** The upper triangle of the last two dims, from `diagonal` up (torch.triu). */
export const triu = triangleOp('triu', true)

/** The lower triangle of the last two dims, up to `diagonal` (torch.tril). */
export const tril = triangleOp('tril', false)
