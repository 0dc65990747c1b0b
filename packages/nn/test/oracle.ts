import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { expect } from 'vitest'
import { tensor, type Tensor } from '@ad/reverse'
import { mulberry32 } from '@ad/reverse'

// Reading `conformance/nn/public-nn.json` (format ad-nn-oracle/1): its generators, its
// by-name fill of state dicts, and its comparison rule, as its `specs`, `fill_rule` and
// `note` fields describe them.

export const oraclePath = fileURLToPath(new URL('../../../conformance/nn/public-nn.json', import.meta.url))
export const oracle = JSON.parse(readFileSync(oraclePath, 'utf8'))

export interface Spec {
  shape: number[]
  gen?: [string, ...number[]]
  data?: number[]
  index?: boolean
}

/** The values of a tensor spec, row-major (U, U01, L generators or explicit data). */
export function specValues(spec: Spec): ArrayLike<number> {
  if (spec.data !== undefined) return spec.data
  const n = spec.shape.reduce((p, d) => p * d, 1)
  const [kind, seed, a, b] = spec.gen as [string, number, number, number | undefined]
  return generate(kind, n, seed, a, b)
}

export function generate(kind: string, n: number, seed: number, a?: number, shift = 0): Float64Array {
  const next = mulberry32(seed)
  const out = new Float64Array(n)
  for (let k = 0; k < n; k++) {
    const u = next()
    if (kind === 'U') out[k] = (-1 + 2 * u) * (a as number) + shift
    else if (kind === 'U01') out[k] = u
    else if (kind === 'L') out[k] = Math.floor(10 * u) % (a as number)
    else throw new Error(`unknown generator ${kind}`)
  }
  return out
}

/** A float64 tensor of the spec (requiring grad unless it holds indices or `grad` is false). */
export function specTensor(spec: Spec, grad = !spec.index): Tensor {
  return tensor(Float64Array.from(specValues(spec)), { shape: spec.shape, requiresGrad: grad })
}

/** FNV-1a 32-bit of the UTF-8 bytes of `text`. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0
  return h
}

/** The by-name fill of one state-dict key (the file's `fill_rule`). */
export function fillValues(key: string, shape: readonly number[]): ArrayLike<number> {
  const n = shape.reduce((p, d) => p * d, 1)
  const h = fnv1a(`${oracle.fill_key_prefix}${key}`)
  const leaf = key.slice(key.lastIndexOf('.') + 1)
  if (leaf === 'num_batches_tracked') return Float64Array.of(0)
  if (leaf === 'running_mean') return generate('U', n, h, 0.1)
  if (leaf === 'running_var') return generate('U', n, h, 0.1, 1)
  if (shape.length >= 2) return generate('U', n, h, 1 / Math.sqrt(n / shape[0]))
  if (leaf.endsWith('bias')) return generate('U', n, h, 0.1)
  return generate('U', n, h, 0.1, 1)
}

/** The fill of every key of a state dict, as loadStateDict takes it. */
export function filledStateDict(sd: Record<string, Tensor>): Record<string, { shape: readonly number[]; data: ArrayLike<number> }> {
  const out: Record<string, { shape: readonly number[]; data: ArrayLike<number> }> = {}
  for (const [key, t] of Object.entries(sd)) out[key] = { shape: t.shape, data: fillValues(key, t.shape) }
  return out
}

/** The file's rule: |a − e| ≤ rtol·|e| + atol·max|e|, rtol 1e-7, atol 1e-9 (or an absolute atol). */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string, { rtol = 1e-7, atol = 1e-9, absolute = false } = {}): void {
  expect(actual.length, `${what}: length`).toBe(expected.length)
  let scale = 0
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]))
  const tol = absolute ? atol : atol * scale
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i])
    if (!(err <= rtol * Math.abs(expected[i]) + tol)) {
      expect.fail(`${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (error ${err})`)
    }
  }
}

export const values = (t: Tensor): number[] => Array.from(t.contiguousData())
