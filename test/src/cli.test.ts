// The commands end to end, as `pnpm crosscheck`, `pnpm cases` and `pnpm edges` run them (tsx with the
// "source" condition), on small inputs: exit codes, the per-case lines and the last line.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, test } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const scratch = mkdtempSync(join(tmpdir(), 'ad-cases-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function run(script: string, args: string[]): { status: number | null; stdout: string } {
  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', `test/src/cli/${script}.ts`, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, INIT_CWD: scratch },
  })
  return { status: result.status, stdout: result.stdout + result.stderr }
}

const scalar = (v: number) => ({ shape: [], data: [v] })
const sinCase = (id: string, value: number) => ({
  id,
  inputs: { x: scalar(0.5) },
  expr: { op: 'sin', args: [{ var: 'x' }] },
  value: scalar(value),
  grads: { x: scalar(Math.cos(0.5)) },
  rtol: 1e-12,
  atol: 0,
})

describe('pnpm cases', () => {
  test('prints each failing case and "N passed, N failed", exits 1 on a failure', () => {
    const cases = [
      sinCase('good', Math.sin(0.5)),
      sinCase('wrong-value', Math.sin(0.5) + 1e-3),
      { ...sinCase('unknown-op', 0), expr: { op: 'sine', args: [{ var: 'x' }] } },
      { ...sinCase('with-hessian', Math.sin(0.5)), hessian: { wrt: 'x', shape: [1, 1], data: [-Math.sin(0.5)] } },
    ]
    writeFileSync(join(scratch, 'cases.json'), JSON.stringify({ format: 'ad-cases/1', cases }))
    // A relative path: resolved against where pnpm was run (INIT_CWD), here the scratch dir.
    const { status, stdout } = run('cases', ['--skip-hessian', 'cases.json'])
    const lines = stdout.trim().split('\n')
    expect(lines.filter((l) => l.startsWith('FAIL')).map((l) => l.split(':')[0])).toEqual(['FAIL wrong-value', 'FAIL unknown-op'])
    expect(stdout).toMatch(/FAIL wrong-value: value \(reverse\): max error 1\.00e-3/)
    expect(stdout).toMatch(/left out the Hessians of 1 case/)
    expect(lines.at(-1)).toBe('2 passed, 2 failed')
    expect(status).toBe(1)
  })

  test('exits 0 when every case passes', () => {
    writeFileSync(join(scratch, 'good.json'), JSON.stringify({ format: 'ad-cases/1', cases: [sinCase('good', Math.sin(0.5))] }))
    const { status, stdout } = run('cases', ['good.json'])
    expect(stdout.trim().split('\n').at(-1)).toBe('1 passed, 0 failed')
    expect(status).toBe(0)
  })
})

describe('pnpm crosscheck', () => {
  test('prints a row per op and a summary; exit 0 when all pass', () => {
    const { status, stdout } = run('crosscheck', ['--seed', '7', '--runs', '5', '--op', 'sin', '--op', 'gt'])
    // op, the metric columns, then points, milliseconds and status.
    expect(stdout).toMatch(/^sin(\s+\S+)+\s+5\s+\d+\s+ok$/m)
    expect(stdout).toMatch(/^gt \(n\.d\.\)\s+—\s+—\s+—/m)
    expect(stdout).toMatch(/2 ops \(1 differentiable\), 10 points, seed 7/)
    expect(status).toBe(0)
  })

  test('rejects an unknown op', () => {
    expect(run('crosscheck', ['--op', 'sine']).status).toBe(2)
  })
})

describe('pnpm edges', () => {
  test('--check: exit 0 when docs/edges.md is what the registry gives and every edge matches PyTorch', () => {
    const { status, stdout } = run('edges', ['--check'])
    expect(stdout).toMatch(/docs\/edges\.md is up to date/)
    expect(stdout).not.toMatch(/DIFFERS FROM PYTORCH/)
    expect(status).toBe(0)
  })
})
