// The edge-case table (docs/edges.md), generated from the registry: for each op's declared
// `edges`, both engines differentiate sum(op(...args)) at the point, and the table shows
// what they return next to PyTorch's gradient and the declared note. `pnpm edges` writes it;
// edges.test.ts fails when the file is stale or an engine departs from PyTorch.
import { fileURLToPath } from 'node:url'
import { sum, tensor, type Edge, type NestedArray, type Op } from '@ad/core'
import { apply, listOps } from '@ad/core/internal'
import * as forward from '@ad/forward'
import * as reverse from '@ad/reverse'
import { dense } from '@ad/check/harness'

/** Where the table lives. */
export const EDGES_FILE = fileURLToPath(new URL('../../docs/edges.md', import.meta.url))

/** Gradients, one per differentiated argument, as nested arrays (numbers for 0-dim). */
export type Grads = NestedArray[]

export interface EdgeRow {
  op: string
  edge: Edge
  /** The arguments differentiated (all but the op's constant ones, unless the edge says). */
  wrt: number[]
  forward?: Grads
  reverse?: Grads
}

/**
 * A function whose gradient at a point is decided by the edges of the ops in it, with
 * PyTorch's answer in each mode: torch.autograd (reverse) and torch.func.jvp (forward),
 * which JAX's grad and jvp match.
 */
export interface Composition {
  expr: string
  at: number
  f: (m: typeof forward | typeof reverse) => (x: any) => unknown
  torch: { forward: number; reverse: number }
  note: string
}

export const COMPOSITIONS: Composition[] = [
  {
    expr: 'where(gt(x, 0), sqrt(x), 0)',
    at: -1,
    f: (m) => (x: any) => m.where(m.gt(x, 0), m.sqrt(x), 0),
    torch: { forward: 0, reverse: NaN },
    note:
      "reverse: the exact 0 sent to sqrt's branch meets sqrt'(−1) = NaN, and 0·NaN = NaN; forward: " +
      "where's tangent picks the other branch's 0",
  },
  {
    expr: 'where(gt(x, 0), sqrt(where(gt(x, 0), x, 1)), 0)',
    at: -1,
    f: (m) => (x: any) => m.where(m.gt(x, 0), m.sqrt(m.where(m.gt(x, 0), x, 1)), 0),
    torch: { forward: 0, reverse: 0 },
    note: 'the double where: the branch not taken computes sqrt(1), whose derivative is finite, so the 0 stays 0',
  },
]

/** The value read back from an engine: nested arrays, or a number for a 0-dim result. */
function plain(v: unknown, what: string): NestedArray {
  const d = dense(v, what)
  return d.shape.length === 0 ? d.data[0] : tensor(d.data, { shape: [...d.shape] }).tolist()
}

function wrtOf(op: Op, edge: Edge): number[] {
  if (edge.wrt !== undefined) return [...edge.wrt]
  return edge.args!.map((_, i) => i).filter((i) => !(op.constantArgs ?? []).includes(i))
}

/** Both engines' gradients of sum(op(...args, attrs)) w.r.t. `wrt`, the other arguments constants. */
function gradients(op: Op, edge: Edge, wrt: number[], engine: typeof forward | typeof reverse): Grads {
  const attrs = op.parseAttrs(edge.attrs ?? {})
  const args = edge.args!.map((a) => tensor(a))
  const f = (...xs: unknown[]) => {
    const all = args.map((a, i) => (wrt.includes(i) ? xs[wrt.indexOf(i)] : a))
    return sum(apply(op, all, attrs))
  }
  const grads = engine.grad(f, { argnums: wrt.map((_, k) => k) })(...wrt.map((i) => args[i])) as unknown[]
  return grads.map((g, k) => plain(g, `${op.name}'s gradient ${k}`))
}

/** Every declared edge of every registered op, with both engines' gradients where it has a point. */
export function edgeRows(): EdgeRow[] {
  const rows: EdgeRow[] = []
  for (const op of listOps()) {
    for (const edge of op.edges ?? []) {
      if (edge.args === undefined) {
        rows.push({ op: op.name, edge, wrt: [] })
        continue
      }
      const wrt = wrtOf(op, edge)
      rows.push({ op: op.name, edge, wrt, forward: gradients(op, edge, wrt, forward), reverse: gradients(op, edge, wrt, reverse) })
    }
  }
  return rows
}

export interface CompositionRow extends Composition {
  forward: number
  reverse: number
}

