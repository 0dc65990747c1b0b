import { attr, type AttrSchema, type AttrsOf } from '../attrs.js'
import { drawShape, values } from '../domain.js'
import { binaryKernel, unaryKernel } from '../kernels/elementwise.js'
import { erfc as erfcScalar } from '../kernels/erf.js'
import { defineOp, type Edge, type MaybeZero, type OpFunction } from '../op.js'
import { Tensor } from '../tensor.js'
import { allocate } from '../dtype.js'
import type { Value } from '../dispatch.js'
import { defineUnary } from './elementwise.js'
import { add, mul, neg, square, sub } from './arithmetic.js'
import { gt } from './compare.js'
import { where } from './select.js'
import { erfc, exp, sigmoid } from './unary.js'

// The activations of modern networks, each as PyTorch computes it (stable forms for large
// |x|) with its derivative written with core ops.

/** log σ(x) = −softplus(−x), without overflow on either side. */
export const logSigmoid = defineUnary({
  name: 'logSigmoid',
  f: (x) => (x < 0 ? x - Math.log1p(Math.exp(x)) : -Math.log1p(Math.exp(-x))),
  d: (x) => sigmoid(neg(x)),
  values: values(-4, 4),
  tex: '\\frac{d}{dx}\\log\\sigma(x) = \\sigma(-x)',
})

/** x·σ(x) (SiLU, swish). */
export const silu = defineUnary({
  name: 'silu',
  f: (x) => (x >= 0 ? x / (1 + Math.exp(-x)) : (x * Math.exp(x)) / (1 + Math.exp(x))),
  // σ(x)·(1 + x·(1 − σ(x)))
  d: (x) => {
    const s = sigmoid(x)
    return mul(s, add(1, mul(x, sub(1, s))))
  },
  values: values(-4, 4),
  tex: '\\frac{d}{dx}\\,x\\sigma(x) = \\sigma(x)\\,\\bigl(1 + x(1 - \\sigma(x))\\bigr)',
})

/**
 * An elementwise op whose function depends on attrs (gelu's mode, elu's alpha): the kernel
 * and the partial both take them. Its rules are those of any unary op: (co)tangent times
 * the partial, so batched tangents broadcast against it.
 */
function defineActivation<S extends AttrSchema, const P extends readonly (keyof S & string)[]>(spec: {
  name: string
  attrs: S
  positional: P
  kernel: (x: Tensor, attrs: AttrsOf<S>) => Tensor
  d: (x: Value, y: Value, attrs: AttrsOf<S>) => Value
  sampleAttrs: (draw: Parameters<Parameters<typeof defineOp>[0]['domain']>[0]) => Record<string, unknown>
  avoid?: readonly number[]
  edges?: readonly Edge[]
  tex: string
}): OpFunction<S, 1, P, undefined> {
  return defineOp<S, 1, P, undefined>({
    name: spec.name,
    arity: 1,
    elementwise: true,
    attrs: spec.attrs,
    positional: spec.positional,
    shape: ([s]) => s,
    primal: ([x], attrs) => spec.kernel(x, attrs),
    jvp: ({ args: [x], out, attrs }, [t]): MaybeZero => (t === null ? null : mul(t, spec.d(x, out, attrs))),
    vjp: ({ args: [x], out, attrs }, g): MaybeZero[] => [mul(g, spec.d(x, out, attrs))],
    domain: (draw) => ({
      args: [{ shape: drawShape(draw), values: values(-3, 3, { avoid: spec.avoid }) }],
      attrs: spec.sampleAttrs(draw),
    }),
    edges: spec.edges,
    tex: spec.tex,
  })
}

/** A 0-dim tensor of `v` in x's dtype: the scalar operand of a parameterised kernel. */
function scalarLike(x: Tensor, v: number): Tensor {
  const data = allocate(x.dtype, 1)
  data[0] = v
  return Tensor.fromArray(data, [])
}

const SQRT1_2 = Math.SQRT1_2
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI)
const TANH_K = Math.sqrt(2 / Math.PI)
const TANH_C = 0.044715

// Φ(x) = ½erfc(−x/√2), not ½(1 + erf(x/√2)), which cancels to 0 for x ≲ −6 where Φ(x) is
// still a normal number; and ½(1 + tanh z) = σ(2z), which does not cancel either.
const stableSigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))
const geluExact = unaryKernel('gelu', (x) => 0.5 * x * erfcScalar(-x * SQRT1_2))
const geluTanh = unaryKernel('gelu-tanh', (x) => x * stableSigmoid(2 * TANH_K * (x + TANH_C * x * x * x)))

