import { attr } from '../attrs.js'
import { real, type Draw } from '../domain.js'
import { allocate } from '../dtype.js'
import { fmtShape, invalid, shapeMismatch } from '../errors.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import type { Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import type { Value } from '../dispatch.js'
import { mul } from './arithmetic.js'
import { expand, reshape, sum } from './base.js'
import { matmul } from './linalg.js'
import { permute } from './shape.js'
import { addAll } from './nn/common.js'
import { dtypeOfValue } from './util.js'

// einsum, as torch.einsum with an explicit output ('ij,jk->ik'; no ellipsis). The kernel
// never loops over every index: a label repeated within one operand becomes a strided
// diagonal view; a label no other operand or the output has is summed out at once; then
// operands are contracted left to right, each pair permuted and reshaped to
// [batch, free, contracted] and [batch, contracted, free] and multiplied by one batched
// matmul (the project's GEMM). The rules are einsums themselves: the tangent sums the
// einsum with one operand replaced by its tangent, and the cotangent of an operand is the
// einsum of the output's cotangent with the other operands onto that operand's labels
// (expanded along labels only it had, and put back on the diagonal where it repeats one).

interface Equation {
  inputs: string[][]
  output: string[]
  sizes: Map<string, number>
}

function parse(equation: string, shapes: readonly Shape[]): Equation {
  const where = () => `einsum('${equation}') of shapes ${shapes.map(fmtShape).join(', ')}`
  const arrow = equation.indexOf('->')
  if (arrow < 0) throw invalid(`${where()}: the equation needs an explicit output after '->' (e.g. 'ij,jk->ik').`)
  if (equation.includes('.')) throw invalid(`${where()}: ellipsis ('...') is not supported; name every dim with a letter.`)
  const labelsOf = (term: string): string[] => {
    const t = term.trim()
    if (!/^[a-zA-Z]*$/.test(t)) throw invalid(`${where()}: '${term}' must be letters only, one per dim.`)
    return [...t]
  }
  const inputs = equation.slice(0, arrow).split(',').map(labelsOf)
  const output = labelsOf(equation.slice(arrow + 2))
  if (inputs.length !== shapes.length) {
    throw invalid(`${where()}: the equation has ${inputs.length} operand(s) but ${shapes.length} tensor(s) were given.`)
  }
  const sizes = new Map<string, number>()
  inputs.forEach((labels, i) => {
    if (labels.length !== shapes[i].length) {
      throw shapeMismatch(`${where()}: operand ${i} '${labels.join('')}' names ${labels.length} dims but has shape ${fmtShape(shapes[i])}.`)
    }
    labels.forEach((l, d) => {
      const size = shapes[i][d]
      const known = sizes.get(l)
      if (known !== undefined && known !== size) {
        throw shapeMismatch(`${where()}: label '${l}' has size ${known} in one place and ${size} in another.`)
      }
      sizes.set(l, size)
    })
  })
  output.forEach((l, d) => {
    if (!sizes.has(l)) throw invalid(`${where()}: the output label '${l}' is in no operand.`)
    if (output.indexOf(l) !== d) throw invalid(`${where()}: the output label '${l}' appears twice.`)
  })
  return { inputs, output, sizes }
}

/** An operand in the kernel: a plain tensor and the label of each of its dims (distinct). */
interface Term {
  t: Tensor
  labels: string[]
}

/** Each label once: a repeated label becomes the diagonal, a view whose stride is the sum of the repeats'. */
function diagonal(t: Tensor, labels: readonly string[]): Term {
  const unique = [...new Set(labels)]
  if (unique.length === labels.length) return { t, labels: [...labels] }
  const shape = unique.map((l) => t.shape[labels.indexOf(l)])
  const strides = unique.map((l) => labels.reduce((s, m, d) => (m === l ? s + t.strides[d] : s), 0))
  return { t: new Tensor(t.storage, shape, strides, t.offset), labels: unique }
}

