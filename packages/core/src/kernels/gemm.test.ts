import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { assemble, modules, outputPath } from '../../scripts/build-wasm.mjs'
import type { FloatArray } from '../dtype.js'
import { matmul } from '../ops/linalg.js'
import { tensor } from '../create.js'
import { gemm, gemmBackend, gemmTypeScript, setGemmBackend, type MatrixView } from './gemm.js'
import { simdAvailable, simdGemm } from './wasm/simd-gemm.js'

// The WebAssembly SIMD kernels against the TypeScript one, on shapes that exercise every
// edge: rows and columns that do not fill a panel, k across several passes (KC = 256), row
// blocks (256 rows in float32, 128 in float64), transposed and offset operands, accumulate.

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32 - 0.5
  }
}

interface Case {
  m: number
  n: number
  k: number
  /** Operands stored transposed (read through strides) and at an offset. */
  aT: boolean
  bT: boolean
  accumulate: boolean
}

const shapes: [number, number, number][] = [
  [4, 4, 1], [4, 8, 1], [5, 9, 3], [7, 13, 11], [13, 7, 17], [16, 27, 33], [33, 65, 257],
  [67, 130, 300], [130, 37, 513], [300, 11, 29], [257, 260, 5], [9, 1031, 6],
]

function cases(): Case[] {
  const out: Case[] = []
  shapes.forEach(([m, n, k], i) => out.push({ m, n, k, aT: i % 2 === 1, bT: i % 3 === 1, accumulate: i % 4 === 2 }))
  return out
}

function operand(Array: typeof Float32Array | typeof Float64Array, rows: number, cols: number, t: boolean, rnd: () => number) {
  const offset = 3
  const data = new Array(offset + rows * cols)
  for (let i = 0; i < data.length; i++) data[i] = rnd()
  const view: MatrixView = t
    ? { data, offset, rowStride: 1, colStride: rows } // stored as [cols, rows]
    : { data, offset, rowStride: cols, colStride: 1 }
  return view
}

function at(v: MatrixView, i: number, j: number): number {
  return v.data[v.offset + i * v.rowStride + j * v.colStride]
}

