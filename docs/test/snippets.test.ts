// Every TypeScript block of every page runs here, against the packages' sources, and what it
// prints must equal the output block under it: the site never shows a number ad did not
// produce. `UPDATE_OUTPUTS=1 npx vitest run --project docs` rewrites the output blocks from
// real runs instead (then read the diff).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { format } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { snippetsOf, withOutputs } from './fences.js'
import { docsRoot, pages } from './pages.js'
import { resetGlobals } from './reset.js'

const update = process.env.UPDATE_OUTPUTS === '1'
// Inside docs/, so the snippets' `import ... from '@ad/reverse'` resolves to the workspace packages.
const scratch = join(docsRoot, 'node_modules', '.snippets')
rmSync(scratch, { recursive: true, force: true })
mkdirSync(scratch, { recursive: true })

/** Runs one snippet as an ES module and returns what it printed through console.log / console.error. */
async function run(code: string, file: string): Promise<string> {
  writeFileSync(file, code)
  const printed: string[] = []
  const { log, error, warn } = console
  console.log = console.error = console.warn = (...args: unknown[]) => void printed.push(format(...args))
  try {
    await import(/* @vite-ignore */ pathToFileURL(file).href)
  } finally {
    Object.assign(console, { log, error, warn })
    resetGlobals()
  }
  return printed.join('\n')
}

for (const page of pages()) {
  const source = readFileSync(join(docsRoot, page), 'utf8')
  const snippets = snippetsOf(source)
  if (snippets.length === 0) continue
  const printed: string[] = []

  describe(page, () => {
    snippets.forEach((s, k) => {
      it(`block at line ${s.line}`, async () => {
        const file = join(scratch, `${page.replace(/[/.]/g, '_')}_${k}.ts`)
        printed[k] = await run(s.code, file)
        if (!update) expect(printed[k], `${page}:${s.line} printed this; its output block says otherwise`).toBe(s.output ?? '')
      })
    })
  })

  if (update) {
    afterAll(() => {
      const complete = snippets.every((_, k) => printed[k] !== undefined)
      if (complete) writeFileSync(join(docsRoot, page), withOutputs(source, snippets, printed))
    })
  }
}
