import { TOLERANCE, type Metrics, type OpReport } from './checks.js'

const COLUMNS: { key: keyof Metrics; title: string; tolerance: number }[] = [
  { key: 'fwdRev', title: 'fwd-vs-rev', tolerance: TOLERANCE.fwdRev },
  { key: 'fwdFd', title: 'fwd-vs-FD', tolerance: TOLERANCE.fd },
  { key: 'revFd', title: 'rev-vs-FD', tolerance: TOLERANCE.fd },
  { key: 'f32', title: 'f32-vs-f64', tolerance: TOLERANCE.f32 },
  { key: 'f32Grad', title: 'f32-grad', tolerance: TOLERANCE.f32Grad },
  { key: 'chunked', title: 'fwd-grad', tolerance: TOLERANCE.routes },
  { key: 'graph', title: 'createGraph', tolerance: TOLERANCE.routes },
  { key: 'compiled', title: 'compile', tolerance: TOLERANCE.compiled },
]

function cell(x: number): string {
  return Number.isNaN(x) ? '—' : x === 0 ? '0' : x.toExponential(1)
}

/** The crosscheck table: one row per op, worst relative errors, points tried, status. */
export function formatTable(reports: readonly OpReport[]): string {
  const header = ['op', ...COLUMNS.map((c) => c.title), 'points', 'ms', 'status']
  const rows = reports.map((r) => [
    r.differentiable ? r.name : `${r.name} (n.d.)`,
    ...COLUMNS.map((c) => cell(r.worst[c.key])),
    String(r.points),
    r.millis.toFixed(0),
    r.failure ? 'FAIL' : 'ok',
  ])
  const tolerances = ['tolerance', ...COLUMNS.map((c) => c.tolerance.toExponential(0)), '', '', '']
  const all = [header, tolerances, ...rows]
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i].length)))
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd()
  return [line(header), line(tolerances), ...rows.map(line)].join('\n')
}

export function formatSummary(reports: readonly OpReport[], seed: number, runs: number, millis: number): string {
  const failed = reports.filter((r) => r.failure)
  const differentiable = reports.filter((r) => r.differentiable).length
  const points = reports.reduce((n, r) => n + r.points, 0)
  const lines = [
    `${reports.length} ops (${differentiable} differentiable), ${points} points, seed ${seed}, up to ${runs} runs per op, ${(millis / 1000).toFixed(1)} s`,
    failed.length === 0 ? 'all ops within tolerance' : `${failed.length} op(s) failed: ${failed.map((r) => r.name).join(', ')}`,
  ]
  return lines.join('\n')
}
