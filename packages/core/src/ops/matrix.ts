import { real, values, type ArgSample, type Draw } from '../domain.js'
import { allocate, type DType } from '../dtype.js'
import { fmtShape, shapeMismatch, singularMatrix } from '../errors.js'
import { broadcastStrides } from '../kernels/elementwise.js'
import { choleskyFactor } from '../kernels/cholesky.js'
import { luDet, luFactor, luLogAbsDet, luSolve, type LU } from '../kernels/lu.js'
import { defineOp, shapeOf, type MaybeZero } from '../op.js'
import { broadcastShapes, sizeOf, type Shape } from '../shape.js'
import { Tensor } from '../tensor.js'
import type { Value } from '../dispatch.js'
import { add, mul, neg, sub } from './arithmetic.js'
import { reshape, sum, sumTo } from './base.js'
import { matmul, transpose } from './linalg.js'
import { dtypeOfValue } from './util.js'

// Functions of square matrices, on the last two dims with any leading batch dims, as
// torch.linalg: det, logdet, inv, solve, cholesky, and the cofactor matrix det's gradient
// is. Kernels: LU with partial pivoting (kernels/lu.ts) and Cholesky (kernels/cholesky.ts),
// in double whatever the dtype. Every rule is written with these ops, matmul and transpose,
// so each differentiates again.

/** The batch dims and the size n of a batch of square matrices [..., n, n], checked. */
function square(op: string, s: Shape): [batch: number[], n: number] {
  const n = s[s.length - 1]
  if (s.length < 2 || s[s.length - 2] !== n) {
    throw shapeMismatch(`${op}: expects square matrices in the last two dims [..., n, n], got shape ${fmtShape(s)}.`)
  }
  return [s.slice(0, -2), n]
}

/** Aᵀ over the last two dims. */
const mT = (a: Value): Value => transpose(a, { dim0: -2, dim1: -1 })

/** A batch value [...batch] as [...batch, 1, 1], to scale the matrices of a batch. */
const perMatrix = (v: Value): Value => reshape(v, { shape: [...shapeOf(v), 1, 1] })

/** tr(A⁻¹·dA) per matrix, as Σ (A⁻ᵀ ⊙ dA) over the last two dims. */
const traceOfProduct = (invT: Value, t: Value): Value => sum(mul(invT, t), { dims: [-2, -1] })

/** The solve of A·X = B for one matrix, throwing SINGULAR_MATRIX at a zero pivot. */
function factorOrThrow(op: string, data: ArrayLike<number>, offset: number, n: number, work: LU, batch: number): LU {
  const f = luFactor(data as Float64Array, offset, n, work)
  if (f.singular) {
    throw singularMatrix(`${op}: matrix ${batch} of the batch is singular (a pivot of its LU factorization is exactly zero); it has no inverse.`)
  }
  return f
}

const newLU = (n: number): LU => ({ n, lu: new Float64Array(n * n), perm: new Int32Array(n), sign: 1, singular: false })

/** The identity [n, n] in float64, the right-hand side inv solves for. */
function identity(n: number): Float64Array {
  const e = new Float64Array(n * n)
  for (let i = 0; i < n; i++) e[i * n + i] = 1
  return e
}

/**
 * Well-conditioned matrices for the property suite: off-diagonal values in [−1, 1] and a
 * diagonal in [2.2, 3.5], so each row's diagonal beats the sum of the others (n ≤ 3):
 * invertible, det > 0, and positive-definite when symmetric.
 */
function drawMatrices(draw: Draw, symmetric = false): ArgSample {
  const n = draw.int(1, 3)
  const batch = Array.from({ length: draw.int(0, 2) }, () => draw.int(1, 2))
  return { shape: [...batch, n, n], values: values(-1, 1), diagonal: values(2.2, 3.5), symmetric }
}

