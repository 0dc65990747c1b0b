// The numerical-stability sweep: each function at inputs from ±1e-300 to ±1e4, value and
// gradient in both engines, against decimal.js. Reports the worst relative error per function.
import { hasOp } from '@ad/core/internal'
import * as forward from '@ad/forward'
import * as reverse from '@ad/reverse'
import { D, erf, erfc, exact, expm1, log1p, logsumexp, normalCdf, normalPdf, sigmoid, softmax, softplus, type Dec } from './reference.js'

/** Scalar points, both signs, from the subnormal edge to where exp overflows many times over. */
export const POINTS = [1e-300, 1e-12, 1e-5, 0.5, 1, 5, 20, 40, 100, 700, 1e3, 1e4].flatMap((x) => [x, -x]).concat([0])

export interface Case {
  name: string
  /** The ad function of one tensor, written once for either engine module. */
  f: (m: typeof reverse, x: reverse.Tensor) => reverse.Tensor
  /** Inputs: one number per point (a 0-dim tensor), or vectors. */
  inputs: readonly (number | readonly number[])[]
  /** The reference value of f at the input, and its gradient (of the value, or of its sum). */
  value: (x: readonly Dec[]) => Dec
  grad: (x: readonly Dec[]) => Dec[]
  /**
   * Where the exact answer is a difference of much larger terms (1 − n·softmax), no float
   * formula gets it to relative accuracy: errors are then measured against this scale.
   */
  scale?: { value?: (x: readonly number[]) => number; grad?: (x: readonly number[]) => number }
}

const scalar = (f: (x: Dec) => Dec, d: (x: Dec) => Dec) => ({ value: (x: readonly Dec[]) => f(x[0]), grad: (x: readonly Dec[]) => [d(x[0])] })
const one = new D(1)

/** Vectors around each point: a large entry among small ones, and a near-constant run. */
const vectors = POINTS.flatMap((x) => [[x, 0, -x], [x, x + 1, x + 2]])

/**
 * tanh and sech² that stay fast for the huge arguments of the tanh-form GELU (k·0.044715·x³
 * reaches 1e11): beyond |z| = 100, tanh is ±1 to far more than 60 digits, and beyond 1000
 * sech² = 4e^(−2|z|)/(1 + e^(−2|z|))² is below any double.
 */
const tanh = (z: Dec) => (z.abs().gt(100) ? new D(z.s) : D.tanh(z))
const sech2 = (z: Dec) => (z.abs().gt(1000) ? new D(0) : one.div(D.cosh(z).pow(2)))

/** The tanh-form GELU: ½x(1 + tanh z) = x·σ(2z), z = √(2/π)(x + 0.044715x³). */
const geluTanh = (x: Dec) => {
  const k = D.sqrt(new D(2).div(D.acos(-1)))
  const twoZ = k.times(x.plus(x.pow(3).times(0.044715))).times(2)
  return { y: x.times(sigmoid(twoZ)), twoZ, k }
}

