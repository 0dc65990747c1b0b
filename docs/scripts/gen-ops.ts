// Writes docs/reference/ops.md from the op registry (run before every docs build).
import { writeFileSync, mkdirSync } from 'node:fs'
import { opsPage } from './ops-page.js'

const out = new URL('../reference/ops.md', import.meta.url)
mkdirSync(new URL('.', out), { recursive: true })
writeFileSync(out, opsPage())
console.log(`wrote ${out.pathname}`)
