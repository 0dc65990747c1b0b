import { readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The docs package's folder. */
export const docsRoot = fileURLToPath(new URL('..', import.meta.url))

const skipped = new Set(['node_modules', '.vitepress', 'scripts', 'test', 'playground', 'api'])

/** Every markdown page of the site written by hand (the generated API pages hold no runnable code), relative to docs/. */
export function pages(dir = docsRoot): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || skipped.has(entry.name)) continue
    const path = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...pages(path))
    else if (entry.name.endsWith('.md') && entry.name !== 'README.md') out.push(relative(docsRoot, path))
  }
  return out.sort()
}
