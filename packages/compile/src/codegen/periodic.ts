import { isNode, type Arg, type Node } from '../graph.js'
import { fusible, reduction, type Group, type Plan } from './plan.js'

/**
 * Re-rolling scalar code. Traced scalar code (one op per number, as a loop over an array of
 * numbers unrolled by tracing) is long straight-line code that V8 takes seconds to optimise.
 * Where P consecutive members repeat R times (member j + P is the same op as member j, and
 * each of its inputs is member j's input shifted by one constant per position), the run is
 * emitted as one `for` loop over the R repetitions instead of R copies: the same operations
 * in the same order, so the same numbers.
 *
 * Periods are found by a general scan: from each position, the distances to the next
 * members with the same op are tried as periods, each is verified repetition by repetition,
 * and the longest run wins. Nothing here knows an op or a workload.
 */

/** A periodic run of a scalar group's members: `times` repetitions of `period` members. */
export interface Run {
  readonly start: number
  readonly period: number
  readonly times: number
}

/** How one input of template member j reads in repetition k. */
export type Ref =
  /** The same for every k: a number, a value made before the loop, or a member of the same repetition. */
  | { readonly kind: 'same' }
  /** Member `from` of the previous repetition (the value given for k = 0 before the loop). */
  | { readonly kind: 'carried'; readonly from: number }
  /** A value in a slot that moves by a constant per repetition (checked against the slots). */
  | { readonly kind: 'slot' }

/** The smallest run worth a loop: shorter ones stay straight-line code. */
const MIN_TIMES = 3
const MIN_MEMBERS = 12
/** How far ahead the scan looks for a member with the same op (the longest period tried). */
const MAX_PERIOD = 256
/** How many candidate periods are tried from one position. */
const MAX_CANDIDATES = 24

/** The periodic runs of `members`, in order, not overlapping. */
export function findRuns(members: readonly Node[]): Run[] {
  const pos = new Map<Node, number>()
  members.forEach((m, i) => pos.set(m, i))
  const runs: Run[] = []
  let i = 0
  while (i < members.length) {
    let best: Run | null = null
    if (fusible(members[i])) {
      let tried = 0
      for (let q = i + 1; q < members.length && q - i <= MAX_PERIOD && tried < MAX_CANDIDATES; q++) {
        if (members[q].op !== members[i].op) continue
        tried++
        const period = q - i
        const times = repetitions(members, pos, i, period)
        if (times >= MIN_TIMES && times * period >= MIN_MEMBERS && (best === null || times * period > best.times * best.period)) {
          best = { start: i, period, times }
        }
      }
    }
    if (best === null) i++
    else {
      runs.push(best)
      i += best.times * best.period
    }
  }
  return runs
}

/** Two equal numbers (a literal input) shift by this: no shift of a value can equal it. */
const SAME_NUMBER = Number.MAX_SAFE_INTEGER

/**
 * How an argument moves from one repetition to the next, as one number (compared, never
 * stored): members by position (even codes), other values by id (odd codes); NaN when the
 * two cannot be the same input shifted.
 */
function shift(pos: Map<Node, number>, x: Arg, y: Arg): number {
  if (typeof x === 'number' || typeof y === 'number') return typeof x === 'number' && typeof y === 'number' && Object.is(x, y) ? SAME_NUMBER : NaN
  if (x.dtype !== y.dtype || x.weak !== y.weak) return NaN
  const px = pos.get(x)
  const py = pos.get(y)
  if (px !== undefined && py !== undefined) return 2 * (py - px)
  if (px === undefined && py === undefined) return 2 * (y.id - x.id) + 1
  return NaN
}

/** How many times the `period` members from `start` repeat with constant shifts (1 when they do not). */
function repetitions(members: readonly Node[], pos: Map<Node, number>, start: number, period: number): number {
  if (start + 2 * period > members.length) return 1
  const shifts: number[][] = []
  for (let j = 0; j < period; j++) {
    const a = members[start + j]
    const b = members[start + period + j]
    if (!fusible(a) || a.op !== b.op || a.args.length !== b.args.length || a.dtype !== b.dtype || a.weak !== b.weak) return 1
    const s = a.args.map((x, k) => shift(pos, x, b.args[k]))
    if (s.some(Number.isNaN)) return 1
    shifts.push(s)
  }
  let times = 2
  for (; start + (times + 1) * period <= members.length; times++) {
    const base = start + times * period
    for (let j = 0; j < period; j++) {
      const a = members[base - period + j]
      const b = members[base + j]
      if (a.op !== b.op || a.args.length !== b.args.length || a.dtype !== b.dtype || a.weak !== b.weak) return times
      for (let k = 0; k < a.args.length; k++) if (shift(pos, a.args[k], b.args[k]) !== shifts[j][k]) return times
    }
  }
  return times
}

