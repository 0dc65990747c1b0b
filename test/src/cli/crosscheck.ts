// `pnpm crosscheck [--seed N] [--runs N] [--op NAME ...]`: every registered op, forward
// against reverse against finite differences, float32 against float64, as a table.
// Exits 1 if any op fails a tolerance; each failure prints its shrunk counterexample and the
// command that replays it.
import { parseArgs } from 'node:util'
import { listOps } from '@ad/core/internal'
import { formatSummary, formatTable, loadEngines, runOp, type OpReport } from '@ad/check/harness'

export const DEFAULT_RUNS = 100

function integer(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const n = Number(text)
  if (!Number.isSafeInteger(n) || n < 0) {
    console.error(`crosscheck: --${name} expects a non-negative integer, got '${text}'`)
    process.exit(2)
  }
  return n
}

function main(): void {
  const { values } = parseArgs({
    options: {
      seed: { type: 'string' },
      runs: { type: 'string' },
      op: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) {
    console.log('usage: pnpm crosscheck [--seed N] [--runs N] [--op NAME ...]')
    return
  }
  const seed = integer('seed', values.seed, (Date.now() ^ (Math.random() * 0x7fffffff)) >>> 1)
  const runs = integer('runs', values.runs, DEFAULT_RUNS)
  const wanted = values.op ?? []
  const ops = listOps().filter((op) => wanted.length === 0 || wanted.includes(op.name))
  const unknown = wanted.filter((name) => !ops.some((op) => op.name === name))
  if (unknown.length > 0) {
    console.error(`crosscheck: no registered op named ${unknown.join(', ')}`)
    process.exit(2)
  }

  const engines = loadEngines()
  const start = performance.now()
  const reports: OpReport[] = ops.map((op) => runOp(op, engines, { seed, runs }))
  console.log(formatTable(reports))
  for (const r of reports) if (r.failure) console.log(`\nFAIL ${r.failure.message}`)
  console.log(`\n${formatSummary(reports, seed, runs, performance.now() - start)}`)
  process.exitCode = reports.some((r) => r.failure) ? 1 : 0
}

main()
