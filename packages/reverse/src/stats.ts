import { Tensor as CoreTensor } from '@ad/core'
import type { Node } from './node.js'

/** What `tapeStats` measured. Counts are of nodes recorded inside its function. */
export interface TapeStats<T = unknown> {
  /** What the function returned. */
  result: T
  /** Nodes recorded and not yet freed by a backward pass, at the end. */
  liveNodes: number
  /** Tensors those nodes keep for their rules (inputs and outputs; a tensor kept by two nodes counts twice). */
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
  private readonly counted = new WeakMap<Node, [number, number]>()

  /** Trackers nest: a node counts in every running one. */
  constructor(readonly parent: Tracker | null) {}

  /** A node was recorded: count what it keeps. */
  add(node: Node, inputs: readonly unknown[], out: CoreTensor): void {
    this.parent?.add(node, inputs, out)
    let tensors = 1
    let bytes = bytesOf(out)
    for (const x of inputs) {
      if (x instanceof CoreTensor) {
        tensors++
        bytes += bytesOf(x)
      }
    }
    this.counted.set(node, [tensors, bytes])
    this.nodes++
    this.tensors += tensors
    this.bytes += bytes
    if (this.nodes > this.peakNodes) this.peakNodes = this.nodes
    if (this.tensors > this.peakTensors) this.peakTensors = this.tensors
    if (this.bytes > this.peakBytes) this.peakBytes = this.bytes
  }

  /** A backward pass dropped a node's saved tensors. */
  free(node: Node): void {
    this.parent?.free(node)
    const entry = this.counted.get(node)
    if (entry === undefined) return
    this.counted.delete(node)
    this.nodes--
    this.tensors -= entry[0]
    this.bytes -= entry[1]
  }
}

function bytesOf(t: CoreTensor): number {
  return t.size * t.storage.data.BYTES_PER_ELEMENT
}

/** Called by the engine when it frees a node. */
export function nodeFreed(node: Node): void {
  tracking.current?.free(node)
}
