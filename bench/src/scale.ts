// `pnpm bench:scale`: the scale figures of issue 11, measured, not asserted. Backward through a
// chain of 1,000,000 scalar nodes and through a 10,000-deep tensor chain (no stack overflow,
// time per node); live memory sampled over 10,000 eager W3 steps and over 1,000 `jvp` calls
// (the slope of a least-squares line: no growth beyond noise); a 1,000,000-node graph freed
// after backward (memory back to where it started). One JSON line per figure.
import { performance } from 'node:perf_hooks'
import * as F from '@ad/forward'
import * as R from '@ad/reverse'
import { cast, W3, w3data } from './data.js'

const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) {
  console.error('bench:scale needs node --expose-gc (pnpm bench:scale passes it)')
  process.exit(2)
}
const MB = 1024 * 1024
/** Live memory after a full collection: V8 heap plus array buffers (where typed arrays live). */
function live(): number {
  gc!()
  gc!()
  const m = process.memoryUsage()
  return (m.heapUsed + m.arrayBuffers) / MB
}
const r4 = (x: number): number => Number(x.toPrecision(4))
const emit = (o: Record<string, unknown>): void => console.log(JSON.stringify(o))

/** y = ((x·a + b)·a + b)... : two nodes per link, every node 0-dim. */
function scalarChain(nodes: number): void {
  const start = live()
  const x = R.tensor(0.5, { requiresGrad: true })
  let t0 = performance.now()
  let y: R.Tensor = x
  for (let i = 0; i < nodes / 2; i++) y = y.mul(0.999999).add(1e-7)
  const buildMs = performance.now() - t0
  const built = live()
  t0 = performance.now()
  y.backward()
  const backwardMs = performance.now() - t0
  const grad = x.grad!.item()
  y = x // drop the graph: nothing refers to it now
  const freed = live()
  emit({
    figure: 'scalar-chain', nodes, build_ms: r4(buildMs), backward_ms: r4(backwardMs), backward_ns_per_node: r4((backwardMs * 1e6) / nodes),
    grad_finite: Number.isFinite(grad), mb_start: r4(start), mb_with_graph: r4(built), mb_after_backward: r4(freed),
  })
}

/** A 10,000-op chain on a [256] tensor, then backward through all of it. */
function tensorChain(depth: number): void {
  const x = R.randn([256], { requiresGrad: true })
  let t0 = performance.now()
  let y: R.Tensor = x
  for (let i = 0; i < depth; i++) y = i % 2 === 0 ? y.tanh() : y.mul(1.5)
  const buildMs = performance.now() - t0
  t0 = performance.now()
  y.sum().backward()
  const backwardMs = performance.now() - t0
  emit({ figure: 'tensor-chain', depth, build_ms: r4(buildMs), backward_ms: r4(backwardMs), backward_us_per_node: r4((backwardMs * 1e3) / depth), grad_shape: x.grad!.shape })
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length
  const mx = xs.reduce((a, b) => a + b, 0) / n
  const my = ys.reduce((a, b) => a + b, 0) / n
  let num = 0
  let den = 0
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my)
    den += (xs[i] - mx) ** 2
  }
  return num / den
}

/** Runs `step` `total` times, sampling live memory every `every` calls; reports the slope per 1,000 calls. */
function memoryOver(figure: string, total: number, every: number, step: () => void): void {
  const calls: number[] = []
  const mb: number[] = []
  for (let i = 1; i <= total; i++) {
    step()
    if (i % every === 0) {
      calls.push(i)
      mb.push(live())
    }
  }
  emit({ figure, calls: total, mb_first: r4(mb[0]), mb_last: r4(mb[mb.length - 1]), mb_min: r4(Math.min(...mb)), mb_max: r4(Math.max(...mb)), slope_mb_per_1000_calls: r4(slope(calls, mb) * 1000) })
}

function w3Steps(total: number): void {
  const d = w3data()
  const { batch, inp, hid, out, lr } = W3
  const X = R.tensor(cast(d.X, 'float32'), { shape: [batch, inp] })
  const y = R.tensor(cast(d.y, 'float32'), { shape: [batch] })
  const p = [
    R.tensor(cast(d.W1, 'float32'), { shape: [inp, hid], requiresGrad: true }),
    R.tensor(cast(d.b1, 'float32'), { shape: [hid], requiresGrad: true }),
    R.tensor(cast(d.W2, 'float32'), { shape: [hid, out], requiresGrad: true }),
    R.tensor(cast(d.b2, 'float32'), { shape: [out], requiresGrad: true }),
  ]
  memoryOver('w3-eager-steps', total, 500, () => {
    R.crossEntropy(R.matmul(R.relu(R.matmul(X, p[0]).add(p[1])), p[2]).add(p[3]), y).backward()
    R.noGrad(() => {
      for (const q of p) {
        q.sub_(q.grad!.mul(lr))
        q.grad = null
      }
    })
  })
}

function jvpCalls(total: number): void {
  const x = F.randn([10_000])
  const v = F.randn([10_000])
  const f = (t: F.Tensor) => F.sum(F.mul(F.tanh(t), F.sin(t)))
  memoryOver('forward-jvp-calls', total, 50, () => {
    F.jvp(f, [x], [v])
  })
}

const only = process.argv.slice(2)
const want = (name: string) => only.length === 0 || only.includes(name)
if (want('scalar-chain')) scalarChain(1_000_000)
if (want('tensor-chain')) tensorChain(10_000)
if (want('w3')) w3Steps(10_000)
if (want('jvp')) jvpCalls(1_000)