/** Sums out the labels of `term` not in `keep`. */
function sumOut(term: Term, keep: ReadonlySet<string>): Term {
  const dims = term.labels.flatMap((l, d) => (keep.has(l) ? [] : [d]))
  if (dims.length === 0) return term
  return { t: sum(term.t, { dims }) as Tensor, labels: term.labels.filter((l) => keep.has(l)) }
}

/** `term` with its dims in the order of `labels` (a view). */
function arrange(term: Term, labels: readonly string[]): Tensor {
  const dims = labels.map((l) => term.labels.indexOf(l))
  return dims.every((d, i) => d === i) ? term.t : (permute(term.t, { dims }) as Tensor)
}

const sizeOfLabels = (labels: readonly string[], sizes: Map<string, number>): number => labels.reduce((p, l) => p * sizes.get(l)!, 1)

/** Contracts two terms, keeping the labels in `keep`: one batched matrix product. */
function contract(a: Term, b: Term, keep: ReadonlySet<string>, sizes: Map<string, number>): Term {
  const inB = new Set(b.labels)
  const inA = new Set(a.labels)
  a = sumOut(a, new Set([...keep, ...inB]))
  b = sumOut(b, new Set([...keep, ...inA]))
  const batch = a.labels.filter((l) => inB.has(l) && keep.has(l))
  const contracted = a.labels.filter((l) => inB.has(l) && !keep.has(l))
  const freeA = a.labels.filter((l) => !inB.has(l))
  const freeB = b.labels.filter((l) => !inA.has(l))
  const size = (ls: string[]) => sizeOfLabels(ls, sizes)
  const A = reshape(arrange(a, [...batch, ...freeA, ...contracted]), { shape: [size(batch), size(freeA), size(contracted)] })
  const B = reshape(arrange(b, [...batch, ...contracted, ...freeB]), { shape: [size(batch), size(contracted), size(freeB)] })
  const labels = [...batch, ...freeA, ...freeB]
  return { t: reshape(matmul(A, B), { shape: labels.map((l) => sizes.get(l)!) }) as Tensor, labels }
}

/** The kernel: diagonals, sums of lone labels, pairwise products, then the output's order. */
function evaluateEinsum(args: readonly Tensor[], eq: Equation, outShape: Shape): Tensor {
  let terms = args.map((t, i) => diagonal(t, eq.inputs[i]))
  const output = new Set(eq.output)
  const neededAfter = (k: number): Set<string> => new Set([...eq.output, ...terms.slice(k).flatMap((t) => t.labels)])
  terms = terms.map((t, i) => sumOut(t, new Set([...output, ...terms.filter((_, j) => j !== i).flatMap((u) => u.labels)])))
  let acc = terms[0]
  for (let k = 1; k < terms.length; k++) acc = contract(acc, terms[k], neededAfter(k + 1), eq.sizes)
  acc = sumOut(acc, output)
  const out = arrange(acc, eq.output)
  // The result as a fresh tensor of its own (a view into a temporary is fine, but copy when
  // it is still one of the inputs, so the output never aliases an argument).
  if (args.some((a) => a.storage === out.storage)) {
    const data = allocate(out.dtype, out.size)
    data.set(out.contiguousData())
    return Tensor.fromArray(data, outShape)
  }
  return out.shape.length === outShape.length ? out : (reshape(out, { shape: [...outShape] }) as Tensor)
}

