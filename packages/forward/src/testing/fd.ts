import { Tensor, tensor, type Value } from '@ad/core'

/** Test helpers: an independent oracle (central finite differences) and plain-array views. */

export const H = 1e-6

/** f'(x) by central differences, f: number → number. */
export function fd(f: (x: number) => number, x: number, h = H): number {
  return (f(x + h) - f(x - h)) / (2 * h)
}

export function values(v: unknown): number[] {
  if (typeof v === 'number') return [v]
  if (v instanceof Tensor) return Array.from(v.contiguousData())
  throw new Error(`not a plain value: ${String(v)}`)
}

/**
 * The Jacobian of f at x by central differences, flattened to [outSize, inSize] rows:
 * f takes a plain tensor and returns a plain tensor or number.
 */
export function fdJacobian(f: (x: Tensor) => Value, x: Tensor, h = H): number[][] {
  const base = x.contiguousData()
  const cols: number[][] = []
  for (let i = 0; i < base.length; i++) {
    const plus = Float64Array.from(base)
    const minus = Float64Array.from(base)
    plus[i] += h
    minus[i] -= h
    const fp = values(f(tensor(plus, { shape: [...x.shape] })))
    const fm = values(f(tensor(minus, { shape: [...x.shape] })))
    cols.push(fp.map((p, o) => (p - fm[o]) / (2 * h)))
  }
  const outSize = cols.length ? cols[0].length : 0
  return Array.from({ length: outSize }, (_, o) => cols.map((c) => c[o]))
}

export function expectClose(actual: readonly number[], expected: readonly number[], tol = 1e-6): void {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} vs ${expected.length}`)
  for (let i = 0; i < actual.length; i++) {
    const err = Math.abs(actual[i] - expected[i])
    if (!(err <= tol * (1 + Math.abs(expected[i])))) {
      throw new Error(`element ${i}: ${actual[i]} vs ${expected[i]} (error ${err}, tolerance ${tol})`)
    }
  }
}
