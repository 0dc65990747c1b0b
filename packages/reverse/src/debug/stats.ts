import { Tensor as CoreTensor, type Storage } from '@ad/core'
import type { Node } from '../engine/node.js'

/** What `tapeStats` measured. Counts are of nodes recorded inside its function. */
export interface TapeStats<T = unknown> {
  /** What the function returned. */
  result: T
  /** Nodes recorded and not yet freed by a backward pass, at the end. */
  liveNodes: number
  /** Distinct storages those nodes keep for their rules (inputs and outputs; views share their base's). */
  savedTensors: number
  /** Their bytes (elements times 8 or 4). */
  savedBytes: number
  /** The most of each at any moment. */
  peakNodes: number
  peakSavedTensors: number
  peakSavedBytes: number
}

/** The counter of the innermost running `tapeStats`, read by the Node constructor. */
export const tracking: { current: Tracker | null } = { current: null }

/**
 * Runs `fn` and reports the tape's size while it ran: how many nodes were alive (recorded
 * and not yet freed by a backward pass) and how many tensors and bytes they kept for their
 * VJP rules, at the end and at the peak. A debug counter, off (no cost) outside `tapeStats`;
 * it shows what `checkpoint` saves. A graph dropped without a backward stays counted.
 */
export function tapeStats<T>(fn: () => T): TapeStats<T> {
  const outer = tracking.current
  const tracker = new Tracker(outer)
  tracking.current = tracker
  let result: T
  try {
    result = fn()
  } finally {
    tracking.current = outer
  }
  return {
    result,
    liveNodes: tracker.nodes,
    savedTensors: tracker.tensors,
    savedBytes: tracker.bytes,
    peakNodes: tracker.peakNodes,
    peakSavedTensors: tracker.peakTensors,
    peakSavedBytes: tracker.peakBytes,
  }
}

export class Tracker {
  nodes = 0
  tensors = 0
  bytes = 0
  peakNodes = 0
  peakTensors = 0
  peakBytes = 0
  /** The storages each counted node keeps. */
  private readonly counted = new WeakMap<Node, CoreTensor[]>()
  /** How many counted nodes keep each storage, and its bytes. */
  private readonly storages = new Map<Storage, { refs: number; bytes: number }>()

  /** Trackers nest: a node counts in every running one. */
  constructor(readonly parent: Tracker | null) {}

  /** A node was recorded: count what it keeps. */
  add(node: Node, inputs: readonly unknown[], out: CoreTensor): void {
    this.parent?.add(node, inputs, out)
    const kept = [out, ...inputs.filter((x): x is CoreTensor => x instanceof CoreTensor)]
    this.counted.set(node, kept)
    this.nodes++
    for (const t of kept) this.keep(t, 1)
    if (this.nodes > this.peakNodes) this.peakNodes = this.nodes
    if (this.tensors > this.peakTensors) this.peakTensors = this.tensors
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes
  }

  /** A backward pass dropped a node's saved tensors. */
  free(node: Node): void {
    this.parent?.free(node)
    const kept = this.counted.get(node)
    if (kept === undefined) return
    this.counted.delete(node)
    this.nodes--
    for (const t of kept) this.keep(t, -1)
  }

  private keep(t: CoreTensor, delta: 1 | -1): void {
    let entry = this.storages.get(t.storage)
    if (entry === undefined) {
      entry = { refs: 0, bytes: t.size * t.storage.data.BYTES_PER_ELEMENT }
      this.storages.set(t.storage, entry)
    }
    entry.refs += delta
    if (delta === 1 && entry.refs === 1) {
      this.tensors++
      this.bytes += entry.bytes
    } else if (delta === -1 && entry.refs === 0) {
      this.tensors--
      this.bytes -= entry.bytes
      this.storages.delete(t.storage)
    }
  }
}

/** Called by the engine when a backward pass frees a node. */
export function nodeFreed(node: Node): void {
  tracking.current?.free(node)
}
