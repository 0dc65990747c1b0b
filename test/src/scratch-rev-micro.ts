import { tensor, mul, type Tensor } from '@ad/reverse'
import { tensor as ct, mul as cmul } from '@ad/core'
function bench(name: string, fn: () => unknown, n = 100000) {
  for (let w = 0; w < 3; w++) { const t0 = performance.now(); for (let i = 0; i < n; i++) fn(); const t1 = performance.now(); if (w === 2) console.log(name, ((t1 - t0) / n * 1e6).toFixed(1), 'ns/op') }
}
const a = tensor(2), b = tensor(3)
const ag = tensor(2, { requiresGrad: true })
bench('method mul no grad', () => a.mul(b))
bench('free mul no grad', () => mul(a, b))
bench('method mul grad', () => ag.mul(b))
const c1 = ct(2), c2 = ct(3)
bench('core mul', () => cmul(c1, c2))
bench('core method', () => (c1 as any).mul(c2))
