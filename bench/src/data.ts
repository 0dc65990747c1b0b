// The data of BENCH.md, so the same work can be rebuilt in any library:
// u_k(seed) is the k-th output of mulberry32(seed) in [0, 1); U(n, seed, s) = (2u_k - 1)s,
// U01(n, seed) = u_k, L(n, seed) = floor(10 u_k); computed in float64, then cast.

/** mulberry32, written out here (not imported from @ad/core) so the bench's data does not depend on the library under test. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** U(n, seed, s) in float64. */
export function U(n: number, seed: number, s: number): Float64Array {
  const next = mulberry32(seed)
  const out = new Float64Array(n)
  for (let k = 0; k < n; k++) out[k] = (2 * next() - 1) * s
  return out
}

/** U01(n, seed) in float64. */
export function U01(n: number, seed: number): Float64Array {
  const next = mulberry32(seed)
  const out = new Float64Array(n)
  for (let k = 0; k < n; k++) out[k] = next()
  return out
}

/** L(n, seed): class labels 0..9, as integers in a float64 array. */
export function L(n: number, seed: number): Float64Array {
  const next = mulberry32(seed)
  const out = new Float64Array(n)
  for (let k = 0; k < n; k++) out[k] = Math.floor(10 * next())
  return out
}

export type DType = 'float32' | 'float64'
export type FloatArray = Float32Array | Float64Array

/** The float64 values cast to the dtype (a fresh array either way). */
export function cast(a: Float64Array, dtype: DType): FloatArray {
  return dtype === 'float32' ? Float32Array.from(a) : Float64Array.from(a)
}

// ---- The workloads' data -------------------------------------------------------------

export const W1_N = 1000
export const w1x = (): Float64Array => U(W1_N, 42, 1)

export const W2_N = 1_000_000
export const w2x = (): Float64Array => U(W2_N, 42, 1)
export const w2v = (): Float64Array => U(W2_N, 43, 1)
/** BENCH.md's f(x) and ∇f·v for W2. */
export const W2_F = 54762496.96945588
export const W2_JVP = -83100.65609370983

export interface W3Data {
  W1: Float64Array // [784, 256]
  b1: Float64Array // [256]
  W2: Float64Array // [256, 10]
  b2: Float64Array // [10]
  X: Float64Array // [128, 784]
  y: Float64Array // [128] labels
}
export const W3 = { batch: 128, inp: 784, hid: 256, out: 10, lr: 0.01, loss0: 2.2942216 }
export function w3data(): W3Data {
  return {
    W1: U(784 * 256, 1, 1 / Math.sqrt(784)),
    b1: U(256, 2, 1 / Math.sqrt(784)),
    W2: U(2560, 3, 1 / Math.sqrt(256)),
    b2: U(10, 4, 1 / Math.sqrt(256)),
    X: U01(128 * 784, 5),
    y: L(128, 6),
  }
}

export interface W4Data {
  W: Float64Array // [16, 16]
  b: Float64Array // [16]
  x: Float64Array // [16]
}
export function w4data(): W4Data {
  return { W: U(256, 7, 0.5), b: U(16, 8, 0.1), x: U(16, 9, 1) }
}

export interface W5Data {
  X: Float64Array // [8, 3, 32, 32]
  c1w: Float64Array // [16, 3, 3, 3]
  c1b: Float64Array // [16]
  c2w: Float64Array // [32, 16, 3, 3]
  c2b: Float64Array // [32]
  fw: Float64Array // [32, 10]: y = h @ fw + fb
  fb: Float64Array // [10]
  y: Float64Array // [8] labels
}
export const W5 = { loss0: 2.292089 }
export function w5data(): W5Data {
  return {
    X: U01(8 * 3 * 32 * 32, 11),
    c1w: U(432, 12, 1 / Math.sqrt(27)),
    c1b: U(16, 13, 1 / Math.sqrt(27)),
    c2w: U(4608, 14, 1 / Math.sqrt(144)),
    c2b: U(32, 15, 1 / Math.sqrt(144)),
    fw: U(320, 16, 1 / Math.sqrt(32)),
    fb: U(10, 17, 1 / Math.sqrt(32)),
    y: L(8, 18),
  }
}
