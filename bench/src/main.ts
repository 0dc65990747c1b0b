// `pnpm bench [W1 ...] [--json FILE] [--no-peers]`: the workloads of BENCH.md, each variant
// checked against its hand-written baseline before it is timed, then TensorFlow.js on the
// same work. One JSON line per figure on stdout (and in FILE), then a table with the ratios.

import { writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { hasGc, prepare, timeInterleaved, type Prepared, type Timing } from './timing.js'
import type { Case, Workload } from './types.js'
import { w1 } from './workloads/w1.js'
import { w2 } from './workloads/w2.js'
import { w3 } from './workloads/w3.js'
import { w4 } from './workloads/w4.js'
import { w5 } from './workloads/w5.js'
import { w6 } from './workloads/w6.js'
import { w7 } from './workloads/w7.js'
import { k1 } from './workloads/k1.js'

const WORKLOADS: Workload[] = [w1, w2, w3, w4, w5, w6, w7, k1]
const ALL_IDS = ['W1', 'W2', 'W3', 'W4', 'W5', 'W6', 'W7', 'K1']

interface Options {
  ids: string[]
  json?: string
  peers: boolean
}

const USAGE = `usage: pnpm bench [W1 ... W7] [K1] [--json FILE] [--no-peers]
  W1 ... W7     the workloads to run (default: all)
  K1            the second wave's kernels (solve, inv, einsum, depthwise conv2d)
  --json FILE   also write the JSON lines to FILE (relative to where you run pnpm)
  --no-peers    skip TensorFlow.js`

function parseArgs(argv: string[]): Options {
  const ids: string[] = []
  let json: string | undefined
  let peers = true
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--json') {
      json = argv[++i]
      if (json === undefined) fail('--json needs a file name')
    } else if (a.startsWith('--json=')) json = a.slice('--json='.length)
    else if (a === '--no-peers') peers = false
    else if (a === '--help' || a === '-h') {
      console.log(USAGE)
      process.exit(0)
    } else if (ALL_IDS.includes(a.toUpperCase())) ids.push(a.toUpperCase())
    else fail(`unknown argument ${JSON.stringify(a)}`)
  }
  return { ids: ids.length > 0 ? ALL_IDS.filter((id) => ids.includes(id)) : ALL_IDS, json, peers }
}

function fail(message: string): never {
  console.error(`bench: ${message}\n${USAGE}`)
  process.exit(2)
}

// ---- Output ------------------------------------------------------------------------------

const lines: string[] = []
function emit(record: Record<string, unknown>): void {
  const line = JSON.stringify(record)
  lines.push(line)
  console.log(line)
}
const note = (text: string): void => console.log(`# ${text}`)

const r4 = (x: number): number => (x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(4)))

// ---- Checks ------------------------------------------------------------------------------

interface Check {
  ok: boolean
  /** Worst |a − b| / (atol + rtol·|b|) over the elements: ≤ 1 passes. */
  worst: number
  detail: string
}

function compare(a: ArrayLike<number>, b: ArrayLike<number>, tol: { rtol: number; atol: number }): Check {
  if (a.length !== b.length) return { ok: false, worst: Infinity, detail: `${a.length} values, expected ${b.length}` }
  let worst = 0
  let at = -1
  for (let i = 0; i < a.length; i++) {
    const r = Math.abs(a[i] - b[i]) / (tol.atol + tol.rtol * Math.abs(b[i]))
    if (!(r <= worst)) {
      worst = Number.isNaN(r) ? Infinity : r
      at = i
    }
  }
  const ok = worst <= 1
  const detail = ok ? `within tolerance (worst ${r4(worst)} of it)` : `element ${at}: ${a[at]} vs ${b[at]} (rtol ${tol.rtol}, atol ${tol.atol})`
  return { ok, worst, detail }
}

function checkReferences(c: Case, answer: ArrayLike<number>): string[] {
  const errors: string[] = []
  for (const ref of c.reference ?? []) {
    const got = answer[ref.index]
    if (!(Math.abs(got - ref.value) <= ref.rtol * Math.abs(ref.value))) {
      errors.push(`${ref.name} = ${got}, BENCH.md says ${ref.value} (rtol ${ref.rtol})`)
    }
  }
  return errors
}

