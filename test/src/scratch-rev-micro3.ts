import { tensor, mul, Tensor } from '@ad/reverse'
import { Storage, Tensor as CT, getOp, apply } from '@ad/core'
function bench(name: string, fn: () => unknown, n = 1000000) {
  let r: unknown
  for (let w = 0; w < 3; w++) { const t0 = performance.now(); for (let i = 0; i < n; i++) r = fn(); const t1 = performance.now(); if (w === 2) console.log(name, ((t1 - t0) / n * 1e6).toFixed(1), 'ns/op') }
  return r
}
const slab = new Float64Array(256)
const S: number[] = Object.freeze([]) as any
let k = 0
bench('new Storage', () => new Storage(slab))
bench('new CoreTensor', () => new CT(new Storage(slab), S, S, (k++) & 255))
bench('new RTensor', () => new Tensor(new Storage(slab), S, S, (k++) & 255))
bench('new F64(1)', () => new Float64Array(1))
const a = tensor(2), b = tensor(3)
const op = getOp('mul')
const interp = (a as any)[Symbol.for('ad.trace')]
const attrs = op.parseAttrs(undefined)
bench('interp.apply', () => interp.apply(op, [a, b], attrs))
bench('core apply', () => apply(op, [a, b], attrs))
bench('parseAttrs', () => op.parseAttrs(undefined))
bench('free mul', () => mul(a, b))
