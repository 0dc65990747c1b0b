/**
 * Central finite differences, the independent oracle of the suite.
 *
 * We differentiate the scalar function g(t) = <u, f(x + t·v)> at t = 0 and compare with
 * <u, J v> from the engines: one scalar per check, whatever the shapes (JAX's `check_vjp`).
 *
 * Step. The central quotient D(h) = (g(h) − g(−h)) / 2h has two errors:
 *   truncation  h²/6 · |g'''|     (smaller steps are better)
 *   rounding    ε · |g| / h       (each g(±h) carries roundings of its own size)
 * They balance at h ≈ ε^(1/3) times the scale over which f varies, an error of order
 * ε^(2/3) ≈ 4e-11. That scale is the input's own: a step of 6e-6 is nothing for |x| = 1000
 * and everything for |x| = 1e-6, so, as `gradcheck` and `check_grads` size their eps to the
 * dtype, we size it to each point: the direction is v_i = r_i·max(1, |x_i|) with r_i uniform
 * in [−1, 1], and t steps by h = 2^-17 ≈ ε^(1/3). Each element moves by at most
 * h·max(1, |x_i|); the domain margins (kinks to avoid, ties to keep apart, `sample.ts`) are
 * measured against that.
 *
 * Some functions vary on a scale finer than |x|: batchNorm of a channel whose values are all
 * equal varies on the scale √eps ≈ 3e-3, where the plain quotient's truncation reaches 1e-6.
 * So we also take D(h/2) and extrapolate (Richardson): (4·D(h/2) − D(h)) / 3 cancels the h²
 * term, leaving h⁴/480·|g⁽⁵⁾| (1e-11 there), for four evaluations instead of two.
 *
 * Tolerance. The rounding error is known from the computed values themselves (`noise`
 * below). The comparison (`checks.ts`) accepts any disagreement under it, so a derivative that
 * is tiny next to the function (x·y at x, y ≈ 1e-30, where x + hv is all step) is judged by
 * what finite differences can resolve, not by a relative error they cannot reach.
 */

export const EPS64 = 2 ** -52
export const EPS32 = 2 ** -23

/**
 * The step along t: ε^(1/3) ≈ 6.1e-6 rounded to the nearest power of two (2^-17 ≈ 7.6e-6),
 * so that h·v and (h/2)·v are exact (see `exactStep`).
 */
export const FD_STEP = 2 ** Math.round(Math.log2(Math.cbrt(EPS64)))

/** Scale of the step at one input value: relative for large values, absolute near 0. */
export function stepScale(x: number): number {
  return Math.max(1, Math.abs(x))
}

/** The farthest an input of magnitude up to `bound` moves during finite differences. */
export function maxDisplacement(bound: number): number {
  return FD_STEP * stepScale(bound)
}

/**
 * Puts x and the step h·v on one grid so that x ± h·v and x ± (h/2)·v are all exact doubles:
 * the points of the central differences are exactly symmetric about x. Otherwise each rounds
 * by ε|x|, and where the output depends on a difference of inputs (mseLoss at x ≈ y) that
 * ε|x| is a large part of the step's effect. The grid is 2^-51 times the magnitude
 * |x| + |h v|: x moves by at most 4ε|x| and v by a relative 1e-10, both harmless, and every
 * multiple of half the grid up to that magnitude is a double.
 */
export function exactStep(x: number, v: number, h = FD_STEP): [number, number] {
  const size = Math.abs(x) + Math.abs(h * v)
  if (size === 0) return [x, v]
  const q = Math.max(2 ** (Math.ceil(Math.log2(size)) - 51), 2 * Number.MIN_VALUE)
  return [Math.round(x / q) * q, (Math.round((h * v) / q) * q) / h]
}

/** One evaluation of t ↦ <u, f(x + t v)>: the inner product and Σ|u_i f_i|, its rounding scale. */
export interface Probe {
  value: number
  magnitude: number
}

/**
 * κ, the roundings each g(t) carries, in units of ε·Σ|u_i f_i|: the kernel's own error
 * (½ ulp for elementwise kernels, about √n ulps for a sum of n terms) and the inner product
 * with u (another √n). With n ≤ 256 elements per tensor, √n ≤ 16; κ = 32 covers both.
 */
export const ROUNDING_ULPS = 32

export interface Difference {
  /** The extrapolated central quotient, an estimate of g'(0). */
  estimate: number
  /**
   * A bound on its rounding error. D(h) carries κε(M₊ + M₋)/2h, D(h/2) twice that per unit
   * of magnitude; (4·D(h/2) − D(h))/3 adds them with weights 4/3 and 1/3.
   */
  noise: number
}

export function centralDifference(g: (t: number) => Probe, h = FD_STEP): Difference {
  const quotient = (step: number) => {
    const plus = g(step)
    const minus = g(-step)
    return {
      value: (plus.value - minus.value) / (2 * step),
      noise: (ROUNDING_ULPS * EPS64 * (plus.magnitude + minus.magnitude)) / (2 * step),
    }
  }
  const full = quotient(h)
  const half = quotient(h / 2)
  return {
    estimate: (4 * half.value - full.value) / 3,
    noise: (4 * half.noise + full.noise) / 3,
  }
}

/** Central differences of a vector-valued g, elementwise: an estimate and a rounding bound per element. */
export interface Differences {
  estimate: Float64Array
  noise: Float64Array
}

/**
 * `centralDifference` for each element of a vector-valued g (a column of a Jacobian), with
 * the rounding of the dtype g computes in (`eps`: EPS64 or EPS32). The same extrapolation
 * and the same rounding bound, element by element: κε(|g₊| + |g₋|)/2h per quotient.
 */
export function centralDifferences(g: (t: number) => Float64Array, h: number, eps = EPS64): Differences {
  const quotient = (step: number) => {
    const plus = g(step)
    const minus = g(-step)
    return {
      value: plus.map((p, i) => (p - minus[i]) / (2 * step)),
      noise: plus.map((p, i) => (ROUNDING_ULPS * eps * (Math.abs(p) + Math.abs(minus[i]))) / (2 * step)),
    }
  }
  const full = quotient(h)
  const half = quotient(h / 2)
  return {
    estimate: half.value.map((v, i) => (4 * v - full.value[i]) / 3),
    noise: half.noise.map((v, i) => (4 * v + full.noise[i]) / 3),
  }
}
