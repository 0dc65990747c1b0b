import { Tensor } from '@ad/reverse'
import { Storage, Tensor as CT } from '@ad/core'
function bench(name: string, fn: (i: number) => unknown, n = 3000000) {
  let r: unknown
  for (let w = 0; w < 3; w++) { const t0 = performance.now(); for (let i = 0; i < n; i++) r = fn(i); const t1 = performance.now(); if (w === 2) console.log(name, ((t1 - t0) / n * 1e6).toFixed(1), 'ns/op') }
  return r
}
const slab = new Float64Array(256)
const S: number[] = Object.freeze([]) as any
const v = process.argv[2]
if (v === 'R') bench('new RTensor', (k) => new Tensor(new Storage(slab), S, S, k & 255))
if (v === 'C') bench('new CoreTensor', (k) => new CT(new Storage(slab), S, S, k & 255))
