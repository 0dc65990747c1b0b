import { execFileSync } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import type { FloatArray } from '../../dtype.js'
import type { MatrixView } from '../gemm.js'
import { gemmHelpedChunks, gemmHelpers, setGemmThreads, simdGemm } from './simd-gemm.js'

// Large products are cut into chunks of C's row or column panels that helper threads and the
// caller claim; each chunk sums its elements over k in the same order as one thread does.

function lcg(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32 - 0.5
  }
}

function operand(make: (n: number) => FloatArray, rows: number, cols: number, transposed: boolean, rnd: () => number): MatrixView {
  const data = make(1 + rows * cols)
  for (let i = 0; i < data.length; i++) data[i] = rnd()
  return transposed ? { data, offset: 1, rowStride: 1, colStride: rows } : { data, offset: 1, rowStride: cols, colStride: 1 }
}

// Each at least 2^22 multiply-adds (the threshold): cut along columns (m ≤ n) or rows, with
// ragged edges, several passes over k (256 a pass), transposed operands and accumulation.
const shapes: { m: number; n: number; k: number; aT: boolean; bT: boolean; accumulate: boolean }[] = [
  { m: 128, n: 256, k: 160, aT: false, bT: false, accumulate: false },
  { m: 37, n: 1031, k: 300, aT: true, bT: false, accumulate: true },
  { m: 1030, n: 9, k: 520, aT: false, bT: true, accumulate: false },
  { m: 257, n: 61, k: 520, aT: true, bT: true, accumulate: true },
]

describe('gemm on helper threads', () => {
  afterEach(() => setGemmThreads(true))

  it('start one helper per further core (at most 3) in Node', async () => {
    expect(await gemmHelpers()).toBe(Math.max(0, Math.min(3, availableParallelism() - 1)))
  })

  for (const [dtype, make] of [['float64', (n: number) => new Float64Array(n)], ['float32', (n: number) => new Float32Array(n)]] as const) {
    it(`give ${dtype} results bit for bit equal to one thread's, the helpers taking part`, async () => {
      const helpers = await gemmHelpers()
      for (const c of shapes) {
        const rnd = lcg(c.m + 7 * c.n + 31 * c.k)
        const A = operand(make, c.m, c.k, c.aT, rnd)
        const B = operand(make, c.k, c.n, c.bT, rnd)
        const C0 = make(c.m * c.n)
        for (let i = 0; i < C0.length; i++) C0[i] = rnd()
        setGemmThreads(false)
        const before = gemmHelpedChunks()
        const one = C0.slice()
        simdGemm(c.m, c.n, c.k, A, B, one, 0, c.accumulate)
        expect(gemmHelpedChunks()).toBe(before) // off means off
        setGemmThreads(true)
        // A helper takes chunks only once it is awake: repeat until one did (or give up; then
        // the products still ran, on this thread alone).
        for (let round = 0; round < 200; round++) {
          const helped = gemmHelpedChunks()
          const many = C0.slice()
          simdGemm(c.m, c.n, c.k, A, B, many, 0, c.accumulate)
          expect(Array.from(many), JSON.stringify(c)).toEqual(Array.from(one))
          if (gemmHelpedChunks() > helped || helpers === 0) break
        }
      }
      if (helpers > 0) expect(gemmHelpedChunks()).toBeGreaterThan(0)
    })
  }

  it('leave small products on the calling thread', async () => {
    await gemmHelpers()
    const rnd = lcg(3)
    const A = operand((n) => new Float64Array(n), 128, 128, false, rnd)
    const B = operand((n) => new Float64Array(n), 128, 128, false, rnd)
    const before = gemmHelpedChunks()
    for (let i = 0; i < 20; i++) simdGemm(128, 128, 128, A, B, new Float64Array(128 * 128), 0, false) // 2^21
    expect(gemmHelpedChunks()).toBe(before)
  })

  it('never keep a Node process alive: a script that used them ends by itself', () => {
    const module = fileURLToPath(new URL('./simd-gemm.ts', import.meta.url))
    const script = `
      import { gemmHelpers, gemmHelpedChunks, simdGemm } from ${JSON.stringify(module)}
      const n = await gemmHelpers()
      const M = { data: new Float32Array(512 * 512).fill(1), offset: 0, rowStride: 512, colStride: 1 }
      const C = new Float32Array(512 * 512)
      for (let i = 0; i < 5; i++) simdGemm(512, 512, 512, M, M, C, 0, false)
      console.log(n, C[0])`
    // Without unref the child would wait on its helpers forever: the timeout makes that a failure, not a hang.
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })
    expect(out.trim()).toBe(`${Math.max(0, Math.min(3, availableParallelism() - 1))} 512`)
  })
})