export const CASES: Case[] = [
  { name: 'sigmoid', f: (m, x) => m.sigmoid(x), inputs: POINTS, ...scalar(sigmoid, (x) => sigmoid(x).times(sigmoid(x.neg()))) },
  { name: 'softplus', f: (m, x) => m.softplus(x), inputs: POINTS, ...scalar(softplus, sigmoid) },
  { name: 'logSigmoid', f: (m, x) => (m as any).logSigmoid(x), inputs: POINTS, ...scalar((x) => softplus(x.neg()).neg(), (x) => sigmoid(x.neg())) },
  { name: 'log1p', f: (m, x) => m.log1p(x), inputs: POINTS.filter((x) => x > -1).concat([-0.999999]), ...scalar(log1p, (x) => one.div(x.plus(1))) },
  { name: 'expm1', f: (m, x) => m.expm1(x), inputs: POINTS, ...scalar(expm1, (x) => x.exp()) },
  { name: 'tanh', f: (m, x) => m.tanh(x), inputs: POINTS, ...scalar(tanh, sech2) },
  { name: 'gelu', f: (m, x) => (m as any).gelu(x), inputs: POINTS, ...scalar((x) => x.times(normalCdf(x)), (x) => normalCdf(x).plus(x.times(normalPdf(x)))) },
  {
    name: "gelu {approximate: 'tanh'}",
    f: (m, x) => (m as any).gelu(x, { approximate: 'tanh' }),
    inputs: POINTS,
    ...scalar(
      (x) => geluTanh(x).y,
      (x) => {
        // σ(2z) + x·2σ(2z)σ(−2z)·z'
        const { twoZ, k } = geluTanh(x)
        const dz = k.times(one.plus(x.pow(2).times(3 * 0.044715)))
        return sigmoid(twoZ).plus(x.times(2).times(sigmoid(twoZ)).times(sigmoid(twoZ.neg())).times(dz))
      },
    ),
  },
  {
    name: 'erfc',
    f: (m, x) => (m as any).erfc(x),
    inputs: POINTS,
    ...scalar((x) => (x.gte(3) ? erfc(x) : one.minus(erf(x))), (x) => x.pow(2).neg().exp().times(-2).div(D.acos(-1).sqrt())),
  },
  { name: 'erf', f: (m, x) => m.erf(x), inputs: POINTS, ...scalar(erf, (x) => x.pow(2).neg().exp().times(2).div(D.acos(-1).sqrt())) },
  { name: 'logsumexp', f: (m, x) => m.logsumexp(x, { dims: [0] }), inputs: vectors, value: logsumexp, grad: softmax },
  {
    name: 'logSoftmax (sum)',
    f: (m, x) => m.sum(m.logSoftmax(x, { dim: 0 })),
    inputs: vectors,
    value: (x) => x.reduce((s, xi) => s.plus(xi), new D(0)).minus(logsumexp(x).times(x.length)),
    grad: (x) => softmax(x).map((p) => one.minus(p.times(x.length))),
    // 1 − n·softmax_i: terms of size 1 cancel; the value is Σx − n·lse, terms of size n·max|x|.
    scale: { grad: () => 1, value: (x) => x.length * Math.max(1, ...x.map(Math.abs)) },
  },
  {
    name: 'crossEntropy',
    f: (m, x) => m.crossEntropy(m.reshape(x, { shape: [1, -1] }), [0]),
    inputs: vectors,
    value: (x) => logsumexp(x).minus(x[0]),
    grad: (x) => softmax(x).map((p, i) => (i === 0 ? p.minus(1) : p)),
    // lse(x) − x_0 and softmax − onehot: differences of terms of size max|x| and 1.
    scale: { value: (x) => Math.max(1, ...x.map(Math.abs)), grad: () => 1 },
  },
  {
    name: 'binaryCrossEntropyWithLogits',
    f: (m, x) => (m as any).binaryCrossEntropyWithLogits(x, m.full([...x.shape], 0.25)),
    inputs: POINTS.map((x) => [x]),
    // -(y log σ(x) + (1 - y) log(1 - σ(x))) with y = 1/4
    value: ([x]) => softplus(x.neg()).times(0.25).plus(softplus(x).times(0.75)),
    grad: ([x]) => [sigmoid(x).minus(0.25)],
  },
  {
    name: 'norm',
    f: (m, x) => (m as any).norm(x),
    inputs: POINTS.map((x) => [x, x / 2, -x]).concat([[1e-300, 1e-300], [1e-200, -3e-200]]),
    value: (x) => x.reduce((s, xi) => s.plus(xi.pow(2)), new D(0)).sqrt(),
    grad: (x) => {
      const n = x.reduce((s, xi) => s.plus(xi.pow(2)), new D(0)).sqrt()
      return x.map((xi) => (n.isZero() ? new D(0) : xi.div(n)))
    },
  },
  {
    name: 'var',
    f: (m, x) => (m as any).var(x),
    inputs: vectors,
    value: (x) => {
      const mean = x.reduce((s, xi) => s.plus(xi), new D(0)).div(x.length)
      return x.reduce((s, xi) => s.plus(xi.minus(mean).pow(2)), new D(0)).div(x.length - 1)
    },
    grad: (x) => {
      const mean = x.reduce((s, xi) => s.plus(xi), new D(0)).div(x.length)
      return x.map((xi) => xi.minus(mean).times(2).div(x.length - 1))
    },
    // The gradient 2(x_i − mean)/(n − 1) is a difference of much larger terms where x_i is
    // close to the mean ([x, x + 1, x + 2]: the middle one): mean itself is rounded to an ulp
    // of max |x|, so errors are measured against 2·max|x|/(n − 1), as PyTorch's formula gets.
    scale: { grad: (x) => Math.max((2 * Math.max(...x.map(Math.abs))) / (x.length - 1), 2.2250738585072014e-308) },
  },
]

