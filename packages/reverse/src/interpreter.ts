import { evaluate, Tensor as CoreTensor, TRACE, type Interpreter, type Op, type Value } from '@ad/core'
import { mode } from './mode.js'
import { Node } from './node.js'
import { Tensor } from './tensor.js'
import { rememberTrace } from './anomaly.js'
import { refreshView, viewOf } from './views.js'
import { scalarTensor, wrap } from './wrap.js'

/**
 * The reverse interpreter, at level 0 (below every forward transform). It runs the kernel
 * and, when grad mode is on, the op is differentiable and a non-constant input requires
 * grad, records a node. It reads only the op's declaration: `scalar`, `arity`,
 * `differentiable`, `constantArgs`. A one-input op whose kernel returned its input's own
 * storage made a view: the output remembers how (see views.ts), whatever the op.
 */
export const reverseInterpreter: Interpreter = {
  level: 0,
  apply(op: Op, args: readonly Value[], attrs: object): Value {
    if (mode.plain !== 0) return evaluate(op, args, attrs)
    let out: Tensor
    if (isScalarCall(op, args)) out = scalarResult(op, args)
    else {
      out = kernelResult(op, args, attrs)
      const src = args[0]
      if (args.length === 1 && src instanceof Tensor && out.storage === src.storage) out._view = viewOf(src, op, attrs, out)
    }
    if (mode.gradEnabled) {
      if (op.differentiable) record(op, args, attrs, out)
    } else if (mode.collect !== null) collect(args, mode.collect)
    return out
  },
}

/** For checkpoint: notes the arguments that require grad (run under noGrad, so only sources do). */
function collect(args: readonly Value[], into: Set<object>): void {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a instanceof Tensor && a.requiresGrad) into.add(a)
  }
}

/** Makes every reverse tensor dispatch its ops here. Called once by the package's index. */
export function installTracing(): void {
  Object.defineProperty(Tensor.prototype, TRACE, { value: reverseInterpreter, writable: false, configurable: true })
}

/** An elementwise op with a scalar function on numbers and 0-dim tensors only: no kernel needed. */
function isScalarCall(op: Op, args: readonly Value[]): boolean {
  if (op.scalar === undefined || args.length !== op.arity) return false
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (typeof a !== 'number' && !(a instanceof CoreTensor && a.shape.length === 0)) return false
  }
  return true
}

/**
 * The scalar function on the values, stored as a 0-dim tensor of the common dtype: float32
 * only if every tensor is (numbers are weak), as the kernels do.
 */
function scalarResult(op: Op, args: readonly Value[]): Tensor {
  const f = op.scalar as (...xs: number[]) => number
  let float32 = true
  let value: number
  if (args.length === 2) {
    const a = args[0]
    const b = args[1]
    let x: number
    let y: number
    if (typeof a === 'number') x = a
    else {
      const data = (a as CoreTensor).storage.data
      if (!(data instanceof Float32Array)) float32 = false
      x = data[(a as CoreTensor).offset]
    }
    if (typeof b === 'number') y = b
    else {
      const data = (b as CoreTensor).storage.data
      if (!(data instanceof Float32Array)) float32 = false
      y = data[(b as CoreTensor).offset]
    }
    value = f(x, y)
  } else {
    const xs = new Array<number>(args.length)
    for (let i = 0; i < args.length; i++) {
      const a = args[i]
      if (typeof a === 'number') xs[i] = a
      else {
        const data = (a as CoreTensor).storage.data
        if (!(data instanceof Float32Array)) float32 = false
        xs[i] = data[(a as CoreTensor).offset]
      }
    }
    value = xs.length === 1 ? f(xs[0]) : f(...xs)
  }
  return scalarTensor(value, float32 ? 'float32' : 'float64')
}

/** The kernel on the arguments as they are (a reverse tensor is a core tensor); the result wrapped. */
function kernelResult(op: Op, args: readonly Value[], attrs: object): Tensor {
  mode.plain++
  try {
    return wrap(evaluate(op, args, attrs) as CoreTensor)
  } finally {
    mode.plain--
  }
}

function record(op: Op, args: readonly Value[], attrs: object, out: Tensor): void {
  const constant = op.constantArgs
  let mask = 0
  let any = false
  const n = args.length
  let needs: boolean[] | undefined
  for (let i = 0; i < n; i++) {
    const a = args[i]
    if (!(a instanceof Tensor)) continue
    // A view whose base changed in place since its history was made gets a fresh one first.
    if (a._view !== null && a._view.version !== a.storage.version) refreshView(a)
    const req = (a.gradFn !== null || a._acc !== null) && (constant === undefined || !constant.includes(i))
    if (!req) continue
    any = true
    if (n <= MAX_CACHED) mask |= 1 << i
    else (needs ??= new Array<boolean>(n).fill(false))[i] = true
  }
  if (!any) return
  // List ops (cat, stack) receive the caller's own array: keep a copy the caller cannot change.
  const inputs = op.arity === 'list' ? args.slice() : args
  const node = new Node(op, attrs, inputs, out, needs ?? NEEDS[n][mask])
  out.gradFn = node
  if (mode.anomaly !== 0) rememberTrace(node)
}

/** Shared, frozen `needs` arrays for ops of up to four inputs, indexed by a bit mask. */
const MAX_CACHED = 4
const NEEDS: (readonly boolean[])[][] = Array.from({ length: MAX_CACHED + 1 }, (_, n) =>
  Array.from({ length: 1 << n }, (_, mask) => Object.freeze(Array.from({ length: n }, (_, i) => (mask & (1 << i)) !== 0))),
)
