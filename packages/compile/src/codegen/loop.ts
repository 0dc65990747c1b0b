import type { FloatArray } from '@ad/core'
import type { Arg } from '../graph.js'
import type { Node } from '../graph.js'
import { contiguous, reduction, type Group, type Layout, type Plan } from './plan.js'
import { literal, scalarForm, timesUsed } from './scalarExpr.js'
import { loopSlots, type SlotWalk } from './periodic.js'

/** How deep inlined expressions nest before a value gets a const again. */
const INLINE_DEPTH = 16

/** A generated loop: reads and writes arrays `d` and slots `r`. */
export type LoopFn = (d: FloatArray[], r: Float64Array) => void

export interface Loop {
  readonly fn: LoopFn
  /** The generated source, as `explain` prints it. */
  readonly source: string
}

interface Pointer {
  readonly array: string
  readonly strides: number[]
  readonly offset: number
}

/**
 * One fused loop: every member of the group computed per element with the op's scalar
 * function (inlined as an expression where it has one), leaves read through their layouts
 * (broadcasting, slices and expands are strides and offsets), reductions folded as they go.
 * Dims every pointer steps through contiguously are merged, so a row-major chain runs as one
 * flat loop. In float32 each op's result is rounded as the float32 kernels store it.
 */
export function emitLoop(plan: Plan, group: Group): Loop {
  const S = group.shape
  const f32 = group.dtype === 'float32'
  const fround = (e: string) => (f32 ? `Math.fround(${e})` : e)
  // Re-rolled scalar code (codegen/periodic.ts): the first period of members is the body of
  // a loop over the repetitions, unless its slots do not move by constant steps.
  const slots = group.repeat !== undefined ? loopSlots(plan, group) : null
  const repeat = slots !== null ? group.repeat! : undefined
  const members = repeat !== undefined ? group.members.slice(0, repeat.period) : group.members
  const inGroup = new Set(members)
  // A member read once, by a later member of this loop, and kept nowhere is written inside
  // its reader's expression instead of a const of its own: half the source for scalar code.
  const uses = new Map<Node, number>()
  const named = new Set<Node>()
  for (const m of members) {
    if (plan.stored.has(m) || reduction(m) || (m.op!.concat !== undefined && m.op!.scalar === undefined)) named.add(m)
    if (m.op!.concat !== undefined && m.op!.scalar === undefined) for (const a of m.args) named.add(a as Node)
    // Counted as the reader's expression names it: `x * x` reads x twice.
    const f = reduction(m) ? m.op!.reduce!.combine : m.op!.scalar
    m.args.forEach((a, i) => {
      if (typeof a === 'number' || !inGroup.has(a)) return
      const times = f === undefined ? 2 : reduction(m) ? timesUsed(f, 1) : timesUsed(f, i)
      uses.set(a, (uses.get(a) ?? 0) + times)
    })
  }
  const inline = new Map<Node, { expr: string; depth: number }>()
  const fns: ((...xs: number[]) => number)[] = []
  const pre: string[] = []
  const head: string[] = []
  const reads: string[] = []
  const body: string[] = []
  const post: string[] = []
  const pointers: Pointer[] = []
  const folds: Fold[] = []
  const arrayNames = new Map<number, string>()
  const leafNames = new Map<string, string>()
  const slotNames = new Map<number, string>()

  const arrayName = (array: number, writes: boolean): string => {
    let name = arrayNames.get(array)
    if (name === undefined) {
      name = `a${array}`
      arrayNames.set(array, name)
      const spec = plan.arrays[array]
      head.push(spec.kind === 'fresh' && writes ? `const ${name} = d[${array}] = new ${spec.dtype === 'float32' ? 'Float32Array' : 'Float64Array'}(${spec.size})` : `const ${name} = d[${array}]`)
    }
    return name
  }
  /** A pointer stepping through `layout` as the loop walks S (right-aligned: broadcasting). */
  const pointer = (array: string, layout: Layout, strideOf?: (dim: number) => number): number => {
    const lead = S.length - layout.shape.length
    const strides = S.map((_, d) => (strideOf !== undefined ? strideOf(d) : d < lead || layout.shape[d - lead] === 1 ? 0 : layout.strides[d - lead]))
    return pointers.push({ array, strides, offset: layout.offset }) - 1
  }
  /** An element read in place (inside a branch: never hoisted), `strides` over the loop's dims. */
  const readAt = (a: Node, strides: number[], offset: number): string => {
    const loc = plan.loc.get(a)!
    if (loc.kind !== 'array') return readArg(a)
    const k = pointers.push({ array: arrayName(loc.array, false), strides, offset }) - 1
    const at = `${pointers[k].array}[$P${k}]`
    return f32 && loc.dtype !== 'float32' ? `Math.fround(${at})` : at
  }
  /**
   * A value at an affine map of the loop's indices: element `index_j = Σ_d rows[j][d]·i_d +
   * shift[j]` of `a`. Chains recomputed in place (plan.recompute) are inlined as one
   * expression tree; anything else is read through its layout.
   */
  const valueAt = (a: Node, rows: number[][], shift: number[], home = plan.recompute.has(a) ? plan.groupOf.get(a) : undefined): string => {
    if (home !== undefined && plan.groupOf.get(a) === home) {
      const args = a.args.map((x) => {
        if (typeof x === 'number') return fround(literal(x))
        // Broadcasting: x's dims align with a's last ones; a stretched dim reads element 0.
        const lead = a.shape.length - x.shape.length
        const r = x.shape.map((n, j) => (n === 1 && a.shape[j + lead] !== 1 ? S.map(() => 0) : rows[j + lead]))
        const c = x.shape.map((n, j) => (n === 1 && a.shape[j + lead] !== 1 ? 0 : shift[j + lead]))
        return valueAt(x, r, c, home)
      })
      return fround(callOf(a.op!.scalar!, args))
    }
    const loc = plan.loc.get(a)!
    if (loc.kind !== 'array') return readArg(a)
    const st = loc.layout.strides
    const strides = S.map((_, d) => rows.reduce((acc, row, j) => acc + st[j] * row[d], 0))
    const offset = loc.layout.offset + shift.reduce((acc, c, j) => acc + st[j] * c, 0)
    return readAt(a, strides, offset)
  }
  const callOf = (f: (...xs: number[]) => number, args: string[]): string => {
    const form = scalarForm(f)
    if (form.kind === 'expr') return form.emit(args)
    let k = fns.indexOf(f)
    if (k < 0) k = fns.push(f) - 1
    return `f${k}(${args.join(', ')})`
  }
  const readArg = (a: Arg): string => {
    if (typeof a === 'number') return fround(literal(a))
    if (inGroup.has(a)) return inline.get(a)?.expr ?? `v${a.id}`
    const loc = plan.loc.get(a)!
    if (loc.kind === 'literal') return fround(literal(loc.value))
    if (loc.kind === 'slot') {
      let name = slotNames.get(loc.slot)
      if (name === undefined) {
        name = `s${loc.slot}`
        slotNames.set(loc.slot, name)
        const read = `const ${name} = ${f32 && (a.weak || a.dtype !== 'float32') ? `Math.fround(r[${loc.slot}])` : `r[${loc.slot}]`}`
        // Scalar code reads a slot where it is first used (short live ranges in a long body);
        // a loop reads it once, before it starts.
        ;(S.length === 0 ? body : head).push(read)
      }
      return name
    }
    const key = `${loc.array}:${loc.layout.offset}:${loc.layout.shape.join(',')}:${loc.layout.strides.join(',')}`
    let name = leafNames.get(key)
    if (name === undefined) {
      const k = pointer(arrayName(loc.array, false), loc.layout)
      name = `l${k}`
      leafNames.set(key, name)
      const at = `${pointers[k].array}[${'$P' + k}]`
      reads.push(`const ${name} = ${f32 && loc.dtype !== 'float32' ? `Math.fround(${at})` : at}`)
    }
    return name
  }

  /** Template member j's input i in repetition k (re-rolled code), or as it is. */
  const argOf = (j: number, i: number, a: Arg): string => {
    const ref = repeat?.refs[j][i]
    if (ref === undefined || ref.kind === 'same') return readArg(a)
    if (ref.kind === 'carried') return `c${j}_${i}`
    const w = slots!.reads[j][i]!
    const key = `${w.first}:${w.step}`
    let name = walkNames.get(key)
    if (name === undefined) {
      name = `t${walkNames.size}`
      walkNames.set(key, name)
      const at = `r[${slotAt(w)}]`
      body.push(`const ${name} = ${f32 && typeof a !== 'number' && (a.weak || a.dtype !== 'float32') ? `Math.fround(${at})` : at}`)
    }
    return name
  }
  const walkNames = new Map<string, string>()
  // A value carried from the previous repetition: given before the loop, updated at its end.
  const carried: string[] = []
  let loopStart = -1
  if (repeat !== undefined) {
    repeat.refs.forEach((row, j) =>
      row.forEach((ref, i) => {
        if (ref.kind !== 'carried') return
        named.add(members[ref.from])
        body.push(`let c${j}_${i} = ${readArg(members[j].args[i])}`)
        carried.push(`c${j}_${i} = v${members[ref.from].id}`)
      }),
    )
    body.push(`for (let k = 0; k < ${repeat.times}; k++) {`)
    loopStart = body.length
  }
  for (let j = 0; j < members.length; j++) {
    const m = members[j]
    const op = m.op!
    const loc = plan.stored.has(m) ? plan.loc.get(m) : undefined
    if (reduction(m)) {
      const { init, combine, dims } = op.reduce!
      const x = readArg(m.args[0])
      if (m.shape.length === 0) {
        if (loc?.kind !== 'slot') throw new Error(`compile: reduction %${m.id} has no slot`)
        if (S.length === 0) {
          body.push(`const v${m.id} = ${fround(callOf(combine, [literal(init), x]))}`)
          body.push(`r[${loc.slot}] = v${m.id}`)
        } else {
          pre.push(`let acc${m.id} = ${literal(init)}`)
          body.push(`acc${m.id} = ${callOf(combine, [`acc${m.id}`, x])}`)
          post.push(`r[${loc.slot}] = ${fround(`acc${m.id}`)}`)
        }
        continue
      }
      if (loc?.kind !== 'array') throw new Error(`compile: reduction %${m.id} has no buffer`)
      const reduced = new Set(dims(S, m.attrs as never))
      const kept = contiguous(S.filter((_, d) => !reduced.has(d)))
      const keptIndex = S.map((_, d) => S.slice(0, d).filter((_, e) => !reduced.has(e)).length)
      const out = arrayName(loc.array, true)
      const k = pointer(out, loc.layout, (d) => (reduced.has(d) ? 0 : kept.strides[keptIndex[d]]))
      pre.push(`${out}.fill(${literal(init)})`)
      const acc = `acc${m.id}`
      folds.push({
        pointer: k,
        acc,
        inRegister: `${acc} = ${fround(callOf(combine, [acc, x]))}`,
        inMemory: `${out}[$P${k}] = ${callOf(combine, [`${out}[$P${k}]`, x])}`,
        load: `let ${acc} = ${out}[$P${k}]`,
        store: `${out}[$P${k}] = ${acc}`,
      })
      body.push(`$F${folds.length - 1}`)
      continue
    }
    if (op.concat !== undefined && op.scalar === undefined) {
      // Inputs side by side along dim D: a position reads the input whose block holds it.
      const parts = m.args as Node[]
      const D = op.concat(parts.map((p) => p.shape), m.attrs as never)
      const identity = S.map((_, j) => S.map((__, d) => (d === j ? 1 : 0)))
      const q = pointers.push({ array: '', strides: S.map((_, d) => (d === D ? 1 : 0)), offset: 0 }) - 1
      let at = 0
      const pieces = parts.filter((p) => p.shape[D] > 0).map((p) => {
        at += p.shape[D]
        return { end: at, value: inGroup.has(p) ? `v${p.id}` : valueAt(p, identity, S.map((_, d) => (d === D ? p.shape[D] - at : 0))) }
      })
      const chain = pieces.map((p, k) => (k === pieces.length - 1 ? p.value : `$P${q} < ${p.end} ? ${p.value} : `)).join('')
      body.push(`const v${m.id} = ${fround(chain)}`)
    } else {
      const args = m.args.map((a, i) => argOf(j, i, a))
      const expr = fround(callOf(op.scalar!, args))
      const depth = 1 + Math.max(0, ...m.args.map((a) => (typeof a === 'number' ? 0 : inline.get(a)?.depth ?? 0)))
      if (uses.get(m) === 1 && !named.has(m) && depth <= INLINE_DEPTH) {
        inline.set(m, { expr, depth })
        continue
      }
      body.push(`const v${m.id} = ${expr}`)
    }
    const w = slots?.writes[j]
    if (w != null) body.push(`r[${slotAt(w)}] = v${m.id}`)
    else if (loc?.kind === 'slot') body.push(`r[${loc.slot}] = v${m.id}`)
    else if (loc?.kind === 'array') {
      const k = pointer(arrayName(loc.array, true), contiguous(m.shape))
      body.push(`${pointers[k].array}[$P${k}] = v${m.id}`)
    }
  }

  if (repeat !== undefined) {
    body.push(...carried)
    for (let i = loopStart; i < body.length; i++) body[i] = `  ${body[i]}`
    body.push('}')
  }
  const source = assemble(S, pointers, [...head, ...pre], [...reads, ...body], post, folds)
  const factory = new Function('F', `${fns.map((_, k) => `const f${k} = F[${k}]`).join('\n')}\nreturn function loop(d, r) {\n${source}\n}`) as (
    F: typeof fns,
  ) => LoopFn
  return { fn: factory(fns), source }
}