// ---- Running -----------------------------------------------------------------------------

interface Row {
  c: Case
  timing: Timing
  prepared: Prepared
}

const rows: Row[] = []
const failures: string[] = []
const skipped: string[] = []
/** ad median / peer median, both from the same interleaved rounds: key `${workload}/${adVariant}/${adDtype}/${peerImpl}`. */
const peerRatios = new Map<string, number>()

const label = (c: Case): string => `${c.workload} ${c.variant} ${c.dtype}`

/** Checks a case against its expected answer; false (and an error line) when it is wrong. */
function check(c: Case, baselines: Map<string, ArrayLike<number>>): boolean {
  let answer: ArrayLike<number>
  try {
    answer = c.answer()
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e)
    failures.push(`${label(c)}: threw ${message}`)
    emit({ workload: c.workload, variant: c.variant, dtype: c.dtype, error: `threw: ${message}` })
    return false
  }
  const errors = checkReferences(c, answer)
  if (c.impl === 'baseline' && c.baseline === undefined) baselines.set(`${c.variant}/${c.dtype}`, answer)
  const expected = c.expected?.() ?? (c.baseline !== undefined ? baselineAnswer(baselines, c.baseline, c.dtype) : undefined)
  if (c.baseline !== undefined || c.expected !== undefined) {
    if (expected === undefined) errors.push(`no answer from ${c.baseline} to check against`)
    else {
      const r = compare(answer, expected, c.tol ?? { rtol: 1e-9, atol: 1e-12 })
      if (!r.ok) errors.push(`differs from ${c.expected !== undefined ? 'its expected answer' : c.baseline}: ${r.detail}`)
      else if (process.env.BENCH_VERBOSE) note(`${label(c)}: ${r.detail}`)
    }
  }
  if (errors.length > 0) {
    failures.push(`${label(c)}: ${errors.join('; ')}`)
    emit({ workload: c.workload, variant: c.variant, dtype: c.dtype, error: errors.join('; ') })
    return false
  }
  return true
}

function baselineAnswer(baselines: Map<string, ArrayLike<number>>, variant: string, dtype: string): ArrayLike<number> | undefined {
  const exact = baselines.get(`${variant}/${dtype}`)
  if (exact !== undefined) return exact
  for (const [key, value] of baselines) if (key.startsWith(`${variant}/`)) return value
  return undefined
}

function medianOf(workload: string, variant: string, dtype?: string): number | undefined {
  const row =
    rows.find((r) => r.c.workload === workload && r.c.variant === variant && (dtype === undefined || r.c.dtype === dtype)) ??
    rows.find((r) => r.c.workload === workload && r.c.variant === variant)
  return row?.timing.median_ms
}

function record(c: Case, timing: Timing): Record<string, unknown> {
  const out: Record<string, unknown> = {
    workload: c.workload,
    variant: c.variant,
    dtype: c.dtype,
    median_ms: r4(timing.median_ms),
    min_ms: r4(timing.min_ms),
    max_ms: r4(timing.max_ms),
    reps: timing.reps,
    impl: c.impl,
    calls_per_rep: timing.inner,
    heap_before_mb: r4(timing.heap_before_mb),
    heap_after_mb: r4(timing.heap_after_mb),
    alloc_mb: r4(timing.alloc_mb),
  }
  if (timing.gcs_in_probe > 0) out.gcs_in_alloc_probe = timing.gcs_in_probe
  if (c.compileMs !== undefined) out.compile_ms = r4(c.compileMs)
  return out
}

/** Checks the cases (baselines first: the others are checked against their answers). */
function checked(cases: Case[], baselines: Map<string, ArrayLike<number>>): Case[] {
  const isBase = (c: Case) => c.impl === 'baseline' && c.baseline === undefined
  const order = [...cases.filter(isBase), ...cases.filter((c) => !isBase(c))]
  const ok: Case[] = []
  for (const c of order) {
    if (c.note !== undefined) note(`${label(c)}: ${c.note}`)
    if (check(c, baselines)) ok.push(c)
    else c.dispose?.()
  }
  return ok
}