/** The op each case needs: cases of ops not (yet) registered are reported as missing. */
const NEEDS: Record<string, string> = {
  logSigmoid: 'logSigmoid', gelu: 'gelu', "gelu {approximate: 'tanh'}": 'gelu', binaryCrossEntropyWithLogits: 'binaryCrossEntropyWithLogits', norm: 'norm', var: 'var',
}

export interface Row {
  name: string
  engine: 'forward' | 'reverse'
  /** Worst |a − b| / |b| over the inputs (|a − b| when b is 0 or subnormal), value and gradient. */
  value: number
  grad: number
  worstAt: string
  /** A non-finite answer where the reference is finite. */
  nonFinite: number
}

/**
 * Relative error, with an absolute floor: the case's scale where it has one, else the smallest
 * normal double (below it, 0 is as good as any).
 */
export function relError(a: number, b: Dec, scale = 2.2250738585072014e-308): number {
  const ref = b.toNumber()
  if (Number.isNaN(a)) return Infinity
  if (!Number.isFinite(ref)) return a === ref ? 0 : Infinity
  if (!Number.isFinite(a)) return Infinity
  const diff = new D(a).minus(b).abs()
  return diff.div(D.max(b.abs(), new D(scale))).toNumber()
}

function valueAndGrad(engine: 'forward' | 'reverse', c: Case, input: readonly number[] | number): [number, number[]] {
  const data = typeof input === 'number' ? input : [...input]
  if (engine === 'reverse') {
    const x = reverse.tensor(data, { requiresGrad: true })
    const y = c.f(reverse, x)
    y.backward()
    return [y.item(), typeof input === 'number' ? [x.grad!.item()] : (x.grad!.tolist() as number[])]
  }
  const [value, g] = forward.valueAndGrad((x: forward.Tensor) => c.f(forward as unknown as typeof reverse, x as reverse.Tensor))(forward.tensor(data))
  return [(value as forward.Tensor).item(), typeof input === 'number' ? [(g as forward.Tensor).item()] : ((g as forward.Tensor).tolist() as number[])]
}

export function sweep(): { rows: Row[]; missing: string[] } {
  const rows: Row[] = []
  const missing: string[] = []
  for (const c of CASES) {
    if (NEEDS[c.name] !== undefined && !hasOp(NEEDS[c.name])) {
      missing.push(c.name)
      continue
    }
    for (const engine of ['forward', 'reverse'] as const) {
      const row: Row = { name: c.name, engine, value: 0, grad: 0, worstAt: '', nonFinite: 0 }
      for (const input of c.inputs) {
        const plain = typeof input === 'number' ? [input] : input
        const xs = plain.map(exact)
        const [value, grad] = valueAndGrad(engine, c, input)
        const refValue = c.value(xs)
        const refGrad = c.grad(xs)
        const ve = relError(value, refValue, c.scale?.value?.(plain))
        const ge = Math.max(...grad.map((g, i) => relError(g, refGrad[i], c.scale?.grad?.(plain))))
        if ((Number.isFinite(refValue.toNumber()) && !Number.isFinite(value)) || grad.some((g, i) => Number.isFinite(refGrad[i].toNumber()) && !Number.isFinite(g))) row.nonFinite++
        if (Math.max(ve, ge) > Math.max(row.value, row.grad)) row.worstAt = JSON.stringify(input)
        row.value = Math.max(row.value, ve)
        row.grad = Math.max(row.grad, ge)
      }
      rows.push(row)
    }
  }
  return { rows, missing }
}

export function formatRows(rows: readonly Row[]): string {
  const lines = ['| function | engine | worst rel. error, value | worst rel. error, gradient | worst at | non-finite |', '| --- | --- | --- | --- | --- | --- |']
  for (const r of rows) lines.push(`| ${r.name} | ${r.engine} | ${r.value.toExponential(1)} | ${r.grad.toExponential(1)} | ${r.worstAt} | ${r.nonFinite} |`)
  return lines.join('\n')
}
