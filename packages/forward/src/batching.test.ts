import { describe, expect, it } from 'vitest'
import { mulberry32, structureMatrices, tensor, Tensor, type Draw, type Op, type Value } from './index.js'
import { apply, listOps } from '@ad/core/internal'
import { jacfwd, jvp } from './index.js'

/**
 * The engine runs JVP rules on batched tangents (a leading chunk dim) without knowing any
 * op. For every registered op, at points drawn from its domain, each column of the chunked
 * Jacobian must equal an unbatched jvp along that unit direction. No per-op code: a new op
 * is checked as soon as it is registered.
 */

function seededDraw(seed: number): Draw {
  const next = mulberry32(seed)
  return {
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    bool: () => next() < 0.5,
    pick: (items) => items[Math.floor(next() * items.length)],
  }
}

function sample(op: Op, seed: number): { args: Tensor[]; diff: number[]; attrs: object } {
  const draw = seededDraw(seed)
  const s = op.domain(draw)
  const next = mulberry32(seed + 1)
  const args = s.args.map((arg) => {
    const { shape, values: d } = arg
    const n = shape.reduce((p, x) => p * x, 1)
    const data = new Float64Array(n)
    for (let i = 0; i < n; i++) {
      const v = d.min + next() * (d.max - d.min)
      data[i] = d.integer ? Math.round(v) : v
    }
    const diag = arg.diagonal ?? d
    structureMatrices(arg, data, () => diag.min + next() * (diag.max - diag.min))
    return tensor(data, { shape })
  })
  const diff = s.args.flatMap((a, i) => (a.values.constant || op.constantArgs?.includes(i) ? [] : [i]))
  return { args, diff, attrs: op.parseAttrs(s.attrs) }
}

function flat(v: unknown): number[] {
  return typeof v === 'number' ? [v] : Array.from((v as Tensor).contiguousData())
}

const same = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || Math.abs(a - b) <= 1e-12 * (1 + Math.abs(b))

describe('batched tangents agree with one tangent at a time, for every registered op', () => {
  const ops = listOps().filter((op) => op.jvp !== undefined)
  it.each(ops.map((op) => [op.name, op] as const))('%s', (_name, op) => {
    for (let seed = 1; seed <= 4; seed++) {
      const { args, diff, attrs } = sample(op, seed * 7919)
      if (diff.length === 0) continue
      const f = (...xs: Value[]) => {
        const all: Value[] = [...args]
        diff.forEach((i, j) => (all[i] = xs[j]))
        return apply(op, all, attrs)
      }
      const primals = diff.map((i) => args[i])
      const blocks = jacfwd(f, { argnums: diff.map((_, j) => j) })(...primals) as unknown[]
      const outSize = flat(f(...primals)).length
      diff.forEach((_, j) => {
        const J = flat(blocks[j])
        const n = primals[j].size
        expect(J.length).toBe(outSize * n)
        for (let e = 0; e < n; e++) {
          const tangents = primals.map((p, jj) => {
            const t = new Float64Array(p.size)
            if (jj === j) t[e] = 1
            return tensor(t, { shape: [...p.shape] })
          })
          const column = flat(jvp(f, primals, tangents)[1])
          for (let o = 0; o < outSize; o++) {
            if (!same(J[o * n + e], column[o])) {
              throw new Error(`${op.name} (seed ${seed}): J[${o}, arg ${j} elt ${e}] = ${J[o * n + e]}, jvp gives ${column[o]}`)
            }
          }
        }
      })
    }
  })
})
