import { describe, expect, it } from 'vitest'
import { listOps } from '@ad/core/internal'

// The exported names of every package entry point, pinned: a change to them is a decision.
// Each list is a file under exports/ (one name a line). After adding or removing an export on
// purpose (a new op is one), regenerate the files and commit them:
//
//   npx vitest run test/src/exports.test.ts -u
//
// A new package (say @ad/nn) or entry point: add a line to ENTRIES (its name and the file of
// its pin), run the command above, and commit the new file. User entry points (`user: true`)
// must also export a free function for each registered op except the internal helper ops,
// and nothing of the machinery in @ad/core/internal.
const ENTRIES: readonly { name: string; pin: string; user: boolean; engine?: boolean }[] = [
  { name: '@ad/core', pin: 'core.txt', user: true, engine: true },
  { name: '@ad/core/internal', pin: 'core-internal.txt', user: false },
  { name: '@ad/forward', pin: 'forward.txt', user: true, engine: true },
  { name: '@ad/reverse', pin: 'reverse.txt', user: true, engine: true },
  { name: '@ad/check', pin: 'check.txt', user: true },
  { name: '@ad/check/harness', pin: 'check-harness.txt', user: false },
  { name: '@ad/compile', pin: 'compile.txt', user: true },
  { name: '@ad/nn', pin: 'nn.txt', user: true },
]

const load = (name: string): Promise<Record<string, unknown>> => import(name)

describe('exported names', () => {
  it.each(ENTRIES)('$name: the pinned list (exports/$pin)', async ({ name, pin }) => {
    const names = Object.keys(await load(name)).sort()
    await expect(names.join('\n') + '\n').toMatchFileSnapshot(`./exports/${pin}`)
  })

  it.each(ENTRIES.filter((e) => e.user))('$name exports none of the machinery of @ad/core/internal', async ({ name }) => {
    const exports = await load(name)
    const internal = Object.keys(await load('@ad/core/internal'))
    expect(internal.filter((n) => n in exports)).toEqual([])
  })

  it.each(ENTRIES.filter((e) => e.engine))('$name exports every op except the internal helper ops, derived from their declarations', async ({ name }) => {
    const exports = await load(name)
    const ops = listOps()
    expect(ops.filter((op) => op.internal).length).toBeGreaterThan(0)
    for (const op of ops) {
      const fn = exports[op.name] as { op?: unknown } | undefined
      if (op.internal) expect(fn, `${op.name} is internal: its module must not export it`).toBeUndefined()
      else expect(fn?.op, `${op.name} is not exported from ${name}`).toBe(op)
    }
  })
})
