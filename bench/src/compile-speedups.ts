// The measurements behind the docs' "Compiling" page: the same gradient computed eagerly by
// @ad/reverse and by @ad/compile's compiled grad, on three functions of different character.
// Each pair is checked equal first, then timed in interleaved rounds (timing.ts), medians.
// `pnpm docs:compile-figures` runs it and writes docs/data/compile-times.json.
//   node --expose-gc bench/dist/compile-speedups.js OUT.json
import { writeFileSync } from 'node:fs'
import * as C from '@ad/compile'
import * as core from '@ad/core'
import * as R from '@ad/reverse'
import { U, U01, L } from './data.js'
import { machine } from './machine.js'
import { prepare, timeInterleaved } from './timing.js'

const { add, mul, sub, square, sum, slice, tanh, sin, matmul, crossEntropy, linear, relu } = core

interface Case {
  name: string
  what: string
  f: (...args: any[]) => unknown
  args: () => core.Tensor[]
}

const rosenbrock = (x: core.Tensor) => {
  const n = x.shape[0]!
  const a = slice(x, { dim: 0, start: 0, end: n - 1 })
  const b = slice(x, { dim: 0, start: 1, end: n })
  return sum(add(mul(100, square(sub(b, square(a)))), square(sub(1, a))))
}

/** A long chain of cheap elementwise ops on a small vector: per-op overhead dominates eager mode. */
const chain = (x: core.Tensor) => {
  let y: unknown = x
  for (let i = 0; i < 50; i++) y = add(mul(tanh(y as core.Tensor), 0.9), mul(sin(y as core.Tensor), 0.1))
  return sum(y as core.Tensor)
}

const mlp = (w1: core.Tensor, b1: core.Tensor, w2: core.Tensor, b2: core.Tensor, x: core.Tensor, y: core.Tensor) =>
  crossEntropy(linear(relu(linear(x, w1, b1)), w2, b2), y)

const cases: Case[] = [
  { name: 'rosenbrock-100k', what: 'Rosenbrock, 100,000 inputs', f: rosenbrock, args: () => [core.tensor(U(100_000, 42, 1), { shape: [100_000] })] },
  { name: 'chain-50', what: '50 steps of tanh/sin arithmetic on 64 numbers', f: chain, args: () => [core.tensor(U(64, 3, 1), { shape: [64] })] },
  {
    name: 'mlp-step',
    what: 'MLP 784-128-10, batch 64, cross-entropy gradient',
    f: mlp,
    args: () => [
      core.tensor(U(128 * 784, 1, 1 / 28), { shape: [128, 784] }),
      core.tensor(U(128, 2, 1 / 28), { shape: [128] }),
      core.tensor(U(10 * 128, 3, 1 / Math.sqrt(128)), { shape: [10, 128] }),
      core.tensor(U(10, 4, 1 / Math.sqrt(128)), { shape: [10] }),
      core.tensor(U01(64 * 784, 5), { shape: [64, 784] }),
      core.tensor(L(64, 6).map((v) => v % 10), { shape: [64] }),
    ],
  },
]

function maxDiff(a: unknown, b: unknown): number {
  const xs = [a].flat() as core.Tensor[]
  const ys = [b].flat() as core.Tensor[]
  let worst = 0
  xs.forEach((x, k) => {
    const p = x.contiguousData()
    const q = ys[k]!.contiguousData()
    for (let i = 0; i < p.length; i++) worst = Math.max(worst, Math.abs(p[i]! - q[i]!) / (1 + Math.abs(q[i]!)))
  })
  return worst
}

const out = process.argv[2]
if (!out) throw new Error('usage: node --expose-gc bench/dist/compile-speedups.js OUT.json')
const rows = []
for (const c of cases) {
  const args = c.args()
  const argnums = c.name === 'mlp-step' ? [0, 1, 2, 3] : 0
  const eager = R.grad(c.f, { argnums })
  const compiled = C.compile(C.grad(c.f, { argnums }))
  // The compiled gradient must equal the eager one (relative 1e-9: fused loops may reassociate sums).
  const diff = maxDiff(compiled(...args), eager(...args))
  if (!(diff < 1e-9)) throw new Error(`${c.name}: compiled and eager gradients differ by ${diff}`)
  const [te, tc] = timeInterleaved([await prepare(() => eager(...args)), await prepare(() => compiled(...args))])
  const row = { name: c.name, what: c.what, eager_ms: te!.median_ms, compiled_ms: tc!.median_ms, speedup: te!.median_ms / tc!.median_ms, reps: Math.min(te!.reps, tc!.reps) }
  rows.push(row)
  console.log(JSON.stringify(row))
}
writeFileSync(out, JSON.stringify({ what: 'median ms per gradient call, eager @ad/reverse grad against compile(grad(f)) of @ad/compile (float64)', measured: new Date().toISOString(), machine: machine(), rows }, null, 2) + '\n')
console.log(`wrote ${out}`)
