import { readFileSync, readdirSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, vi } from 'vitest'

// The op modules are layered (ops/index.ts lists them in order): each imports only modules
// below it. An import cycle among them loads fine from index.ts in one order and breaks in
// another (a builder called before its module finished loading), so both checks below look
// at every module on its own.

const here = dirname(fileURLToPath(import.meta.url))

function opModules(dir = here): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name)
    if (e.isDirectory()) return opModules(path)
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : []
  })
}

/** The op modules a module imports (values and types alike), as absolute paths. */
function importsOf(path: string): string[] {
  const source = readFileSync(path, 'utf8')
  const specs = [...source.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.[^']+)'/gm)].map((m) => m[1])
  return specs.map((s) => resolve(dirname(path), s.replace(/\.js$/, '.ts'))).filter((p) => p.startsWith(here))
}

describe('the op modules', () => {
  const modules = opModules()

  it('import one another without a cycle', () => {
    const state = new Map<string, 'open' | 'done'>()
    const visit = (path: string, trail: string[]): void => {
      if (state.get(path) === 'done') return
      if (state.get(path) === 'open') {
        const cycle = [...trail.slice(trail.indexOf(path)), path].map((p) => relative(here, p))
        throw new Error(`import cycle among the op modules: ${cycle.join(' -> ')}; import only from a lower layer (see ops/index.ts).`)
      }
      state.set(path, 'open')
      for (const dep of importsOf(path)) visit(dep, [...trail, path])
      state.set(path, 'done')
    }
    expect(modules.length).toBeGreaterThan(10)
    for (const m of modules) visit(m, [])
  })

  it('export only ops from ops/index.ts (each becomes a method and a free function of the engines)', async () => {
    vi.resetModules()
    const exported = Object.entries(await import('./index.js'))
    expect(exported.length).toBeGreaterThan(50)
    for (const [name, value] of exported) expect(typeof value === 'function' && 'op' in value, `${name} is not an op: keep helpers out of the op modules' exports`).toBe(true)
  })

  it.each(modules.map((m) => [relative(here, m), m]))('%s loads alone, in a fresh module graph', async (_name, path) => {
    vi.resetModules()
    await expect(import(path)).resolves.toBeDefined()
  })
})
