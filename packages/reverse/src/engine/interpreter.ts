import { Tensor as CoreTensor, type Op, type Value } from '@ad/core'
import { evaluate, TRACE, type Interpreter } from '@ad/core/internal'
import { mode } from './mode.js'
import { MAX_CACHED, NEEDS, Node } from './node.js'
import { recordScalar } from './tape.js'
import { lazyScalar, Tensor } from '../api/tensor.js'
import { rememberTrace } from '../debug/anomaly.js'
import { refreshView, viewOf } from '../inplace/views.js'
import { scalarOf, scalarTensor, wrap } from '../api/wrap.js'

/**
 * The reverse interpreter, at level 0 (below every forward transform). It runs the kernel
 * and, when grad mode is on, the op is differentiable and a non-constant input requires
 * grad, records a node, or a slot of the scalar tape (tape.ts). It reads only the op's
 * declaration: `scalar`, `partials`, `arity`, `differentiable`, `constantArgs`. A one-input
 * op whose kernel returned its input's own storage made a view: the output remembers how
 * (see views.ts), whatever the op.
 */
export const reverseInterpreter: Interpreter = {
  level: 0,
  apply(op: Op, args: readonly Value[], attrs: object): Value {
    if (mode.plain !== 0) return evaluate(op, args, attrs)
    if (op.scalar !== undefined) {
      const n = args.length
      if (n === 1 || n === 2) {
        const scalar = scalarApply(op, n, args[0] as Value, args[1], attrs, args)
        if (scalar !== null) return scalar
      } else {
        const scalar = scalarResult(op, args)
        if (scalar !== null) return finish(op, args, attrs, scalar)
      }
    }
    return kernelApply(op, args, attrs)
  },
  /** `apply` for one or two arguments: scalar code goes to scalarApply with no argument array. */
  applyFew(op: Op, n: 1 | 2, a: Value, b: Value | undefined, attrs: object): Value {
    if (mode.plain !== 0) return evaluate(op, n === 1 ? [a] : [a, b], attrs)
    if (op.scalar !== undefined) {
      const scalar = scalarApply(op, n, a, b, attrs, null)
      if (scalar !== null) return scalar
    }
    return kernelApply(op, n === 1 ? [a] : [a, b as Value], attrs)
  },
  /**
   * An op on these values would only run its kernel: during a backward pass that is not
   * recorded, or when none of them requires grad (nothing to record, nothing to collect).
   */
  passive(values: readonly unknown[]): boolean {
    if (mode.plain !== 0) return true
    for (let i = 0; i < values.length; i++) {
      const v = values[i]
      if (v instanceof Tensor && (v._fn !== null || v._acc !== null)) return false
    }
    return true
  },
}

/** The kernel's result; a one-input op whose kernel returned its input's storage made a view. */
function kernelApply(op: Op, args: readonly Value[], attrs: object): Tensor {
  const out = kernelResult(op, args, attrs)
  const src = args[0]
  if (args.length === 1 && src instanceof Tensor && out.storage === src.storage) out._view = viewOf(src, op, attrs, out)
  return finish(op, args, attrs, out)
}

/** Records the op (grad mode), or notes its arguments (checkpoint's function under noGrad). */
function finish(op: Op, args: readonly Value[], attrs: object, out: Tensor): Tensor {
  if (mode.gradEnabled) {
    if (op.differentiable) record(op, args, attrs, out)
  } else if (mode.collect !== null) collect(args, mode.collect)
  return out
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

/**
 * An elementwise op with a scalar function, applied to numbers and 0-dim tensors only (the
 * scalar code of W1): the function on the values, stored as a 0-dim tensor of the common
 * dtype, float32 only if every tensor is (numbers are weak), as the kernels do. No kernel,
 * no argument conversion; a float64 result goes on the compact tape when it can (tape.ts),
 * with the values read here. Null for any other call. The arguments come one by one (`b`
 * unused for one), and `given` is their array when the caller had one: only a node needs one.
 */
function scalarApply(op: Op, n: 1 | 2, a: Value, b: Value | undefined, attrs: object, given: readonly Value[] | null): Tensor | null {
  if (n !== op.arity) return null
  const ka = scalarKind(a)
  if (ka === NOT_SCALAR) return null
  const xa = ka === RESULT ? ((a as Tensor)._value as number) : scalarOf(a)
  let kb = WEAK
  let xb = 0
  if (n === 2) {
    kb = scalarKind(b)
    if (kb === NOT_SCALAR) return null
    xb = kb === RESULT ? ((b as Tensor)._value as number) : scalarOf(b)
  }
  const f = op.scalar as (...xs: number[]) => number
  const y = n === 1 ? f(xa) : f(xa, xb)
  const float32 = (ka === FLOAT32 || kb === FLOAT32) && ka !== FLOAT64 && kb !== FLOAT64 && ka !== RESULT && kb !== RESULT
  const out = float32 ? scalarTensor(y, 'float32') : lazyScalar(y)
  // A float64 result goes on the tape when it can; otherwise, as any result, a node.
  if (mode.gradEnabled && op.differentiable && !float32 && mode.anomaly === 0 && recordScalar(op, a, n === 2 ? b : undefined, xa, xb, y, out)) return out
  return finish(op, given ?? (n === 1 ? [a] : [a, b as Value]), attrs, out)
}

/** `scalarApply` for ops of three or more arguments (`where`): the result only. */
function scalarResult(op: Op, args: readonly Value[]): Tensor | null {
  const n = args.length
  if (n !== op.arity) return null
  let float32 = true
  for (let i = 0; i < n; i++) {
    const kind = scalarKind(args[i])
    if (kind === NOT_SCALAR) return null
    if (kind === FLOAT64 || kind === RESULT) float32 = false
  }
  return scalarTensor((op.scalar as (...xs: number[]) => number)(...args.map(scalarOf)), float32 ? 'float32' : 'float64')
}

const NOT_SCALAR = 0
const WEAK = 1
const FLOAT64 = 2
const FLOAT32 = 3
/** A float64 scalar result whose value is still a number (see Tensor._value). */
const RESULT = 4

/** What an argument is to the scalar path: a number (weak), a 0-dim tensor of a dtype, or something else. */
function scalarKind(a: unknown): number {
  if (typeof a === 'number') return WEAK
  if (a instanceof Tensor && a._value !== null) return RESULT
  if (!(a instanceof CoreTensor) || a.shape.length !== 0) return NOT_SCALAR
  return a.dtype === 'float32' ? FLOAT32 : FLOAT64
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
    const req = (a._fn !== null || a._acc !== null) && (constant === undefined || !constant.includes(i))
    if (!req) continue
    any = true
    if (n <= MAX_CACHED) mask |= 1 << i
    else (needs ??= new Array<boolean>(n).fill(false))[i] = true
  }
  if (!any) return
  // (A node copies the inputs it keeps: a list op's array, the caller's own, may change later.)
  const node = new Node(op, attrs, args, out, needs ?? (NEEDS[n] as (readonly boolean[])[])[mask] as readonly boolean[])
  out.gradFn = node
  if (mode.anomaly !== 0) rememberTrace(node)
}
