import { AdError, shapeOf, Tensor, tensor, type DType, type Op, type Value } from '@ad/core'
import { freshLevel, isTraced, TRACE, type Interpreter } from '@ad/core/internal'
import { GraphBuilder, sizeOfShape as sizeOf, type Arg, type Graph, type Node } from './graph.js'
import { Symbolic } from './symbolic.js'

/** What an input of a trace is: its shape and dtype, and whether it was a number. */
export interface InputSpec {
  readonly shape: readonly number[]
  readonly dtype: DType
  readonly weak: boolean
}

/**
 * The interpreter of one trace. Applying an op to its symbolic values records a node; the
 * shape rule runs (so shape errors surface while tracing, naming the op), the kernel does not.
 * It reads only the op's declaration (`shape`, `constantArgs`), never its name. Values it
 * does not own (tensors closed over, values of an enclosing transform) become constants.
 */
export class Tracer implements Interpreter {
  readonly level = freshLevel()
  readonly graph = new GraphBuilder()
  private active = true
  private readonly constants = new Map<object, Node>()

  /**
   * @param decomposeUpTo An op that declares a decomposition is recorded as it (ops the
   *   code generator fuses) when no value it makes has more elements than this; 0: never.
   *   Only `compile`'s own trace decomposes, so the eager transforms keep calling kernels.
   */
  constructor(private readonly decomposeUpTo = 0) {}

  input(spec: InputSpec, index: number): Symbolic {
    const node = this.graph.add({ kind: 'input', op: null, args: [], attrs: {}, shape: spec.shape, dtype: spec.dtype, weak: spec.weak, index, value: null })
    return new Symbolic(this, node)
  }

  /** The node of a value, recording a constant for one this trace does not own; numbers stay literals. */
  argOf(v: unknown, dtype: DType): Arg {
    if (v instanceof Symbolic && v[TRACE] === this) return v.node
    if (typeof v === 'number') return v
    if (typeof v === 'object' && v !== null) {
      const known = this.constants.get(v)
      if (known !== undefined) return known
    }
    const value = isTraced(v) || v instanceof Tensor ? (v as Value) : tensor(v as never, { dtype })
    const node = this.graph.add({
      kind: 'const', op: null, args: [], attrs: {}, shape: [...shapeOf(value)], dtype: (value as Tensor).dtype, weak: false, index: -1, value,
    })
    this.constants.set(v as object, node)
    return node
  }

  finish(): void {
    this.active = false
  }

  apply(anyOp: Parameters<Interpreter['apply']>[0], args: readonly Value[], attrs: object): Value {
    const op = anyOp as Op
    if (!this.active) {
      throw new AdError(
        'INVALID_ARGUMENT',
        `${op.name}: got a value of a trace that has already finished (it escaped through a closure or a variable). ` +
          'Return values from the compiled or transformed function instead.',
      )
    }
    const dtype = this.dtypeOf(op, args)
    const nodeArgs = args.map((a) => this.argOf(a, dtype))
    const shape = op.shape(
      nodeArgs.map((a) => (typeof a === 'number' ? [] : a.shape)),
      attrs as never,
    )
    const weak = nodeArgs.every((a) => typeof a === 'number' || a.weak)
    if (op.decompose !== undefined && this.decomposeUpTo > 0) {
      const parts = this.decomposed(op, args, attrs, shape, dtype)
      if (parts !== null) return parts
    }
    const node = this.graph.add({ kind: 'op', op, args: nodeArgs, attrs, shape, dtype, weak, index: -1, value: null })
    return new Symbolic(this, node)
  }

  /**
   * The op recorded as its declared decomposition, if that gives its shape and dtype and
   * makes nothing bigger than the limit; otherwise what it recorded is dropped (null).
   */
  private decomposed(op: Op, args: readonly Value[], attrs: object, shape: readonly number[], dtype: DType): Symbolic | null {
    const mark = this.graph.nodes.length
    let out: Value | null = null
    try {
      out = op.decompose!(args, attrs as never)
    } catch {
      out = null
    }
    const fits =
      out instanceof Symbolic && out[TRACE] === this && out.dtype === dtype && out.shape.length === shape.length &&
      out.shape.every((d, i) => d === shape[i]) && this.graph.nodes.slice(mark).every((n) => sizeOf(n.shape) <= this.decomposeUpTo)
    if (fits) return out as Symbolic
    this.graph.truncate(mark)
    for (const [key, node] of this.constants) if (node.id >= mark) this.constants.delete(key)
    return null
  }

  /** The dtype `toTensors` would convert the arguments to: tensors decide, numbers (and number inputs) are weak. */
  private dtypeOf(op: Op, args: readonly Value[]): DType {
    let dtype: DType | undefined
    const constant = op.constantArgs
    for (let i = 0; i < args.length; i++) {
      const a = args[i]
      if (typeof a !== 'object' || a === null || !('dtype' in a) || constant?.includes(i)) continue
      if (a instanceof Symbolic && a.node.weak) continue
      // float32 only when every tensor is (the SPEC's promotion)
      dtype = dtype === undefined || dtype === a.dtype ? a.dtype : 'float64'
    }
    return dtype ?? 'float64'
  }
}

/** Traces `f` on symbolic inputs of the given specs; `body` maps the inputs to the result's leaves. */
export function trace(specs: readonly InputSpec[], body: (inputs: Symbolic[], tracer: Tracer) => readonly unknown[], decomposeUpTo = 0): Graph {
  const tracer = new Tracer(decomposeUpTo)
  const inputs = specs.map((s, i) => tracer.input(s, i))
  let leaves: readonly unknown[]
  try {
    leaves = body(inputs, tracer)
  } finally {
    tracer.finish()
  }
  const outputs = leaves.map((leaf) => (leaf instanceof Symbolic && leaf[TRACE] === tracer ? leaf.node : (leaf as Value)))
  return { inputs: tracer.graph.inputs, nodes: tracer.graph.nodes, outputs }
}
