import { expect } from 'vitest'
import { Tensor, tensor, type Value } from '@ad/core'
import { grad } from '../grad.js'
import { fdJacobian, values } from './fd.js'

/** Test helpers for Hessians: the independent oracle (finite differences of the gradient) and checks. */

/** The Hessian of f at x as [n][n] rows: central differences of the forward gradient. */
export function fdHessian(f: (x: any) => Value, x: Tensor, h = 1e-5): number[][] {
  return fdJacobian((p) => grad(f)(p) as Value, x, h)
}

/** H as [n][n] rows, from a Hessian of any shape [...in, ...in]. */
export function rows(h: unknown): number[][] {
  const flat = values(h)
  const n = Math.round(Math.sqrt(flat.length))
  return Array.from({ length: n }, (_, i) => flat.slice(i * n, (i + 1) * n))
}

export function expectSymmetric(h: number[][], tol = 1e-10): void {
  for (let i = 0; i < h.length; i++) {
    for (let j = 0; j < i; j++) expect(Math.abs(h[i][j] - h[j][i])).toBeLessThanOrEqual(tol * (1 + Math.abs(h[i][j])))
  }
}

/** Expects |a - b| <= tol·(1 + |b|) entrywise. */
export function expectMatrixClose(a: number[][], b: number[][], tol: number): void {
  expect(a.length).toBe(b.length)
  let worst = 0
  for (let i = 0; i < a.length; i++) {
    expect(a[i].length).toBe(b[i].length)
    for (let j = 0; j < a[i].length; j++) worst = Math.max(worst, Math.abs(a[i][j] - b[i][j]) / (1 + Math.abs(b[i][j])))
  }
  expect(worst).toBeLessThanOrEqual(tol)
}

/** H v for H as rows. */
export function matVec(h: number[][], v: readonly number[]): number[] {
  return h.map((row) => row.reduce((acc, x, j) => acc + x * v[j], 0))
}

/** A deterministic vector in [-1, 1). */
export function wave(n: number, phase: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(1.7 * i + phase))
}

export const vec = (xs: number[], shape?: number[]): Tensor => tensor(Float64Array.from(xs), { shape: shape ?? [xs.length] })