describe('gemm: WebAssembly SIMD against TypeScript', () => {
  afterEach(() => setGemmBackend('auto'))

  it('is available in Node 20 and chosen by default', () => {
    expect(simdAvailable()).toBe(true)
    expect(gemmBackend()).toBe('wasm')
    setGemmBackend('typescript')
    expect(gemmBackend()).toBe('typescript')
  })

  it('float64: bit for bit the same (both sum along k in order, no fused multiply-add)', () => {
    for (const c of cases()) {
      const rnd = lcg(c.m * 1000 + c.n * 10 + c.k)
      const A = operand(Float64Array, c.m, c.k, c.aT, rnd)
      const B = operand(Float64Array, c.k, c.n, c.bT, rnd)
      const C0 = Float64Array.from({ length: 2 + c.m * c.n }, rnd)
      const ts = C0.slice()
      const simd = C0.slice()
      gemmTypeScript(c.m, c.n, c.k, A, B, ts, 2, c.accumulate)
      simdGemm(c.m, c.n, c.k, A, B, simd, 2, c.accumulate)
      expect(Array.from(simd), JSON.stringify(c)).toEqual(Array.from(ts))
    }
  })

  // float32: the TypeScript kernel accumulates in double and rounds once, so it is within
  // u·|AB| of the exact product (u = 2^-24). The SIMD kernel accumulates in float32 along k,
  // a recursive dot product, which is within γ_k·(|A|·|B|) of it, γ_k = k·u/(1 − k·u)
  // (Higham, Accuracy and Stability of Numerical Algorithms, §3.1). With accumulate, each
  // adds C in one more rounding. So, element by element:
  //   |simd − ts| ≤ (k + 3)·u·((|A|·|B|)_ij + |C_ij|)     (k·u ≪ 1 here, so γ_k < (k + 1)·u)
  it('float32: within the dot-product error bound of each other', () => {
    const u = 2 ** -24
    let worst = 0
    for (const c of cases()) {
      const rnd = lcg(c.m * 7 + c.n * 3 + c.k)
      const A = operand(Float32Array, c.m, c.k, c.aT, rnd)
      const B = operand(Float32Array, c.k, c.n, c.bT, rnd)
      const C0 = Float32Array.from({ length: c.m * c.n }, rnd)
      const ts = C0.slice()
      const simd = C0.slice()
      gemmTypeScript(c.m, c.n, c.k, A, B, ts, 0, c.accumulate)
      simdGemm(c.m, c.n, c.k, A, B, simd, 0, c.accumulate)
      for (let i = 0; i < c.m; i++) {
        for (let j = 0; j < c.n; j++) {
          let abs = 0
          for (let p = 0; p < c.k; p++) abs += Math.abs(at(A, i, p) * at(B, p, j))
          const o = i * c.n + j
          const bound = (c.k + 3) * u * (abs + (c.accumulate ? Math.abs(C0[o]) : 0))
          const err = Math.abs(simd[o] - ts[o])
          worst = Math.max(worst, err / bound)
          if (!(err <= bound)) expect.fail(`${JSON.stringify(c)} at (${i}, ${j}): ${simd[o]} vs ${ts[o]}, bound ${bound}`)
        }
      }
    }
    // The bound is a worst case; typical errors are far below it (random signs: about √k·u).
    expect(worst).toBeLessThan(1)
  })

  it('reads sparse views (every third row, broadcast columns) like the TypeScript kernel', () => {
    for (const single of [false, true]) {
      const make = (values: number[]): FloatArray => (single ? Float32Array.from(values) : Float64Array.from(values))
      const rnd = lcg(11)
      const m = 9, n = 13, k = 21
      const big = make(Array.from({ length: 3 * m * k + 5 }, rnd))
      const A: MatrixView = { data: big, offset: 5, rowStride: 3 * k, colStride: 1 } // spans 3x its elements: gathered
      const B: MatrixView = { data: make(Array.from({ length: k }, rnd)), offset: 0, rowStride: 1, colStride: 0 } // one column, n times
      const ts = make(new Array<number>(m * n).fill(0))
      const simd = make(new Array<number>(m * n).fill(0))
      gemmTypeScript(m, n, k, A, B, ts, 0, false)
      simdGemm(m, n, k, A, B, simd, 0, false)
      for (let i = 0; i < ts.length; i++) expect(Math.abs(simd[i] - ts[i])).toBeLessThanOrEqual(single ? 1e-5 : 0)
      for (let i = 0; i < m; i++) expect(simd[i * n]).toBe(simd[i * n + n - 1])
    }
  })

  it('matmul gives the same answers on either backend', () => {
    const rnd = lcg(5)
    for (const dtype of ['float64', 'float32'] as const) {
      const a = tensor(Float64Array.from({ length: 2 * 37 * 45 }, rnd), { dtype, shape: [2, 37, 45] })
      const b = tensor(Float64Array.from({ length: 45 * 19 }, rnd), { dtype, shape: [45, 19] })
      setGemmBackend('wasm')
      const viaSimd = matmul(a, b).contiguousData() as FloatArray
      setGemmBackend('typescript')
      const viaTs = matmul(a, b).contiguousData() as FloatArray
      for (let i = 0; i < viaTs.length; i++) expect(Math.abs(viaSimd[i] - viaTs[i])).toBeLessThanOrEqual(dtype === 'float64' ? 0 : 1e-5)
    }
  })

  it('handles empty and k = 0 products', () => {
    const C = new Float64Array(6).fill(7)
    const E: MatrixView = { data: new Float64Array(0), offset: 0, rowStride: 0, colStride: 1 }
    gemm(2, 3, 0, E, E, C, 0, true)
    expect(Array.from(C)).toEqual([7, 7, 7, 7, 7, 7])
    gemm(2, 3, 0, E, E, C, 0, false)
    expect(Array.from(C)).toEqual([0, 0, 0, 0, 0, 0])
  })
})

describe('the assembled WebAssembly modules', () => {
  it('are what scripts/build-wasm.mjs writes from the .wat sources', async () => {
    for (const name of modules) expect(readFileSync(outputPath(name), 'utf8')).toBe(await assemble(name))
  })
})

describe('gemm: thin products (m or n below 4)', () => {
  // Each element is a sum along p in order, in double, whichever way B is laid out (rows
  // contiguous, or columns, as linear's transposed weight): float64 equals the plain loop.
  it('equal the in-order sum for either layout of B', () => {
    for (const [m, n, k] of [[1, 1000, 64], [2, 9, 7], [3, 5, 300], [9, 2, 33]]) {
      for (const bT of [false, true]) {
        const rnd = lcg(m * 31 + n + k)
        const A = operand(Float64Array, m, k, false, rnd)
        const B = operand(Float64Array, k, n, bT, rnd)
        const C = new Float64Array(m * n)
        gemm(m, n, k, A, B, C, 0, false)
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let s = 0
            for (let p = 0; p < k; p++) s += at(A, i, p) * at(B, p, j)
            if (C[i * n + j] !== s) expect.fail(`${m}x${n}x${k} bT=${bT} at (${i}, ${j}): ${C[i * n + j]} vs ${s}`)
          }
        }
      }
    }
  })
})