export function compositionRows(): CompositionRow[] {
  return COMPOSITIONS.map((c) => ({
    ...c,
    forward: plain(forward.grad(c.f(forward))(c.at), `forward's gradient of ${c.expr}`) as number,
    reverse: plain(reverse.grad(c.f(reverse))(tensor(c.at)), `reverse's gradient of ${c.expr}`) as number,
  }))
}

/** Whether two results are the same: equal numbers, both NaN, same infinities, same nesting. */
export function same(a: NestedArray | undefined, b: NestedArray | undefined): boolean {
  if (typeof a === 'number' || typeof b === 'number') return typeof a === 'number' && typeof b === 'number' && Object.is(a + 0, b + 0)
  if (a === undefined || b === undefined) return a === b
  return a.length === b.length && a.every((x, i) => same(x, b[i]))
}

export function sameGrads(a: Grads | undefined, b: readonly NestedArray[] | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((g, i) => same(g, b[i]))
}

function num(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return '+inf'
  if (x === -Infinity) return '−inf'
  return x < 0 ? `−${-x}` : String(x)
}

function value(v: NestedArray): string {
  return typeof v === 'number' ? num(v) : `[${v.map(value).join(', ')}]`
}

/** Gradients as a tuple when there are several (one per differentiated argument). */
function grads(g: readonly NestedArray[] | undefined): string {
  if (g === undefined) return '—'
  const parts = g.map(value)
  return parts.length === 1 ? parts[0] : `(${parts.join(', ')})`
}

function point(op: string, edge: Edge, wrt: number[]): string {
  if (edge.args === undefined) return '—'
  const args = edge.args.map((a, i) => (wrt.includes(i) ? value(a) : `${value(a)}*`))
  const attrs = Object.entries(edge.attrs ?? {}).map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : num(v as number)}`)
  return `${op}(${[...args, ...(attrs.length > 0 ? [`{ ${attrs.join(', ')} }`] : [])].join(', ')})`
}

const cell = (s: string) => s.replace(/\|/g, '\\|')

/** docs/edges.md, from the rows: deterministic (no timings, registry order). */
export function renderEdges(rows: readonly EdgeRow[], compositions: readonly CompositionRow[]): string {
  const lines = [
    '# Gradients at the edges',
    '',
    '<!-- Generated by `pnpm edges` from the op registry (each op\'s `edges`); edit the declarations, not this file. -->',
    '',
    'Where a derivative is a convention rather than a limit (a kink, a tie, a bound, a pole), `ad`',
    'follows PyTorch. Each row is an edge declared next to its op in `@ad/core`; the forward and',
    'reverse columns are computed by running both engines at the point (the gradient of',
    '`sum(op(...))` with respect to each differentiated argument, a tuple when there are several;',
    'arguments marked `*` are constants), the PyTorch column is `torch.autograd`\'s answer, and a',
    'test keeps all three equal. Rows without a point are notes on the op as a whole.',
    '',
    '| op | point | forward | reverse | PyTorch | note |',
    '| --- | --- | --- | --- | --- | --- |',
  ]
  for (const r of rows) {
    lines.push(`| \`${r.op}\` | ${cell(point(r.op, r.edge, r.wrt))} | ${grads(r.forward)} | ${grads(r.reverse)} | ${grads(r.edge.torch)} | ${cell(r.edge.note)} |`)
  }
  lines.push(
    '',
    '## Through `where`',
    '',
    '`where` sends an exact 0 to the branch not taken, but that 0 then flows back through',
    'whatever computed the branch, and IEEE arithmetic keeps a NaN there a NaN (0·NaN = NaN),',
    'as in PyTorch and JAX. Forward mode differs: the tangent of `where` is `where(c, ṫa, ṫb)`,',
    'which drops the NaN (as `torch.func.jvp` and `jax.jvp` do). The double `where` makes the',
    "unsafe branch's input safe where it is not taken (see `where`'s doc comment).",
    '',
    '| function | x | forward | reverse | PyTorch (jvp / autograd) | note |',
    '| --- | --- | --- | --- | --- | --- |',
  )
  for (const c of compositions) {
    lines.push(`| \`${c.expr}\` | ${num(c.at)} | ${num(c.forward)} | ${num(c.reverse)} | ${num(c.torch.forward)} / ${num(c.torch.reverse)} | ${cell(c.note)} |`)
  }
  lines.push('')
  return lines.join('\n')
}

/** The file as it should be now. */
export function generateEdges(): { text: string; rows: EdgeRow[]; compositions: CompositionRow[] } {
  const rows = edgeRows()
  const compositions = compositionRows()
  return { text: renderEdges(rows, compositions), rows, compositions }
}