/** Determinants: [..., n, n] → [...]. */
export const det = defineOp({
  name: 'det',
  arity: 1,
  shape: ([s]) => square('det', s)[0],
  primal: ([a], _attrs, outShape) => {
    const [, n] = square('det', a.shape)
    const data = a.contiguousData()
    const out = allocate(a.dtype, sizeOf(outShape))
    const work = newLU(n)
    for (let m = 0; m < out.length; m++) out[m] = luDet(luFactor(data, m * n * n, n, work))
    return Tensor.fromArray(out, outShape)
  },
  jvp: ({ args: [a] }, [t]): MaybeZero => (t === null ? null : sum(mul(cofactor(a), t), { dims: [-2, -1] })),
  vjp: ({ args: [a] }, g): MaybeZero[] => [mul(cofactor(a), perMatrix(g))],
  domain: (draw) => ({ args: [drawMatrices(draw)], attrs: {} }),
  edges: [
    {
      note: 'the gradient is the cofactor matrix (the adjugate transposed), also at a singular matrix (PyTorch 1.13 returns 0 there; this is the derivative)',
      args: [[[1, 2], [2, 4]]],
      torch: [[[4, -2], [-2, 1]]],
    },
  ],
  tex: '\\frac{\\partial \\det A}{\\partial A} = \\operatorname{adj}(A)^\\top',
})

/**
 * The cofactor matrix C (C_ij = (−1)^(i+j) times the minor without row i and column j), the
 * adjugate transposed: det's gradient. det(A)·A⁻ᵀ when A is invertible; from the minors
 * themselves (each by LU) when it is not, so it stays exact at singular matrices.
 */
export const cofactor = defineOp({
  name: 'cofactor',
  arity: 1,
  shape: ([s]) => {
    square('cofactor', s)
    return s
  },
  primal: ([a], _attrs, outShape) => {
    const [, n] = square('cofactor', a.shape)
    const data = a.contiguousData()
    const out = allocate(a.dtype, a.size)
    const matrices = a.size / (n * n)
    const work = newLU(n)
    const inv = new Float64Array(n * n)
    const y = new Float64Array(n * n)
    const eye = identity(n)
    for (let m = 0; m < matrices; m++) {
      const base = m * n * n
      const f = luFactor(data, base, n, work)
      if (!f.singular) {
        const d = luDet(f)
        luSolve(f, eye, 0, n, inv, 0, y)
        for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[base + i * n + j] = d * inv[j * n + i]
      } else {
        cofactorsFromMinors(data, base, n, out)
      }
    }
    return Tensor.fromArray(out, outShape)
  },
  // With C = det(A)·A⁻ᵀ: dC = C·tr(A⁻¹dA) − A⁻ᵀ·dAᵀ·C (needs A invertible).
  jvp: ({ args: [a], out }, [t]): MaybeZero => {
    if (t === null) return null
    const invT = mT(inv(a))
    return sub(mul(out, perMatrix(traceOfProduct(invT, t))), matmul(matmul(invT, mT(t)), out))
  },
  vjp: ({ args: [a], out }, g): MaybeZero[] => {
    const invT = mT(inv(a))
    return [sub(mul(invT, perMatrix(sum(mul(g, out), { dims: [-2, -1] }))), matmul(matmul(out, mT(g)), invT))]
  },
  domain: (draw) => ({ args: [drawMatrices(draw)], attrs: {} }),
  edges: [{ note: "det's gradient; its own derivative uses A⁻¹, so second derivatives of det need an invertible matrix" }],
  tex: 'dC = C\\,\\operatorname{tr}(A^{-1} dA) - A^{-\\top} dA^\\top C',
})

/** C_ij = (−1)^(i+j)·det(minor_ij), each minor factored on its own: for singular matrices only. */
function cofactorsFromMinors(data: ArrayLike<number>, base: number, n: number, out: { [i: number]: number }): void {
  if (n === 1) {
    out[base] = 1
    return
  }
  const minor = new Float64Array((n - 1) * (n - 1))
  const work = newLU(n - 1)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let k = 0
      for (let r = 0; r < n; r++) {
        if (r === i) continue
        for (let c = 0; c < n; c++) if (c !== j) minor[k++] = data[base + r * n + c]
      }
      out[base + i * n + j] = ((i + j) % 2 === 0 ? 1 : -1) * luDet(luFactor(minor, 0, n - 1, work))
    }
  }
}

