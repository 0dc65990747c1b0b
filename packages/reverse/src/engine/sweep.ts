import type { Value } from '@ad/core'
import type { Node } from './node.js'
import type { SlotNode, Tape } from './tape.js'
import { writes } from '../inplace/versions.js'

/** What a sweep needs of the backward pass running it (engine.ts). */
export interface SweepRoute {
  /** The pass number, which stamps the slots it reaches. */
  readonly id: number
  readonly retainGraph: boolean
  /** The tapes this pass reached so far. */
  readonly tapes: Tape[]
  /** Set when something newer than the sweep's floor may now wait (a node queued, a tape joined). */
  changed: boolean
  /** Sends a cotangent to a node off the tape (a leaf's accumulator, a general node). */
  sendNode(node: Node, c: Value): void
  /** Runs a slot through its node, the general way (hooks, retainGrad, stale or freed values). */
  runSlow(node: SlotNode, g: number): void
}

/** Adds cotangent `c` to slot `s`, bringing the tape into the pass the first time it is reached. */
export function sendSlot(route: SweepRoute, tape: Tape, s: number, c: number): void {
  const id = route.id
  if (tape.pass !== id) {
    tape.scratch()
    tape.pass = id
    tape.top = -1
    tape.pending = 0
    route.tapes.push(tape)
    route.changed = true
  }
  if (tape.stamp[s] === id) tape.adj[s] += c
  else {
    tape.stamp[s] = id
    tape.adj[s] = c
    tape.pending++
    if (s > tape.top) tape.top = s
  }
}

/** The newest slot of the tape still waiting to run in pass `id` (the tape has one). */
export function nextPending(tape: Tape, id: number): number {
  let s = tape.top
  const stamp = tape.stamp
  while (stamp[s] !== id) s--
  tape.top = s
  return s
}

/**
 * Runs the waiting slots of a tape newest first, as long as they are newer than `floor`
 * (the newest node or slot waiting elsewhere), so that slots and nodes run in one order,
 * the general engine's: every consumer before what it consumes, and cotangents summed in
 * the order the general engine sums them. A slot sends its cotangent times each partial
 * down its edges: what its op's VJP rule computes on numbers (a partial of ±1 included:
 * g·1 and g·(−1) are g and −g exactly). A slot with a node, a freed slot or one whose saved
 * values changed in place since goes through its node instead (`runSlow`). Returns early
 * when something newer than the floor may be waiting (`route.changed`).
 */
export function sweep(tape: Tape, route: SweepRoute, floor: number): void {
  const id = route.id
  const retain = route.retainGraph
  let { stamp, adj, seq, e0, e1, d0, d1, flags, epoch } = tape
  let written = writes.epoch
  route.changed = false
  let s = tape.top
  while (s >= 0) {
    if (stamp[s] !== id) {
      s--
      continue
    }
    if (seq[s] < floor) break
    tape.top = s - 1
    tape.pending--
    const g = adj[s]
    if (flags[s] !== 0 || (epoch[s] !== written && tape.changed(s))) {
      route.runSlow(tape.node(s), g)
      // (Hooks run user code, which may record on this tape, growing its arrays, or write in place.)
      ;({ stamp, adj, seq, e0, e1, d0, d1, flags, epoch } = tape)
      written = writes.epoch
    } else {
      if (e0[s] !== -1) send(tape, route, e0[s], g * d0[s], id)
      if (e1[s] !== -1) send(tape, route, e1[s], g * d1[s], id)
      if (!retain) tape.free(s)
    }
    if (route.changed) return
    s = tape.top
  }
  tape.top = s
}

/**
 * Adds cotangent `c` along edge `e` of a slot (coded as in Tape.e0): to a node outside the
 * tape, or to a slot, which then waits to run in pass `id` (the first contribution sets it).
 */
function send(tape: Tape, route: SweepRoute, e: number, c: number, id: number): void {
  if (e < 0) route.sendNode(tape.ext[-2 - e] as Node, c)
  else if (tape.stamp[e] === id) tape.adj[e] += c
  else {
    tape.stamp[e] = id
    tape.adj[e] = c
    tape.pending++
  }
}
