import { mulberry32 } from '@ad/core'
import { tensor, type Tensor } from '@ad/reverse'
const n = 1000
const r = mulberry32(42)
const xs = Array.from({ length: n }, () => 2 * r() - 1)
function rosen(x: Tensor[]): Tensor {
  let s: Tensor | undefined
  for (let i = 0; i < n - 1; i++) {
    const a = x[i + 1].sub(x[i].mul(x[i]))
    const b = x[i].neg().add(1)
    const term = a.mul(a).mul(100).add(b.mul(b))
    s = s === undefined ? term : s.add(term)
  }
  return s!
}
let tl = 0, tf = 0, tb = 0
for (let it = 0; it < 300; it++) {
  const t0 = performance.now()
  const leaves = xs.map((v) => tensor(v, { requiresGrad: true }))
  const t1 = performance.now()
  const f = rosen(leaves)
  const t2 = performance.now()
  f.backward()
  const t3 = performance.now()
  if (it >= 100) { tl += t1 - t0; tf += t2 - t1; tb += t3 - t2 }
}
console.log('leaves', (tl / 200).toFixed(4), 'fwd', (tf / 200).toFixed(4), 'bwd', (tb / 200).toFixed(4))
