import { AdError, type Value } from '@ad/core'
import { expectFunction } from '@ad/core'
import { runPass } from '../engine/engine.js'
import { freeSaved } from '../engine/freed.js'
import { aliasOp, internalOp } from '../engine/engineOps.js'
import { mode } from '../engine/mode.js'
import { edgeOf, Node } from '../engine/node.js'
import { nodeFreed } from '../debug/stats.js'
import { Tensor } from './tensor.js'
import { withRecording } from '../inplace/views.js'
import { wrap } from './wrap.js'

const NO_ATTRS = Object.freeze({})
const NEEDS_ONE: readonly boolean[] = Object.freeze([true])

interface CheckpointAttrs {
  fn: (...inputs: any[]) => unknown
  /** How many of the node's inputs are fn's arguments; the rest are tensors fn closes over. */
  explicit: number
}

/**
 * `checkpoint(fn, ...inputs)`: `fn(...inputs)` without keeping its intermediate values for
 * backward. The forward runs under noGrad; the tape gets one node that keeps only the
 * inputs (and the output). Its backward runs `fn` again with recording on and
 * backpropagates through that fresh graph, which is dropped as soon as it has run: a chain
 * of n steps split into k checkpoints keeps about k + n/k steps' tensors at the peak instead
 * of n, for one extra forward pass.
 *
 * Tensors `fn` closes over (a layer's weights) get their gradients too: while the forward
 * runs, the interpreter notes every tensor requiring grad that an op reads (under noGrad
 * only the sources of the graph do), and the node takes them as inputs. `fn` must compute
 * the same thing when run again (no fresh randomness) and return one tensor.
 */
export function checkpoint(fn: (...inputs: any[]) => unknown, ...inputs: unknown[]): Tensor {
  expectFunction('checkpoint', fn)
  if (typeof fn !== 'function') throw new AdError('INVALID_ARGUMENT', 'checkpoint: expects a function, then its arguments.')
  if (!mode.gradEnabled || mode.plain !== 0) return outputOf(fn(...inputs))
  const outer = mode.collect
  const sources = new Set<object>()
  mode.collect = sources
  mode.gradEnabled = false
  let out: Tensor
  try {
    out = outputOf(fn(...inputs))
  } finally {
    mode.gradEnabled = true
    mode.collect = outer
    // An enclosing checkpoint (running its own function under noGrad) needs these too.
    if (outer !== null) for (const s of sources) outer.add(s)
  }
  const explicit = inputs.filter((x) => x instanceof Tensor && x.requiresGrad)
  const closedOver = [...sources].filter((s) => !inputs.includes(s)) as Tensor[]
  if (explicit.length === 0 && closedOver.length === 0) return out
  // A fresh tensor object, so that fn returning one of its inputs (or a view) never rebinds that input's history.
  const result = wrap(out)
  const nodeInputs = [...inputs, ...closedOver]
  const needs = nodeInputs.map((x) => x instanceof Tensor && x.requiresGrad)
  const attrs: CheckpointAttrs = { fn, explicit: inputs.length }
  result.gradFn = new Node(checkpointOp, attrs, nodeInputs, result, needs)
  return result
}

function outputOf(out: unknown): Tensor {
  if (!(out instanceof Tensor)) {
    throw new AdError('INVALID_ARGUMENT', `checkpoint: the function must return a tensor, got ${out === null ? 'null' : typeof out}.`)
  }
  return out
}

/**
 * The checkpoint node's rule: run fn again with recording on, each source tensor standing
 * in for itself through a fresh alias node (its history is swapped for the alias's while fn
 * runs, so closed-over tensors are covered too), then backpropagate the cotangent to those
 * aliases. The aliases are newer than anything outside, so this inner pass never touches
 * the outer graph's nodes; when the outer pass is recorded (createGraph), so is this one,
 * and the gradients depend on the sources through the aliases.
 */
const checkpointOp = internalOp({
  name: 'checkpoint',
  arity: 'list',
  shape: () => {
    throw new AdError('INVALID_ARGUMENT', 'checkpoint nodes are made by checkpoint(), not applied as ops.')
  },
  primal: () => {
    throw new AdError('INVALID_ARGUMENT', 'checkpoint nodes are made by checkpoint(), not applied as ops.')
  },
  jvp: () => {
    throw new AdError('INVALID_ARGUMENT', 'checkpoint has no forward-mode rule; use the function itself under forward mode.')
  },
  vjp: ({ args, attrs }, g, needs) => recompute(attrs as CheckpointAttrs, args as readonly unknown[], g, needs),
})

function recompute({ fn, explicit }: CheckpointAttrs, args: readonly unknown[], g: Value, needs: readonly boolean[]): (Value | null)[] {
  const createGraph = mode.gradEnabled && mode.plain === 0
  const swapped: { t: Tensor; gradFn: Node | null; acc: Node | null }[] = []
  const aliases: (Node | null)[] = args.map(() => null)
  const y = withRecording(() => {
    try {
      args.forEach((a, i) => {
        if (!needs[i]) return
        const t = a as Tensor
        if (swapped.some((s) => s.t === t)) return // the same tensor twice: one alias serves both
        // A stand-in carrying t's real history, and an alias node pointing to it.
        const real = new Tensor(t.storage, t.shape, t.strides, t.offset)
        real.gradFn = t.gradFn
        real._acc = t._acc
        const alias = new Node(aliasOp, NO_ATTRS, [real], t, NEEDS_ONE)
        swapped.push({ t, gradFn: t.gradFn, acc: t._acc })
        aliases[i] = alias
        t.gradFn = alias
        t._acc = null
      })
      return fn(...args.slice(0, explicit))
    } finally {
      for (const s of swapped) {
        s.t.gradFn = s.gradFn
        s.t._acc = s.acc
      }
    }
  })
  if (!(y instanceof Tensor) || !y.requiresGrad) return args.map(() => null)
  const targets = aliases.filter((a): a is Node => a !== null)
  // Recorded, the recomputed graph stays: the gradients' own graph runs through it.
  const result = runPass({ roots: [edgeOf(y)], seeds: [g], targets, createGraph, retainGraph: undefined })
  if (!createGraph) {
    for (const a of targets) {
      nodeFreed(a)
      freeSaved(a)
    }
  }
  let k = 0
  return aliases.map((a) => (a === null ? null : (result.grads[k++] ?? null)))
}
