// Draws calls with a fixed seed, runs each, and groups what it finds by cause.
import fc from 'fast-check'
import { anyCall } from './calls.js'
import { runCall, type Finding } from './oracle.js'

export interface FuzzReport {
  tried: number
  /** One entry per cause, with the first call that showed it and how often it came up. */
  causes: { cause: string; count: number; example: Finding }[]
}

export function fuzz(runs: number, seed: number): FuzzReport {
  const byCause = new Map<string, { count: number; example: Finding }>()
  const calls = fc.sample(anyCall, { numRuns: runs, seed })
  for (const call of calls) {
    const finding = runCall(call)
    if (finding === undefined) continue
    const seen = byCause.get(finding.cause)
    if (seen) seen.count++
    else byCause.set(finding.cause, { count: 1, example: finding })
  }
  return {
    tried: calls.length,
    causes: [...byCause].map(([cause, v]) => ({ cause, ...v })).sort((a, b) => b.count - a.count),
  }
}

export function formatReport(report: FuzzReport): string {
  const lines = [`${report.tried} calls, ${report.causes.length} causes of unsound outcomes`]
  for (const { cause, count, example } of report.causes) {
    lines.push(`- ${count}× ${cause}`, `    e.g. ${example.call.code.slice(0, 300)}`)
    if (example.detail) lines.push(`    ${example.detail.split('\n').join('\n    ')}`)
  }
  return lines.join('\n')
}