/** A workload's own cases (ad and baselines): checked, warmed up, timed in interleaved rounds. */
async function runCases(cases: Case[], baselines: Map<string, ArrayLike<number>>): Promise<void> {
  const ok = checked(cases, baselines)
  const prepared: Prepared[] = []
  for (const c of ok) prepared.push(await prepare(c.run))
  const timings = timeInterleaved(prepared)
  ok.forEach((c, i) => {
    rows.push({ c, timing: timings[i], prepared: prepared[i] })
    const line = record(c, timings[i])
    if (c.baseline !== undefined) {
      const base = medianOf(c.workload, c.baseline, c.dtype)
      if (base !== undefined) line[`over_${c.baseline}`] = r4(timings[i].median_ms / base)
    }
    emit(line)
  })
}

/**
 * A peer's cases: checked, then timed in interleaved rounds together with the ad rows doing
 * the same work (already warm), so each ad / peer ratio comes from the same rounds.
 */
async function runPeerCases(cases: Case[], baselines: Map<string, ArrayLike<number>>): Promise<void> {
  for (const c of checked(cases, baselines)) {
    const partners = rows.filter((r) => r.c.impl === 'ad' && r.c.workload === c.workload && (c.tasks ?? []).includes(r.c.variant))
    const p = await prepare(c.run)
    const timings = timeInterleaved([p, ...partners.map((r) => r.prepared)])
    c.dispose?.()
    rows.push({ c, timing: timings[0], prepared: p })
    const line = record(c, timings[0])
    partners.forEach((r, i) => {
      const ad = timings[1 + i].median_ms
      const key = `${r.c.workload}/${r.c.variant}/${r.c.dtype}/${c.impl}`
      peerRatios.set(key, ad / timings[0].median_ms)
      line[`ad_${r.c.variant}_${r.c.dtype}_ms`] = r4(ad)
      line[`ad_${r.c.variant}_${r.c.dtype}_over_this`] = r4(ad / timings[0].median_ms)
    })
    emit(line)
  }
}

type Peer = typeof import('./peers/tfjs.js')
let peerModule: Peer | null | undefined

async function loadPeer(): Promise<Peer | null> {
  if (peerModule !== undefined) return peerModule
  try {
    peerModule = await import('./peers/tfjs.js')
    note(`TensorFlow.js ${peerModule.tfjsVersion()}`)
  } catch (e) {
    note(`TensorFlow.js could not be loaded (${e instanceof Error ? e.message : String(e)}): no peer figures`)
    peerModule = null
  }
  return peerModule
}

async function runPeers(id: string, baselines: Map<string, ArrayLike<number>>): Promise<void> {
  const tf = await loadPeer()
  if (tf === null || !tf.PEER_WORKLOADS.includes(id)) return
  for (const backend of tf.BACKENDS) {
    const variant = `tfjs-${backend}`
    if (!(await tf.useBackend(backend))) {
      skipped.push(`${id} ${variant}: the backend did not start`)
      emit({ workload: id, variant, skipped: 'the backend did not start here' })
      continue
    }
    const missing = tf.missingKernels(id, backend)
    if (missing.length > 0) {
      const why = `the ${backend} backend has no kernel for ${missing.join(', ')}, which the gradient needs`
      skipped.push(`${id} ${variant}: ${why}`)
      emit({ workload: id, variant, skipped: why })
      continue
    }
    note(`${id} on ${tf.backendInfo(backend)}`)
    let cases: Case[]
    try {
      cases = tf.tfjsCases(id, backend)
    } catch (e) {
      const why = `could not set up: ${e instanceof Error ? e.message : String(e)}`
      skipped.push(`${id} ${variant}: ${why}`)
      emit({ workload: id, variant, skipped: why })
      continue
    }
    await runPeerCases(cases, baselines)
  }
}

// ---- The table and the targets -------------------------------------------------------------

function fmt(x: number | undefined, digits = 3): string {
  if (x === undefined || !Number.isFinite(x)) return '—'
  if (x >= 1000) return x.toFixed(0)
  if (x >= 100) return x.toFixed(1)
  if (x >= 1) return x.toFixed(2)
  return x.toPrecision(digits)
}

