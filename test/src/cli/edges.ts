// `pnpm edges [--check]`: writes docs/edges.md, the table of gradients at the edges, from the
// op registry, by running both engines at each declared edge point. With --check, writes
// nothing and exits 1 if the file is stale. Exits 1 too if an engine departs from PyTorch there.
import { readFileSync, writeFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { EDGES_FILE, generateEdges, sameGrads } from '../edges.js'

function main(): void {
  const { values } = parseArgs({ options: { check: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } })
  if (values.help) {
    console.log('usage: pnpm edges [--check]')
    return
  }
  const { text, rows, compositions } = generateEdges()
  const departures = [
    ...rows
      .filter((r) => r.edge.args !== undefined && !(sameGrads(r.forward, r.edge.torch) && sameGrads(r.reverse, r.edge.torch)))
      .map((r) => `${r.op}: ${r.edge.note}`),
    ...compositions.filter((c) => !Object.is(c.forward, c.torch.forward) || !Object.is(c.reverse, c.torch.reverse)).map((c) => c.expr),
  ]
  for (const d of departures) console.log(`DIFFERS FROM PYTORCH ${d}`)
  let current = ''
  try {
    current = readFileSync(EDGES_FILE, 'utf8')
  } catch {
    // Not written yet.
  }
  if (values.check) {
    console.log(current === text ? 'docs/edges.md is up to date' : 'docs/edges.md is stale: run pnpm edges')
    process.exitCode = current === text && departures.length === 0 ? 0 : 1
    return
  }
  if (current !== text) writeFileSync(EDGES_FILE, text)
  console.log(`docs/edges.md: ${rows.length} edges of ${new Set(rows.map((r) => r.op)).size} ops, ${compositions.length} compositions${current === text ? ' (unchanged)' : ''}`)
  process.exitCode = departures.length === 0 ? 0 : 1
}

main()
