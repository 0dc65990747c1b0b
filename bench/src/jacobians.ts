// The measurements behind the docs' "Forward or reverse?" chart: jacfwd and jacrev of
// f(x) = tanh(W x), W an m×n matrix, as the inputs n grow with m fixed and as the outputs m
// grow with n fixed. Each point: warm-up, then interleaved timed rounds (timing.ts), medians.
// `pnpm docs:chart` runs it and writes docs/data/jacobian-times.json with the machine and date.
//   node --expose-gc bench/dist/jacobians.js OUT.json
import { writeFileSync } from 'node:fs'
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { U } from './data.js'
import { machine } from './machine.js'
import { prepare, timeInterleaved } from './timing.js'

const FIXED = 4
const SIZES = [1, 4, 16, 64, 256]

interface Point {
  sweep: 'inputs' | 'outputs'
  n: number
  m: number
  engine: 'jacfwd' | 'jacrev'
  median_ms: number
  reps: number
}

async function measure(n: number, m: number): Promise<[number, number, number]> {
  const w = U(m * n, 7, 1 / Math.sqrt(n))
  const x = U(n, 8, 1)
  const Wf = F.tensor(w, { shape: [m, n] })
  const Wr = R.tensor(w, { shape: [m, n] })
  const xf = F.tensor(x, { shape: [n] })
  const xr = R.tensor(x, { shape: [n] })
  const fwd = F.jacfwd((v: F.Tensor) => F.tanh(F.matmul(Wf, v)))
  const rev = R.jacrev((v: R.Tensor) => R.tanh(R.matmul(Wr, v)))
  // Both must give the same m×n Jacobian before either is timed.
  const a = (fwd(xf) as F.Tensor).contiguousData()
  const b = (rev(xr) as R.Tensor).contiguousData()
  let worst = 0
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!))
  if (!(worst < 1e-12)) throw new Error(`jacfwd and jacrev disagree by ${worst} at n=${n}, m=${m}`)
  const [tf, tr] = timeInterleaved([await prepare(() => fwd(xf)), await prepare(() => rev(xr))], { targetMs: 300 })
  return [tf!.median_ms, tr!.median_ms, Math.min(tf!.reps, tr!.reps)]
}

const out = process.argv[2]
if (!out) throw new Error('usage: node --expose-gc bench/dist/jacobians.js OUT.json')
const points: Point[] = []
for (const sweep of ['inputs', 'outputs'] as const) {
  for (const size of SIZES) {
    const [n, m] = sweep === 'inputs' ? [size, FIXED] : [FIXED, size]
    const [fwd, rev, reps] = await measure(n, m)
    points.push({ sweep, n, m, engine: 'jacfwd', median_ms: fwd, reps }, { sweep, n, m, engine: 'jacrev', median_ms: rev, reps })
    console.log(JSON.stringify({ sweep, n, m, jacfwd_ms: fwd, jacrev_ms: rev }))
  }
}
const report = {
  what: 'median ms per call of jacfwd and jacrev of f(x) = tanh(W x), W an m×n matrix (float64)',
  fixed: FIXED,
  measured: new Date().toISOString(),
  machine: machine(),
  points,
}
writeFileSync(out, JSON.stringify(report, null, 2) + '\n')
console.log(`wrote ${out}`)