/** log det A: NaN for a negative determinant, −inf for a zero one (as torch.logdet). */
export const logdet = defineOp({
  name: 'logdet',
  arity: 1,
  shape: ([s]) => square('logdet', s)[0],
  primal: ([a], _attrs, outShape) => {
    const [, n] = square('logdet', a.shape)
    const data = a.contiguousData()
    const out = allocate(a.dtype, sizeOf(outShape))
    const work = newLU(n)
    for (let m = 0; m < out.length; m++) {
      const [sign, logAbs] = luLogAbsDet(luFactor(data, m * n * n, n, work))
      out[m] = sign < 0 ? NaN : logAbs
    }
    return Tensor.fromArray(out, outShape)
  },
  jvp: ({ args: [a] }, [t]): MaybeZero => (t === null ? null : traceOfProduct(mT(inv(a)), t)),
  vjp: ({ args: [a] }, g): MaybeZero[] => [mul(mT(inv(a)), perMatrix(g))],
  domain: (draw) => ({ args: [drawMatrices(draw)], attrs: {} }),
  edges: [{ note: 'NaN for a negative determinant and −inf for a zero one, as torch.logdet; the gradient A⁻ᵀ needs an invertible matrix (SINGULAR_MATRIX otherwise)' }],
  tex: '\\frac{\\partial \\log\\det A}{\\partial A} = A^{-\\top}',
})

/** Inverses: [..., n, n] → [..., n, n]; SINGULAR_MATRIX at an exactly zero pivot. */
export const inv = defineOp({
  name: 'inv',
  arity: 1,
  shape: ([s]) => {
    square('inv', s)
    return s
  },
  primal: ([a], _attrs, outShape) => {
    const [, n] = square('inv', a.shape)
    const data = a.contiguousData()
    const out = allocate(a.dtype, a.size)
    const work = newLU(n)
    const y = new Float64Array(n * n)
    const eye = identity(n)
    for (let m = 0; m < a.size / (n * n); m++) luSolve(factorOrThrow('inv', data, m * n * n, n, work, m), eye, 0, n, out, m * n * n, y)
    return Tensor.fromArray(out, outShape)
  },
  jvp: ({ out }, [t]): MaybeZero => (t === null ? null : neg(matmul(matmul(out, t), out))),
  vjp: ({ out }, g): MaybeZero[] => {
    const yT = mT(out)
    return [neg(matmul(matmul(yT, g), yT))]
  },
  domain: (draw) => ({ args: [drawMatrices(draw)], attrs: {} }),
  edges: [{ note: 'a matrix with an exactly zero pivot (singular) is SINGULAR_MATRIX, not a matrix of inf' }],
  tex: 'd(A^{-1}) = -A^{-1}\\,dA\\,A^{-1}',
})

/** The shapes of solve: A [...a, n, n], B [...b, n, k] → X [...broadcast(a, b), n, k]. */
function solveShape([as, bs]: readonly Shape[]): number[] {
  const [batchA, n] = square('solve', as)
  if (bs.length < 2 || bs[bs.length - 2] !== n) {
    throw shapeMismatch(`solve: A ${fmtShape(as)} needs B of shape [..., ${n}, k], got ${fmtShape(bs)}.`)
  }
  return [...broadcastShapes('solve', batchA, bs.slice(0, -2)), n, bs[bs.length - 1]]
}

/** `t` seen with its batch dims broadcast to `batch` (a view), then packed. */
function packedBatch(t: Tensor, batch: readonly number[]): ArrayLike<number> {
  const shape = [...batch, ...t.shape.slice(-2)]
  return new Tensor(t.storage, shape, broadcastStrides(t, shape), t.offset).contiguousData()
}