/** The equation of the cotangent of operand i: from the output and the other operands onto its distinct labels that they have. */
function cotangentOf(eq: Equation, i: number, g: Value, args: readonly Value[], dtypeOf: Value): Value {
  const own = eq.inputs[i]
  const unique = [...new Set(own)]
  const others = eq.inputs.filter((_, j) => j !== i)
  const available = new Set([...eq.output, ...others.flat()])
  const kept = unique.filter((l) => available.has(l))
  const lone = unique.filter((l) => !available.has(l))
  const equation = `${[eq.output, ...others].map((ls) => ls.join('')).join(',')}->${kept.join('')}`
  let grad = einsum(g, ...args.filter((_, j) => j !== i), { equation })
  // Labels only this operand has were summed: the cotangent is constant along them.
  const labels = [...kept, ...lone]
  if (lone.length > 0) {
    const sizes = labels.map((l) => eq.sizes.get(l)!)
    grad = expand(reshape(grad, { shape: [...kept.map((l) => eq.sizes.get(l)!), ...lone.map(() => 1)] }), { shape: sizes })
  }
  // A repeated label read the diagonal: the cotangent goes back on it (δ masks), one new dim per repeat.
  const dimOf: number[] = []
  own.forEach((l, d) => {
    const first = own.indexOf(l)
    if (first === d) {
      dimOf.push(labels.indexOf(l))
      return
    }
    const n = eq.sizes.get(l)!
    const shape = [...shapeOf(grad)]
    const at = labels.indexOf(l)
    grad = expand(reshape(grad, { shape: [...shape, 1] }), { shape: [...shape, n] })
    const maskShape = shape.map((_, k) => (k === at ? n : 1))
    const mask = allocate(dtypeOfValue(dtypeOf), n * n)
    for (let k = 0; k < n; k++) mask[k * n + k] = 1
    grad = mul(grad, Tensor.fromArray(mask, [...maskShape, n]))
    dimOf.push(shape.length)
    labels.push(l)
  })
  return dimOf.every((d, k) => d === k) && dimOf.length === labels.length ? grad : permute(grad, { dims: dimOf })
}

const EQUATIONS: readonly string[] = [
  'ij,jk->ik', 'bij,bjk->bik', 'ij->ji', 'i,i->', 'ij,j->i', 'ii->i', 'ii->', 'bhqd,bhkd->bhqk',
  'ij,ij->ij', 'i,j->ij', 'ijk->', 'ijk->kj', 'ij,jk,kl->il', 'iij->j', 'ij,kj->ki', 'ab,b->', 'i,ij,j->',
]

/** Sums of products over labelled dims: `einsum('ij,jk->ik', a, b)`, the equation as an attr in case files. */
export const einsum = defineOp({
  name: 'einsum',
  arity: [1, Infinity],
  attrs: { equation: attr.string() },
  leadingAttr: 'equation',
  positional: ['equation'],
  shape: (shapes, { equation }) => {
    const eq = parse(equation, shapes)
    return eq.output.map((l) => eq.sizes.get(l)!)
  },
  primal: (args, { equation }, outShape) => evaluateEinsum(args, parse(equation, args.map((a) => a.shape)), outShape),
  jvp: ({ args, attrs }, tangents): MaybeZero =>
    addAll(tangents.map((t, i) => (t === null ? null : einsum(...args.map((a, j) => (j === i ? t : a)), attrs)))),
  vjp: ({ args, attrs }, g, needs): MaybeZero[] => {
    const eq = parse(attrs.equation, args.map(shapeOf))
    return args.map((a, i) => (needs[i] ? cotangentOf(eq, i, g, args, a) : null))
  },
  domain: (draw: Draw) => {
    const equation = draw.pick(EQUATIONS)
    const sizes = new Map<string, number>()
    const [lhs] = equation.split('->')
    const args = lhs.split(',').map((term) => ({
      shape: [...term].map((l) => {
        if (!sizes.has(l)) sizes.set(l, draw.int(1, 3))
        return sizes.get(l)!
      }),
      values: real,
    }))
    return { args, attrs: { equation } }
  },
  edges: [{ note: "explicit output only ('ij,jk->ik'); a label repeated in one operand reads its diagonal ('ii->i'), and its gradient goes back on the diagonal" }],
  tex: '\\frac{\\partial}{\\partial A_k}\\langle G, \\operatorname{einsum}(A_1, \\ldots, A_m)\\rangle = \\operatorname{einsum}(G, A_{j \\ne k} \\to \\text{labels of } A_k)',
})