/**
 * x·Φ(x), Φ the standard normal CDF; `approximate: 'tanh'` is PyTorch's tanh approximation
 * 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))), differentiated as written (not as the exact one).
 */
export const gelu = defineActivation({
  name: 'gelu',
  attrs: { approximate: attr.oneOf('none', 'tanh').default('none') },
  positional: ['approximate'],
  kernel: (x, { approximate }) => (approximate === 'tanh' ? geluTanh(x) : geluExact(x)),
  d: (x, _y, { approximate }) => {
    if (approximate === 'tanh') {
      // ½(1 + t) + ½x(1 − t²)·z', t = tanh z, z = √(2/π)(x + 0.044715x³), written with
      // ½(1 + t) = σ(2z) and ½(1 − t²) = 2σ(2z)σ(−2z), which do not cancel for large |z|.
      const x2 = square(x)
      const twoZ = mul(2 * TANH_K, mul(x, add(1, mul(TANH_C, x2))))
      const s = sigmoid(twoZ)
      const dz = mul(TANH_K, add(1, mul(3 * TANH_C, x2)))
      return add(s, mul(mul(2, x), mul(mul(s, sigmoid(neg(twoZ))), dz)))
    }
    // Φ(x) + x·φ(x)
    const cdf = mul(0.5, erfc(mul(x, -SQRT1_2)))
    const pdf = mul(INV_SQRT_2PI, exp(mul(-0.5, square(x))))
    return add(cdf, mul(x, pdf))
  },
  sampleAttrs: (draw) => (draw.bool() ? {} : { approximate: draw.pick(['none', 'tanh']) }),
  edges: [
    { note: "exact mode: gelu'(0) = Φ(0) = 0.5", args: [0], torch: [0.5] },
    { note: "tanh mode: gelu'(0) = 0.5 too; they differ away from 0 (gelu'(1) = 1.0833 exact vs 1.0830 tanh)", args: [1], attrs: { approximate: 'tanh' }, torch: [1.0829640838457826] },
  ],
  tex: '\\frac{d}{dx}\\,x\\Phi(x) = \\Phi(x) + x\\,\\varphi(x)',
})

const eluKernel = binaryKernel('elu', (x, alpha) => (x > 0 ? x : alpha * Math.expm1(x)))

/** x for x > 0, α(eˣ − 1) otherwise. At 0 the gradient is the negative side's, α, as PyTorch. */
export const elu = defineActivation({
  name: 'elu',
  attrs: { alpha: attr.number().default(1) },
  positional: ['alpha'],
  kernel: (x, { alpha }) => eluKernel(x, scalarLike(x, alpha), x.shape),
  // 1 above 0; α·eˣ = y + α below.
  d: (x, y, { alpha }) => where(gt(x, 0), 1, add(y, alpha)),
  sampleAttrs: (draw) => (draw.bool() ? {} : { alpha: draw.pick([0.5, 2]) }),
  avoid: [0],
  edges: [{ note: "elu'(0) = α, the negative side's, as PyTorch", args: [0], attrs: { alpha: 2 }, torch: [2] }],
  tex: '\\frac{d}{dx}\\,\\mathrm{elu}(x) = \\begin{cases} 1 & x > 0 \\\\ \\alpha e^{x} & x \\le 0 \\end{cases}',
})

const leakyKernel = binaryKernel('leakyRelu', (x, slope) => (x > 0 ? x : x * slope))

/** x for x > 0, negativeSlope·x otherwise; at 0 the gradient is negativeSlope, as PyTorch. */
export const leakyRelu = defineActivation({
  name: 'leakyRelu',
  attrs: { negativeSlope: attr.number().default(0.01) },
  positional: ['negativeSlope'],
  kernel: (x, { negativeSlope }) => leakyKernel(x, scalarLike(x, negativeSlope), x.shape),
  // s + (1 − s)·[x > 0]: the mask keeps x's dtype, where a where() of two numbers would not.
  d: (x, _y, { negativeSlope }) => add(mul(gt(x, 0), 1 - negativeSlope), negativeSlope),
  sampleAttrs: (draw) => (draw.bool() ? {} : { negativeSlope: draw.pick([0.2, -0.5]) }),
  avoid: [0],
  edges: [{ note: "leakyRelu'(0) = negativeSlope, the negative side's, as PyTorch", args: [0], torch: [0.01] }],
  tex: '\\frac{d}{dx}\\,\\mathrm{leakyRelu}(x) = \\begin{cases} 1 & x > 0 \\\\ s & x \\le 0 \\end{cases}',
})