/** X with A·X = B, batched (batch dims broadcast); SINGULAR_MATRIX at an exactly zero pivot. */
export const solve = defineOp({
  name: 'solve',
  arity: 2,
  shape: (shapes) => solveShape(shapes),
  primal: ([a, b], _attrs, outShape) => {
    const n = outShape[outShape.length - 2]
    const k = outShape[outShape.length - 1]
    const batch = outShape.slice(0, -2)
    const as = packedBatch(a, batch)
    const bs = packedBatch(b, batch)
    const out = allocate(a.dtype, sizeOf(outShape))
    const work = newLU(n)
    const y = new Float64Array(n * k)
    for (let m = 0; m < sizeOf(batch); m++) {
      luSolve(factorOrThrow('solve', as, m * n * n, n, work, m), bs as Float64Array, m * n * k, k, out, m * n * k, y)
    }
    return Tensor.fromArray(out, outShape)
  },
  // dX = A⁻¹(dB − dA·X); the cotangent of B is A⁻ᵀ·G, that of A −(A⁻ᵀ·G)·Xᵀ.
  jvp: ({ args: [a], out }, [ta, tb]): MaybeZero => {
    if (ta === null && tb === null) return null
    const rhs = ta === null ? tb! : tb === null ? neg(matmul(ta, out)) : sub(tb, matmul(ta, out))
    return solve(a, rhs)
  },
  vjp: ({ args: [a, b], out }, g, needs): MaybeZero[] => {
    const gb = solve(mT(a), g)
    return [needs[0] ? sumTo(neg(matmul(gb, mT(out))), shapeOf(a)) : null, needs[1] ? sumTo(gb, shapeOf(b)) : null]
  },
  domain: (draw) => {
    const a = drawMatrices(draw)
    const n = a.shape[a.shape.length - 1]
    const batch = draw.bool() ? a.shape.slice(0, -2) : []
    return { args: [a, { shape: [...batch, n, draw.int(1, 3)], values: real }], attrs: {} }
  },
  edges: [{ note: 'batch dims of A and B broadcast (their cotangents are summed back); a singular A is SINGULAR_MATRIX' }],
  tex: 'dX = A^{-1}(dB - dA\\,X)',
})

/** Φ(X): the lower triangle of X with its diagonal halved, as a mask product (so it differentiates again). */
function phi(x: Value, n: number, dtype: DType): Value {
  const mask = allocate(dtype, n * n)
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) mask[i * n + j] = 1
    mask[i * n + i] = 0.5
  }
  return mul(x, Tensor.fromArray(mask, [n, n]))
}

/** (X + Xᵀ)/2 over the last two dims. */
const sym = (x: Value): Value => mul(add(x, mT(x)), 0.5)

/**
 * The lower Cholesky factor L (A = L·Lᵀ) of symmetric positive-definite matrices, reading
 * only the lower triangle of A; SINGULAR_MATRIX when A is not positive-definite. Its
 * gradient is the symmetric one PyTorch returns: with Φ the lower triangle with the diagonal
 * halved, dL = L·Φ(L⁻¹·sym(dA)·L⁻ᵀ), and the cotangent of A is sym(L⁻ᵀ·Φ(Lᵀ·G)·L⁻¹)
 * (Murray 2016). Both treat a perturbation of A as symmetric, so the two agree.
 */
export const cholesky = defineOp({
  name: 'cholesky',
  arity: 1,
  shape: ([s]) => {
    square('cholesky', s)
    return s
  },
  primal: ([a], _attrs, outShape) => {
    const [, n] = square('cholesky', a.shape)
    const data = a.contiguousData()
    const out = allocate(a.dtype, a.size)
    const l = new Float64Array(n * n)
    for (let m = 0; m < a.size / (n * n); m++) {
      if (!choleskyFactor(data, m * n * n, n, out, m * n * n, l)) {
        throw singularMatrix(`cholesky: matrix ${m} of the batch is not positive-definite (a pivot of its factorization is not > 0).`)
      }
    }
    return Tensor.fromArray(out, outShape)
  },
  jvp: ({ out }, [t]): MaybeZero => {
    if (t === null) return null
    const n = shapeOf(out)[shapeOf(out).length - 1]
    const lInv = inv(out)
    return matmul(out, phi(matmul(matmul(lInv, sym(t)), mT(lInv)), n, dtypeOfValue(out)))
  },
  vjp: ({ out }, g): MaybeZero[] => {
    const n = shapeOf(out)[shapeOf(out).length - 1]
    const lInv = inv(out)
    return [sym(matmul(matmul(mT(lInv), phi(matmul(mT(out), g), n, dtypeOfValue(out))), lInv))]
  },
  domain: (draw) => ({ args: [drawMatrices(draw, true)], attrs: {} }),
  edges: [{ note: 'reads the lower triangle only; the gradient is the symmetric one PyTorch returns (a perturbation of A counts as symmetric)' }],
  tex: 'dL = L\\,\\Phi\\big(L^{-1}\\,\\tfrac{1}{2}(dA + dA^\\top)\\,L^{-\\top}\\big),\\ \\Phi = \\text{lower triangle, diagonal halved}',
})
