import { mulberry32, tensor, mul, add, sub } from '@ad/core'
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
  for (let rep = 0; rep < 9; rep++) {
    let k = 0; const t0 = performance.now(); let t1 = t0
    do { fn(); k++; t1 = performance.now() } while (t1 - t0 < minMs)
    res.push((t1 - t0) / k)
  }
  res.sort((a, b) => a - b)
  console.log(name, res[4].toFixed(5), 'ms')
  return res[4]
}
const g = new Float64Array(n)
const b = time('baseline', () => baseline(xs, g))
const ts = xs.map((v) => tensor(v))
const c = time('core fwd scalar-tensor ops', () => {
  let f: any = tensor(0)
  for (let i = 0; i < n - 1; i++) {
    const a = sub(ts[i + 1], mul(ts[i], ts[i]))
    const bb = sub(1, ts[i])
    f = add(f, add(mul(100, mul(a, a)), mul(bb, bb)))
  }
})
console.log('ratio core fwd', c / b)
const m = time('core fwd methods', () => {
  let f: any = tensor(0)
  for (let i = 0; i < n - 1; i++) {
    const a = ts[i + 1].sub(ts[i].mul(ts[i]))
    const bb = ts[i].neg().add(1)
    f = f.add(a.mul(a).mul(100).add(bb.mul(bb)))
  }
})
console.log('ratio core methods', m / b)
const fa = time('f64 alloc x8000', () => { let s = 0; for (let i = 0; i < 8000; i++) { const a = new Float64Array(1); a[0] = i; s += a[0] } return s as any })
console.log('ratio alloc', fa / b)
