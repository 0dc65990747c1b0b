import { tensor, type Tensor } from '@ad/core'
import { apply, getOp } from '@ad/core/internal'
import type { Expr, TensorJson } from './format.js'

export function tensorOf(t: TensorJson): Tensor {
  return tensor(Float64Array.from(t.data), { shape: t.shape })
}

/**
 * Evaluates a case expression on `env` (its variables, as the engine at hand tracks them).
 * Every op goes through the registry by name, `getOp(name)` and `apply`, so an unknown op or
 * attribute throws (INVALID_ARGUMENT) and fails its case; engines see core's ops applied to
 * their traced values and dispatch on them. A list op (cat, stack) takes its tensors as the
 * expression's args: `apply` receives them flat, exactly as for any other op. Constants are
 * plain numbers or plain tensors, which no engine differentiates.
 */
export function evaluate(expr: Expr, env: ReadonlyMap<string, unknown>): unknown {
  if ('var' in expr) {
    if (!env.has(expr.var)) throw new Error(`unknown variable '${expr.var}' (inputs are ${[...env.keys()].join(', ') || 'none'})`)
    return env.get(expr.var)
  }
  if ('const' in expr) return typeof expr.const === 'number' ? expr.const : tensorOf(expr.const)
  const op = getOp(expr.op)
  const args = expr.args.map((a) => evaluate(a, env))
  return apply(op, args, op.parseAttrs(expr.attrs ?? {}))
}
