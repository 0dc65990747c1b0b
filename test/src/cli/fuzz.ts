// `pnpm fuzz [--runs N] [--seed S]`: the hostile-input fuzz suite, longer than in `pnpm test`.
// Prints every cause of an unsound outcome (an error that is not an AdError, a malformed
// tensor, a near hang) with one call that shows it; exits 1 if it found any.
import { parseArgs } from 'node:util'
import { formatReport, fuzz } from '../fuzz/run.js'

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } } })
if (values.help) {
  console.log('usage: pnpm fuzz [--runs N] [--seed S]')
  process.exit(0)
}
const runs = Number(values.runs ?? 20000)
const seed = Number(values.seed ?? Date.now() % 2 ** 31)
if (!Number.isSafeInteger(runs) || runs <= 0 || !Number.isSafeInteger(seed)) {
  console.error('fuzz: --runs and --seed take integers')
  process.exit(2)
}
const start = performance.now()
const report = fuzz(runs, seed)
console.log(`seed ${seed}, ${((performance.now() - start) / 1000).toFixed(1)} s`)
console.log(formatReport(report))
process.exit(report.causes.length === 0 ? 0 : 1)
