import { full, Storage, Tensor, type FloatArray, type Value } from '@ad/core'
import { evaluate } from '@ad/core/internal'
import { isNode, type Graph, type Node } from '../graph.js'
import { nodeText } from '../format.js'
import type { Program } from '../interpret.js'
import { emitLoop } from './loop.js'
import { plan as makePlan, type Plan } from './plan.js'

/** Whether this environment lets us generate code (a Content-Security-Policy may forbid it). */
export function codegenAvailable(): boolean {
  try {
    return new Function('return 1')() === 1
  } catch {
    return false
  }
}

type Step = () => void

/**
 * The graph as a program: generated loops for the fused groups, kernel calls for the other
 * ops, in the plan's order. Its arrays live as long as the program: planned ones are
 * allocated once and reused by every call, outputs are fresh per call (a caller keeps them).
 */
export function generate(graph: Graph, reuseOutputs = false): Program {
  const plan = makePlan(graph, reuseOutputs)
  const d: FloatArray[] = plan.arrays.map((a) => (a.kind === 'planned' ? allocate(a.dtype, a.size) : EMPTY))
  const r = new Float64Array(Math.max(plan.slots, 1))
  const tensors = new Array<Value>(graph.nodes.length)
  // explain's text, built only when asked for (W1's is a megabyte).
  const code: (() => string)[] = []
  for (const node of graph.nodes) {
    if (node.kind !== 'const' || !plan.dataArray.has(node)) continue
    const t = node.value as Tensor
    d[plan.dataArray.get(node)!] = t.storage.data
  }
  const valueOf = (node: Node): Value => valueFor(plan, node, d, r, tensors)
  const held = graph.nodes.filter((n) => n.kind !== 'const' && plan.dataArray.has(n)).map((n) => n.id)
  const steps: Step[] = plan.steps.map((step, i) => {
    if (step.kind === 'loop') {
      const loop = emitLoop(plan, step.group)
      const g = step.group
      const shown = g.repeat === undefined ? g.members : g.members.slice(0, g.repeat.period)
      const what = g.repeat === undefined ? `fused loop over ${fmt(g.shape)} ${g.dtype}` : `scalar code re-rolled: ${g.repeat.times} repetitions of ${g.repeat.period} ops, the first`
      code.push(() => `// step ${i}: ${what}\n//   ${shown.map(nodeText).join('\n//   ')}\n${loop.source}`)
      const fn = loop.fn
      return () => fn(d, r)
    }
    const node = step.node
    const array = plan.dataArray.get(node)!
    code.push(() => `// step ${i}: kernel\n//   ${nodeText(node)}`)
    return () => {
      const args = node.args.map((a) => (typeof a === 'number' ? a : valueOf(a)))
      // On numbers only, an op with a scalar function gives a number, as eagerly.
      const out = evaluate(node.op!, args, node.attrs)
      tensors[node.id] = out
      d[array] = typeof out === 'number' ? Float64Array.of(out) : out.contiguousData()
    }
  })
  const arrayNote = plan.arrays
    .map((a, k) => (a.kind === 'data' ? '' : `d[${k}]: ${a.kind} ${a.dtype}[${a.size}]`))
    .filter((s) => s !== '')
  const header = `// ${plan.steps.length} steps, ${plan.slots} scalar slots; arrays: ${arrayNote.length === 0 ? 'none' : arrayNote.join(', ')}`
  // Number inputs go to their slots, tensors lend their arrays; numbers come back from slots.
  const numberInputs = graph.inputs.filter((n) => plan.loc.get(n)!.kind === 'slot')
  const numberIndex = Int32Array.from(numberInputs, (n) => n.index)
  const numberSlot = Int32Array.from(numberInputs, (n) => (plan.loc.get(n) as { slot: number }).slot)
  const tensorInputs = graph.inputs.filter((n) => plan.loc.get(n)!.kind !== 'slot').map((node) => ({ node, array: plan.dataArray.get(node)! }))
  const outputSlot = Int32Array.from(graph.outputs, (o) => {
    const loc = isNode(o) ? plan.loc.get(o) : undefined
    return isNode(o) && o.weak && o.shape.length === 0 && loc?.kind === 'slot' ? loc.slot : -1
  })
  return {
    run: (inputs, outputs) => {
      const numbers = inputs.numbers
      for (let i = 0; i < numberIndex.length; i++) r[numberSlot[i]] = numbers[numberIndex[i]]
      for (let i = 0; i < tensorInputs.length; i++) {
        const { node, array } = tensorInputs[i]
        const v = inputs.values[node.index] as Tensor
        tensors[node.id] = v
        d[array] = v.contiguousData()
      }
      for (let i = 0; i < steps.length; i++) steps[i]()
      const outs = graph.outputs
      outputs.reset()
      for (let i = 0; i < outs.length; i++) {
        const o = outs[i]
        if (outputSlot[i] >= 0) outputs.setNumber(i, r[outputSlot[i]])
        else outputs.set(i, isNode(o) ? valueOf(o) : o)
      }
      outputs.count = outs.length
      // Let go of this call's inputs and kernel results (constants stay).
      for (let i = 0; i < held.length; i++) tensors[held[i]] = undefined as never
    },
    get code() {
      return [header, ...code.map((c) => c())].join('\n\n')
    },
  }
}

const EMPTY = new Float64Array(0)

function allocate(dtype: string, size: number): FloatArray {
  return dtype === 'float32' ? new Float32Array(size) : new Float64Array(size)
}

function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`
}

/** A node's value as ops take it: a number (weak one-element values), or a tensor over its array. */
function valueFor(plan: Plan, node: Node, d: FloatArray[], r: Float64Array, tensors: Value[]): Value {
  if (node.kind === 'const') return node.value!
  const known = tensors[node.id]
  if (known !== undefined && plan.dataArray.has(node)) return known
  const loc = plan.loc.get(node)!
  if (loc.kind === 'slot') {
    const v = r[loc.slot]
    return node.weak && node.shape.length === 0 ? v : full([...node.shape], v, { dtype: node.dtype })
  }
  if (loc.kind === 'literal') return full([...node.shape], loc.value, { dtype: node.dtype })
  const { shape, strides, offset } = loc.layout
  return new Tensor(new Storage(d[loc.array]), shape, strides, offset)
}