/** Slot `first + step·k` of a re-rolled loop's repetition k, as source. */
function slotAt(w: SlotWalk): string {
  if (w.step === 0) return String(w.first)
  const k = Math.abs(w.step) === 1 ? 'k' : `${Math.abs(w.step)} * k`
  return w.step > 0 ? (w.first === 0 ? k : `${w.first} + ${k}`) : `${w.first} - ${k}`
}

/** The loop nest over S with dims merged, pointers advanced per level; `$Pk` in the body is pointer k's index. */
/**
 * A reduction into an array (`$Fi` in the body): folded in memory, or, when its element stays
 * the same through the innermost loop (the reduced dims are innermost), in a local loaded
 * before that loop and stored after it.
 */
interface Fold {
  readonly pointer: number
  readonly acc: string
  readonly inRegister: string
  readonly inMemory: string
  readonly load: string
  readonly store: string
}

function assemble(S: readonly number[], pointers: readonly Pointer[], before: string[], body: string[], after: string[], folds: readonly Fold[]): string {
  // Drop dims of size 1, then merge neighbours every pointer walks contiguously.
  const dims: { n: number; strides: number[] }[] = []
  S.forEach((n, d) => {
    if (n !== 1) dims.push({ n, strides: pointers.map((p) => p.strides[d]) })
  })
  for (let d = dims.length - 2; d >= 0; d--) {
    const a = dims[d]
    const b = dims[d + 1]
    if (a.strides.every((s, k) => s === b.strides[k] * b.n)) {
      dims.splice(d, 2, { n: a.n * b.n, strides: b.strides })
    }
  }
  const size = S.reduce((p, n) => p * n, 1)
  const lines = [...before]
  if (size === 0) return [...lines, ...after].join('\n')
  const R = dims.length
  // Pointers that step alike at every level share one counter: the others are it plus a
  // constant (slices of one array read at neighbouring offsets cost no extra increments).
  const classKey = (k: number) => dims.map((d) => d.strides[k]).join(',')
  const leader = new Map<string, number>()
  const rep = pointers.map((_, k) => {
    const key = classKey(k)
    if (!leader.has(key)) leader.set(key, k)
    return leader.get(key)!
  })
  const leaders = pointers.map((_, k) => k).filter((k) => rep[k] === k)
  const ptr = (level: number, k: number) => (level === 0 ? String(pointers[k].offset) : `p${level}_${k}`)
  const at = (k: number) => {
    const shift = pointers[k].offset - pointers[rep[k]].offset
    return shift === 0 ? ptr(R, rep[k]) : `${ptr(R, rep[k])} ${shift < 0 ? '-' : '+'} ${Math.abs(shift)}`
  }
  const indent = (n: number) => '  '.repeat(n)
  const place = (line: string) => line.replace(/\$P(\d+)/g, (_, k: string) => at(Number(k)))
  const inRegister = folds.map((f) => R > 0 && dims[R - 1].strides[f.pointer] === 0)
  for (let level = 0; level < R; level++) {
    for (const k of leaders) lines.push(`${indent(level)}let p${level + 1}_${k} = ${ptr(level, k)}`)
    if (level === R - 1) folds.forEach((f, i) => inRegister[i] && lines.push(indent(level) + place(f.load)))
    lines.push(`${indent(level)}for (let i${level} = 0; i${level} < ${dims[level].n}; i${level}++) {`)
  }
  const fold = (line: string) => line.replace(/^\$F(\d+)$/, (_, i: string) => (inRegister[Number(i)] ? folds[Number(i)].inRegister : folds[Number(i)].inMemory))
  if (pointers.length === 0) lines.push(...body)
  else for (const line of body) lines.push(indent(R) + place(fold(line)))
  for (let level = R - 1; level >= 0; level--) {
    for (const k of leaders) {
      const s = dims[level].strides[k]
      if (s !== 0) lines.push(`${indent(level + 1)}p${level + 1}_${k} += ${s}`)
    }
    lines.push(`${indent(level)}}`)
    if (level === R - 1) folds.forEach((f, i) => inRegister[i] && lines.push(indent(level) + place(f.store)))
  }
  return [...lines, ...after].join('\n')
}