/**
 * How each input of the template (the first `period` members of a run's own group) reads
 * in repetition k, or null when some input follows none of the patterns.
 */
export function classify(members: readonly Node[], period: number, times: number): Ref[][] | null {
  const pos = new Map<Node, number>()
  members.forEach((m, i) => pos.set(m, i))
  const refs: Ref[][] = []
  for (let j = 0; j < period; j++) {
    const row: Ref[] = []
    const m = members[j]
    for (let i = 0; i < m.args.length; i++) {
      const at = (k: number): Arg => members[k * period + j].args[i]
      const a0 = at(0)
      const every = (f: (k: number) => boolean, from = 0): boolean => {
        for (let k = from; k < times; k++) if (!f(k)) return false
        return true
      }
      if (typeof a0 === 'number') {
        if (!every((k) => Object.is(at(k), a0))) return null
        row.push({ kind: 'same' })
        continue
      }
      const p0 = pos.get(a0)
      if (p0 !== undefined && p0 < j && every((k) => at(k) === members[k * period + p0])) {
        row.push({ kind: 'same' })
        continue
      }
      const a1 = at(1)
      const p1 = isNode(a1) ? pos.get(a1) : undefined
      if (p0 === undefined && p1 !== undefined && p1 < period && every((k) => at(k) === members[(k - 1) * period + p1], 1)) {
        row.push({ kind: 'carried', from: p1 })
        continue
      }
      if (p0 === undefined && every((k) => at(k) === a0)) {
        row.push({ kind: 'same' })
        continue
      }
      // Read through slots: number inputs, and scalar members and reductions (kept in slots
      // when read elsewhere). Constants and kernel results live elsewhere: no loop.
      if (!every((k) => inSlot(at(k)))) return null
      row.push({ kind: 'slot' })
    }
    refs.push(row)
  }
  return refs
}

/**
 * The members of a run that must be kept in slots for its loop: those read through a slot
 * by another repetition, and, per template position, every repetition of a position any
 * repetition keeps (the loop writes the same slots pattern in every repetition).
 */
export function runStores(members: readonly Node[], period: number, times: number, refs: Ref[][], stored: Set<Node>): void {
  const inRun = new Set(members)
  for (let j = 0; j < period; j++) {
    refs[j].forEach((ref, i) => {
      if (ref.kind !== 'slot') return
      for (let k = 0; k < times; k++) {
        const a = members[k * period + j].args[i]
        if (isNode(a) && inRun.has(a)) stored.add(a)
      }
    })
  }
  for (let j = 0; j < period; j++) {
    let any = false
    for (let k = 0; k < times && !any; k++) any = stored.has(members[k * period + j])
    if (any) for (let k = 0; k < times; k++) stored.add(members[k * period + j])
  }
}

function inSlot(a: Arg): boolean {
  return isNode(a) && a.shape.length === 0 && (a.kind === 'input' ? a.weak : a.kind === 'op' && (fusible(a) || reduction(a)))
}

/** Slot `first + step·k` in repetition k. */
export interface SlotWalk {
  readonly first: number
  readonly step: number
}

export interface LoopSlots {
  /** Per template member and input: the slots a 'slot' input reads. */
  readonly reads: (SlotWalk | null)[][]
  /** Per template member: the slots its repetitions are kept in (stored members). */
  readonly writes: (SlotWalk | null)[]
}

/**
 * The slots a run's loop reads and writes, each moving by a constant per repetition; null
 * when one does not (the run is then emitted as straight-line code).
 */
export function loopSlots(plan: Plan, group: Group): LoopSlots | null {
  const { period, times, refs } = group.repeat!
  const M = group.members
  const slotOf = (a: Arg): number | undefined => {
    if (!isNode(a)) return undefined
    const l = plan.loc.get(a)
    return l?.kind === 'slot' ? l.slot : undefined
  }
  const walk = (at: (k: number) => number | undefined): SlotWalk | null => {
    const first = at(0)
    const second = at(1)
    if (first === undefined || second === undefined) return null
    const step = second - first
    for (let k = 2; k < times; k++) if (at(k) !== first + step * k) return null
    return { first, step }
  }
  const reads: (SlotWalk | null)[][] = []
  const writes: (SlotWalk | null)[] = []
  for (let j = 0; j < period; j++) {
    const row: (SlotWalk | null)[] = []
    for (let i = 0; i < refs[j].length; i++) {
      if (refs[j][i].kind !== 'slot') {
        row.push(null)
        continue
      }
      const w = walk((k) => slotOf(M[k * period + j].args[i]))
      if (w === null) return null
      row.push(w)
    }
    reads.push(row)
    if (!plan.stored.has(M[j])) writes.push(null)
    else {
      const w = walk((k) => slotOf(M[k * period + j]))
      if (w === null) return null
      writes.push(w)
    }
  }
  return { reads, writes }
}
