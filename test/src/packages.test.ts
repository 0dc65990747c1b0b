import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The packages as people install them. Each is packed with `pnpm pack` (which rewrites
// workspace:* and catalog: versions), checked by publint and arethetypeswrong, then every
// tarball is installed with npm into an empty folder outside the workspace, offline: the
// dependencies from npm (fast-check for @ad/check) are packed from the workspace's own copy.
// There, each README's example runs as an ES module, and `tsc --noEmit` checks a typed
// consumer (test/pack/consumer.ts). Needs `pnpm build` first, as `pnpm test` does.
//
// A new package: add its folder to PACKAGES; give it a README with an install line and an
// example (the first ```ts block after it runs as plain JavaScript), and import it in
// test/pack/consumer.ts.
const PACKAGES = ['core', 'forward', 'reverse', 'check', 'compile', 'nn']

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const pnpm = process.env.npm_execpath?.includes('pnpm') ? [process.execPath, process.env.npm_execpath] : ['npx', '-y', 'pnpm@10.34.9']
const run = (cmd: string[], cwd: string) => execFileSync(cmd[0], cmd.slice(1), { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

interface Manifest {
  name: string
  version: string
  description?: string
  keywords?: string[]
  repository?: { url?: string; directory?: string }
  license?: string
  sideEffects?: unknown
  dependencies?: Record<string, string>
}
const manifest = (dir: string): Manifest => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))

let work = ''
const tarballs = new Map<string, string>() // package folder → tarball path

/** Folders of the npm dependencies of the @ad packages, transitively, as the workspace installed them. */
function externalDependencies(): string[] {
  const found = new Map<string, string>()
  const visit = (dir: string) => {
    const require = createRequire(join(dir, 'package.json'))
    for (const name of Object.keys(manifest(dir).dependencies ?? {})) {
      if (name.startsWith('@ad/') || found.has(name)) continue
      const depDir = dirname(require.resolve(`${name}/package.json`))
      found.set(name, depDir)
      visit(depDir)
    }
  }
  for (const p of PACKAGES) visit(join(root, 'packages', p))
  return [...found.values()]
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ad-packages-'))
  const packed = join(work, 'tarballs')
  mkdirSync(packed)
  for (const p of PACKAGES) {
    const before = new Set(readdirSync(packed))
    run([...pnpm, 'pack', '--pack-destination', packed], join(root, 'packages', p))
    const made = readdirSync(packed).filter((f) => !before.has(f))
    expect(made, `pnpm pack of packages/${p}`).toHaveLength(1)
    tarballs.set(p, join(packed, made[0]))
  }
  // As npm pack would, but of the installed copy, which already holds only the published
  // files (npm pack refuses packages whose devEngines name another package manager).
  for (const dir of externalDependencies()) {
    const { name, version } = manifest(dir)
    run(['tar', '-czf', join(packed, `${name.replace('/', '-')}-${version}.tgz`), '-C', dir, '--transform', 's,^\\.,package,', '.'], work)
  }
}, 120_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe.each(PACKAGES)('packages/%s', (p) => {
  const dir = join(root, 'packages', p)

  it('has a README with an example, and the metadata a registry shows', () => {
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/```sh\nnpm install @ad\/[a-z]+\n```/)
    const m = manifest(dir)
    expect(m.description?.length).toBeGreaterThan(20)
    expect(m.keywords?.length).toBeGreaterThan(2)
    expect(m.repository?.directory).toBe(`packages/${p}`)
    expect(m.license).toBe('MIT')
    // Importing a module registers its ops: a bundler must never drop one as unused.
    expect(m.sideEffects).toBeUndefined()
  })

  it('passes publint', async () => {
    const tarball = readFileSync(tarballs.get(p)!)
    const { messages, pkg } = await publint({ pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) }, level: 'suggestion', strict: true })
    expect(messages.map((msg) => formatMessage(msg, pkg))).toEqual([])
  })

  it('passes arethetypeswrong (ESM only: node16 from ESM, and bundlers)', async () => {
    const pkg = createPackageFromTarballData(new Uint8Array(readFileSync(tarballs.get(p)!)))
    const result = await checkPackage(pkg)
    expect(result.types).not.toBe(false)
    // The packages are ESM only, as SPEC says: require() from CommonJS and node10's resolution are out of scope.
    const problems = 'problems' in result ? result.problems.filter((x) => !('resolutionKind' in x) || (x.resolutionKind !== 'node10' && x.resolutionKind !== 'node16-cjs')) : []
    expect(problems).toEqual([])
  })
})

describe('installed from the tarballs, outside the workspace', () => {
  let consumer = ''
  beforeAll(() => {
    consumer = join(work, 'consumer')
    mkdirSync(consumer)
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
    const all = readdirSync(join(work, 'tarballs')).map((f) => join(work, 'tarballs', f))
    run(['npm', 'install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...all], consumer)
  }, 120_000)

  it.each(PACKAGES)("runs @ad/%s's README example as an ES module", (p) => {
    const readme = readFileSync(join(root, 'packages', p, 'README.md'), 'utf8')
    const example = /```sh\n[^`]*```[^`]*```ts\n([^`]*)```/.exec(readme)?.[1]
    expect(example, 'a ```ts block after the install line').toBeDefined()
    const file = join(consumer, `readme-${p}.mjs`)
    writeFileSync(file, example!)
    expect(() => run([process.execPath, file], consumer)).not.toThrow()
  })

  it('type-checks a typed consumer against the published .d.ts files', () => {
    copyFileSync(join(root, 'test/pack/consumer.ts'), join(consumer, 'consumer.ts'))
    const tsconfig = { compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: false, types: [] }, files: ['consumer.ts'] }
    writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify(tsconfig))
    const tsc = join(root, 'node_modules/typescript/bin/tsc')
    expect(existsSync(tsc)).toBe(true)
    let output = ''
    try {
      run([process.execPath, tsc, '-p', consumer], consumer)
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e)
    }
    // Errors inside third-party declaration files are theirs (skipLibCheck for them alone);
    // ours, in node_modules/@ad, and the consumer's must be none.
    const errors = output.split('\n').filter((line) => line.trim() !== '' && (!line.startsWith('node_modules/') || line.startsWith('node_modules/@ad/')))
    expect(errors).toEqual([])
  })
})
