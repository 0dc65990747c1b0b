// erf and erfc as the kernels use them (GELU runs one per activation, forward and backward):
// a table over [0, 6) with step 1/256, and a Taylor expansion about the nearest grid point x0
// (|h| ≤ 1/512). erf's derivatives are Hermite polynomials:
//   erf⁽ⁿ⁾(x0) = (−1)ⁿ⁻¹ Hₙ₋₁(x0) · erf'(x0),  erf'(x0) = (2/√π) e^(−x0²),
// so erf(x0 + h) = erf(x0) + Σₙ₌₁ cₙ hⁿ with cₙ = erf'(x0) (−1)ⁿ⁻¹ Hₙ₋₁(x0)/n!, and erfc the
// same with the sum subtracted. A term is about (2·x0·h)ⁿ⁻¹/n! of the first, at worst
// (12/512)ⁿ⁻¹/n!: eight terms leave 3e-19. The sum is relative to erf'(x0), the scale of erfc
// near x0, so erfc keeps its relative accuracy in the tail. The table (erf, erfc and the
// eight cₙ per point, 120 KB) is built on first use, each value where its method is
// accurate: below 1 the Taylor series of erf about 0 (erfc = 1 − erf ≥ 0.157 there, so no
// digits are lost), from 1 on Laplace's continued fraction for erfc, 200 levels deep
// (converged to 1e-16 from 1 on). A value then costs a Horner step of 8 terms instead of up
// to 200 series terms with divisions.

const GRID = 256
const LIMIT = 6
const TERMS = 8
const POINTS = LIMIT * GRID + 1
let ERF: Float64Array | null = null
let ERFC = new Float64Array(0)
/** cₙ of point i at COEF[i·TERMS + n − 1]. */
let COEF = new Float64Array(0)

function buildTable(): Float64Array {
  const erfAt = new Float64Array(POINTS)
  ERFC = new Float64Array(POINTS)
  COEF = new Float64Array(POINTS * TERMS)
  for (let i = 0; i < POINTS; i++) {
    const x0 = i / GRID
    const tail = x0 >= 1
    erfAt[i] = tail ? 1 - continuedErfc(x0, 200) : seriesErf(x0)
    ERFC[i] = tail ? continuedErfc(x0, 200) : 1 - seriesErf(x0)
    let scale = (2 / Math.sqrt(Math.PI)) * Math.exp(-x0 * x0) // erf'(x0)·(−1)ⁿ⁻¹/n!, from n = 1
    let hPrev = 0 // Hₙ₋₂, starting from H₋₁ = 0 so that the recurrence gives H₁ = 2x0
    let hCur = 1 // Hₙ₋₁
    for (let n = 1; n <= TERMS; n++) {
      COEF[i * TERMS + n - 1] = scale * hCur
      const hNext = 2 * x0 * hCur - 2 * (n - 1) * hPrev // Hₙ = 2x0·Hₙ₋₁ − 2(n−1)·Hₙ₋₂
      hPrev = hCur
      hCur = hNext
      scale /= -(n + 1)
    }
  }
  return erfAt
}

/** Σₙ cₙ hⁿ for point i, by Horner's rule. */
function taylorStep(i: number, h: number): number {
  const c = COEF
  const o = i * TERMS
  return h * (c[o] + h * (c[o + 1] + h * (c[o + 2] + h * (c[o + 3] + h * (c[o + 4] + h * (c[o + 5] + h * (c[o + 6] + h * c[o + 7])))))))
}

/** The error function (to about 1e-15 relative). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN
  const a = Math.abs(x)
  if (a >= LIMIT) return Math.sign(x) * (1 - continuedErfc(a))
  const table = ERF ?? (ERF = buildTable())
  const i = Math.round(a * GRID)
  const v = table[i] + taylorStep(i, a - i / GRID)
  return x < 0 ? -v : v
}

/** 1 − erf(x), relative accuracy kept for large x (where 1 − erf(x) would cancel to 0). */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN
  const a = Math.abs(x)
  if (a >= LIMIT) return x > 0 ? continuedErfc(a) : 2 - continuedErfc(a)
  if (ERF === null) ERF = buildTable()
  const i = Math.round(a * GRID)
  const v = ERFC[i] - taylorStep(i, a - i / GRID)
  return x < 0 ? 2 - v : v
}

/** erf by its Taylor series about 0 (exported for the tests): accurate for |x| < 2. */
export function seriesErf(x: number): number {
  const x2 = x * x
  let term = x // (-1)^n x^(2n+1) / n!
  let sum = x
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n
    const add = term / (2 * n + 1)
    sum += add
    if (Math.abs(add) < 1e-17 * Math.abs(sum)) break
  }
  return (2 / Math.sqrt(Math.PI)) * sum
}

/**
 * erfc(x) = exp(-x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), evaluated bottom-up
 * `depth` levels deep: 60 reach double precision from x = 2 on, 200 from x = 1 on
 * (exported for the tests).
 */
export function continuedErfc(x: number, depth = 60): number {
  if (x > 27) return 0
  let f = x
  for (let k = depth; k >= 1; k--) f = x + k / 2 / f
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f
}
