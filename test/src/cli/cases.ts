// `pnpm cases [--skip-hessian] [--engine forward|reverse|compile] FILE...`: runs ad-cases/1
// files in every engine (or the one named). Prints one
// line per failing case (its id and what differed, with the max error), then
// `N passed, N failed`; exits 1 on any failure. Paths are taken relative to where pnpm was
// run (INIT_CWD), not the repository root pnpm switches to.
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { loadEngines } from '@ad/check/harness'
import { ENGINE_NAMES, runCases, type EngineName } from '../cases/runner.js'
import { loadCaseFile } from '../cases/format.js'

function main(): void {
  const { values, positionals } = parseArgs({
    options: {
      'skip-hessian': { type: 'boolean', default: false },
      engine: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  })
  const only = values.engine as EngineName[] | undefined
  const unknown = (only ?? []).filter((e) => !ENGINE_NAMES.includes(e))
  if (values.help || positionals.length === 0 || unknown.length > 0) {
    if (unknown.length > 0) console.log(`unknown engine ${unknown.join(', ')}; the engines are ${ENGINE_NAMES.join(', ')}`)
    console.log(`usage: pnpm cases [--skip-hessian] [--engine ${ENGINE_NAMES.join('|')}] FILE...`)
    process.exitCode = values.help ? 0 : 2
    return
  }
  const skipHessian = values['skip-hessian'] === true
  const cwd = process.env.INIT_CWD ?? process.cwd()
  const engines = loadEngines()
  let passed = 0
  let failed = 0
  let skipped = 0
  for (const file of positionals) {
    let cases: unknown[]
    try {
      cases = loadCaseFile(resolve(cwd, file)).cases
    } catch (error) {
      console.log(`FAIL ${file}: ${(error as Error).message}`)
      failed++
      continue
    }
    const prefix = positionals.length > 1 ? `${file}: ` : ''
    for (const r of runCases(cases, engines, { skipHessian, only })) {
      if (r.hessianSkipped) skipped++
      if (r.problems.length === 0) {
        passed++
        continue
      }
      failed++
      console.log(`FAIL ${prefix}${r.id}: ${r.problems.join('; ')}`)
    }
  }
  if (skipHessian) console.log(`--skip-hessian: left out the Hessians of ${skipped} case(s)`)
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed > 0 ? 1 : 0
}

main()