function table(headers: string[], body: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)))
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`
  return [line(headers), `| ${widths.map((w, i) => (i < 3 ? '-'.repeat(w) : '-'.repeat(w - 1) + ':')).join(' | ')} |`, ...body.map(line)].join('\n')
}

function printTable(): void {
  const ratioTo = (r: Row, impl: string): number | undefined =>
    r.c.impl === 'ad' ? peerRatios.get(`${r.c.workload}/${r.c.variant}/${r.c.dtype}/${impl}`) : undefined
  const body = rows.map((r) => {
    const base = r.c.baseline !== undefined ? medianOf(r.c.workload, r.c.baseline, r.c.dtype) : undefined
    const cpu = ratioTo(r, 'tfjs-cpu')
    const wasm = ratioTo(r, 'tfjs-wasm')
    const t = r.timing
    return [
      r.c.workload,
      r.c.variant,
      r.c.dtype,
      fmt(t.median_ms, 3),
      `${fmt(t.min_ms)}–${fmt(t.max_ms)}`,
      `${t.reps}×${t.inner}`,
      base !== undefined ? `${fmt(t.median_ms / base)}× ${r.c.baseline}` : '',
      cpu !== undefined ? `${fmt(cpu)}×` : '',
      wasm !== undefined ? `${fmt(wasm)}×` : '',
      `${fmt(t.heap_before_mb, 2)}→${fmt(t.heap_after_mb, 2)}`,
      fmt(t.alloc_mb, 2),
    ]
  })
  console.log('')
  console.log(
    table(['workload', 'variant', 'dtype', 'median ms', 'min–max', 'reps×calls', 'vs baseline', 'ad / tfjs-cpu', 'ad / tfjs-wasm', 'live MB before→after', 'MB per call'], body),
  )
}

interface Target {
  what: string
  value: number | undefined
  limit: number
  unit: string
}

function targets(): Target[] {
  const m = (w: string, v: string, d?: string) => medianOf(w, v, d)
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined)
  const row = (w: string, v: string) => rows.find((r) => r.c.workload === w && r.c.variant === v)
  const list: Target[] = []
  if (row('W1', 'reverse-grad')) list.push({ what: 'W1 reverse-grad / baseline', value: ratio(m('W1', 'reverse-grad'), m('W1', 'baseline')), limit: 100, unit: '×' })
  if (row('W2', 'primal')) {
    list.push({ what: 'W2 primal / baseline-primal', value: ratio(m('W2', 'primal'), m('W2', 'baseline-primal')), limit: 5, unit: '×' })
    list.push({ what: 'W2 grad / primal', value: ratio(m('W2', 'grad'), m('W2', 'primal')), limit: 3, unit: '×' })
    list.push({ what: 'W2 grad / baseline-grad', value: ratio(m('W2', 'grad'), m('W2', 'baseline-grad')), limit: 6, unit: '×' })
    list.push({ what: 'W2 jvp / primal', value: ratio(m('W2', 'jvp'), m('W2', 'primal')), limit: 2, unit: '×' })
    const g = row('W2', 'grad')
    if (g) {
      const probe = g.timing.gcs_in_probe > 0 ? ' (a GC ran during that call: its growth at the end, not a bound on its peak)' : ' (no GC ran: a bound on its peak)'
      list.push({ what: `W2 grad: memory allocated by one call${probe}`, value: g.timing.alloc_mb, limit: 160 * 1e6 / 2 ** 20, unit: ' MB' })
      list.push({ what: 'W2 grad: live memory left after the runs', value: g.timing.heap_after_mb - g.timing.heap_before_mb, limit: 8 * 1e6 / 2 ** 20, unit: ' MB' })
    }
  }
  list.push(...compiledTargets(m, row))
  if (row('W3', 'step')) {
    const wasm = peerRatios.get('W3/step/float32/tfjs-wasm')
    if (wasm !== undefined) list.push({ what: 'W3 step float32 / tfjs-wasm', value: wasm, limit: 1, unit: '×' })
    list.push({ what: "W3 step float32 (jax-js jit's 9.3 ms, absolute)", value: m('W3', 'step', 'float32'), limit: 9.3, unit: ' ms' })
  }
  if (row('W5', 'step')) list.push({ what: 'W5 step (absolute)', value: m('W5', 'step'), limit: 60, unit: ' ms' })
  if (row('W6', 'step')) list.push({ what: 'W6 step (absolute)', value: m('W6', 'step'), limit: 150, unit: ' ms' })
  for (const dtype of ['float64', 'float32']) {
    if (row('K1', 'einsum')) list.push({ what: `K1 einsum / matmul ${dtype} (issue 8)`, value: ratio(m('K1', 'einsum', dtype), m('K1', 'matmul', dtype)), limit: 1.2, unit: '×' })
  }
  return list
}

/** BENCH.md's targets for the compiled variants: against the baselines, never slower than eager, compile_ms. */
function compiledTargets(m: (w: string, v: string, d?: string) => number | undefined, row: (w: string, v: string) => Row | undefined): Target[] {
  const list: Target[] = []
  const ratio = (w: string, a: string, b: string, limit: number) => {
    const x = m(w, a)
    const y = m(w, b)
    if (row(w, a) !== undefined) list.push({ what: `${w} ${a} / ${b}`, value: x !== undefined && y !== undefined ? x / y : undefined, limit, unit: '×' })
  }
  ratio('W1', 'compiled-grad', 'baseline', 5)
  ratio('W2', 'compiled-primal', 'baseline-primal', 2)
  ratio('W2', 'compiled-grad', 'baseline-grad', 2.5)
  ratio('W4', 'compiled-jacfwd', 'baseline', 5)
  ratio('W4', 'compiled-jacrev', 'baseline', 5)
  const eager: [string, string, string][] = [
    ['W1', 'compiled-grad', 'reverse-grad'], ['W2', 'compiled-primal', 'primal'], ['W2', 'compiled-grad', 'grad'], ['W2', 'compiled-jvp', 'jvp'],
    ['W3', 'compiled-step', 'step'], ['W4', 'compiled-jacfwd', 'jacfwd'], ['W4', 'compiled-jacrev', 'jacrev'], ['W5', 'compiled-step', 'step'],
  ]
  for (const [w, a, b] of eager) ratio(w, a, b, 1)
  for (const r of rows) {
    if (r.c.compileMs === undefined) continue
    list.push({ what: `${r.c.workload} ${r.c.variant} ${r.c.dtype} compile_ms`, value: r.c.compileMs, limit: r.c.workload === 'W1' ? 200 : 50, unit: ' ms' })
  }
  return list
}

function printTargets(): void {
  const list = targets()
  if (list.length === 0) return
  console.log('\nBENCH.md targets (ratios inside this run):')
  for (const t of list) {
    const ok = t.value !== undefined && t.value <= t.limit
    console.log(`  ${ok ? 'met    ' : 'not met'}  ${t.what}: ${fmt(t.value)}${t.unit} (at most ${fmt(t.limit)}${t.unit})`)
  }
}

// ---- Main ----------------------------------------------------------------------------------

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2))
  const started = performance.now()
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ')
  note(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} cores, load average ${load()}${hasGc() ? '' : '; run with --expose-gc for exact memory figures'}`)
  for (const id of options.ids) {
    const workload = WORKLOADS.find((w) => w.id === id) as Workload
    note(`${id}: ${workload.title}`)
    const baselines = new Map<string, ArrayLike<number>>()
    await runCases(await workload.cases(), baselines)
    if (options.peers) await runPeers(id, baselines)
  }
  printTable()
  printTargets()
  if (skipped.length > 0) console.log(`\nNot measured:\n${skipped.map((s) => `  ${s}`).join('\n')}`)
  if (failures.length > 0) console.log(`\nWRONG ANSWERS (not timed):\n${failures.map((s) => `  ${s}`).join('\n')}`)
  console.log(`\n${rows.length} figures in ${((performance.now() - started) / 1000).toFixed(1)} s (load average now ${load()})`)
  if (options.json !== undefined) {
    const file = resolve(process.env.INIT_CWD ?? process.cwd(), options.json)
    writeFileSync(file, lines.join('\n') + '\n')
    console.log(`JSON lines written to ${file}`)
  }
  if (failures.length > 0) process.exitCode = 1
}

await main()
