import { mulberry32 } from '@ad/core'
import { tensor, type Tensor } from '@ad/reverse'
const n = 1000
const r = mulberry32(42)
const xs = Array.from({ length: n }, () => 2 * r() - 1)
function baseline(x: number[], g: Float64Array): number {
  let f = 0
  g.fill(0)
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i]
    const b = 1 - x[i]
    f += 100 * a * a + b * b
    g[i] += -400 * a * x[i] - 2 * b
    g[i + 1] += 200 * a
  }
  return f
}
function time(name: string, fn: () => void, minMs = 20) {
  const res: number[] = []
  for (let rep = 0; rep < 11; rep++) {
    let k = 0; const t0 = performance.now(); let t1 = t0
    do { fn(); k++; t1 = performance.now() } while (t1 - t0 < minMs)
    res.push((t1 - t0) / k)
  }
  res.sort((a, b) => a - b)
  console.log(name, res[5].toFixed(5), 'ms')
  return res[5]
}
const g = new Float64Array(n)
function rosen(x: Tensor[]): Tensor {
  let f = x[0].mul(0) as Tensor // placeholder
  let s: Tensor | undefined
  for (let i = 0; i < n - 1; i++) {
    const a = x[i + 1].sub(x[i].mul(x[i]))
    const b = x[i].neg().add(1)  // 1 - x
    const term = a.mul(a).mul(100).add(b.mul(b))
    s = s === undefined ? term : s.add(term)
  }
  return s!
}
let leaves: Tensor[] = []
function reverse() {
  leaves = xs.map((v) => tensor(v, { requiresGrad: true }))
  const f = rosen(leaves)
  f.backward()
}
const mode = process.argv[2] ?? 'all'
const b = time('baseline', () => baseline(xs, g))
if (mode === 'fwd' || mode === 'all') {
  leaves = xs.map((v) => tensor(v, { requiresGrad: true }))
  const fw = time('forward only', () => rosen(leaves))
  console.log('ratio fwd', (fw / b).toFixed(1))
}
const rv = time('reverse grad', reverse)
console.log('ratio', (rv / b).toFixed(1))
baseline(xs, g)
let maxErr = 0
for (let i = 0; i < n; i++) maxErr = Math.max(maxErr, Math.abs(leaves[i].grad!.item() - g[i]))
console.log('max err', maxErr)
