// What the playground shows for an expression at a point: the value, the gradient from each
// engine and from central differences, and the reverse tape with the gradient that reaches
// each node, in the order backward visits them.
import { add, sub, mul, div, pow, neg } from '@ad/core'
import { apply, getOp, listOps } from '@ad/core/internal'
import { centralDifference } from '@ad/check/harness'
import { grad as forwardGrad } from '@ad/forward'
import { autograd, tensor, walkGraph, type GradFn, type Tensor } from '@ad/reverse'
import { ParseError, parseExpression, parsePoint, variablesOf, type Expr } from './parser.js'

/** The registry's elementwise unary ops whose attributes all have defaults: callable as `name(x)`. */
export const functionNames: ReadonlySet<string> = new Set(
  listOps()
    .filter((op) => op.arity === 1 && op.elementwise && Object.values(op.attrs ?? {}).every((a) => !a.required))
    .map((op) => op.name),
)

const binary = { '+': add, '-': sub, '*': mul, '/': div, '^': pow } as const

/** Evaluates `expr` with the registry's free functions: numbers give numbers, duals or taped tensors carry their engine along. */
export function evaluate(expr: Expr, env: ReadonlyMap<string, unknown>): unknown {
  switch (expr.kind) {
    case 'number':
      return expr.value
    case 'variable':
      return env.get(expr.name)
    case 'negate':
      return neg(evaluate(expr.arg, env) as number)
    case 'binary':
      return binary[expr.op](evaluate(expr.left, env) as number, evaluate(expr.right, env) as number)
    case 'call': {
      const op = getOp(expr.fn)
      return apply(op, [evaluate(expr.arg, env)], op.parseAttrs(undefined))
    }
  }
}

export interface GraphNode {
  id: string
  /** What the node computes: a variable's name, or the op. */
  label: string
  /** Its forward value. */
  value: number
  /** ∂ output / ∂ this node's value, as reverse mode computes it. */
  grad: number
  /** Ids of the nodes whose values it consumes. */
  inputs: string[]
}

export interface Result {
  variables: string[]
  value: number
  forward: number[]
  reverse: number[]
  differences: number[]
  /** The tape in the order backward runs it: the output first, the leaves last. */
  nodes: GraphNode[]
}

const numberOf = (v: unknown): number => (typeof v === 'number' ? v : (v as Tensor).item())

function envOf(names: readonly string[], values: readonly unknown[]): Map<string, unknown> {
  return new Map(names.map((n, i) => [n, values[i]]))
}

/** Parses both inputs and computes everything, or throws a ParseError saying which input and where. */
export function compute(exprText: string, pointText: string): Result {
  const expr = parseExpression(exprText, (name) => functionNames.has(name))
  const variables = variablesOf(expr)
  let point: Map<string, number>
  try {
    point = parsePoint(pointText)
  } catch (e) {
    if (e instanceof ParseError) throw new ParseError(`in the point: ${e.reason}`, e.position)
    throw e
  }
  const missing = variables.filter((v) => !point.has(v))
  if (missing.length > 0) throw new ParseError(`in the point: no value for ${missing.join(', ')}`, pointText.length)
  const values = variables.map((v) => point.get(v)!)
  const at = (xs: readonly number[]) => numberOf(evaluate(expr, envOf(variables, xs)))

  const value = at(values)
  const argnums = variables.map((_, i) => i)
  const forward = variables.length === 0 ? [] : (forwardGrad((...xs: unknown[]) => evaluate(expr, envOf(variables, xs)), { argnums })(...values) as unknown[]).map(numberOf)
  const differences = values.map((_, i) =>
    centralDifference((t) => {
      const y = at(values.map((v, j) => (j === i ? v + t : v)))
      return { value: y, magnitude: Math.abs(y) }
    }).estimate,
  )
  const { reverse, nodes } = reverseMode(expr, variables, values)
  return { variables, value, forward, reverse, differences, nodes }
}

function reverseMode(expr: Expr, variables: readonly string[], values: readonly number[]): Pick<Result, 'reverse' | 'nodes'> {
  const leaves = values.map((v) => tensor(v, { requiresGrad: true }))
  const out = evaluate(expr, envOf(variables, leaves))
  if (!(out instanceof Object) || !(out as Tensor).requiresGrad) return { reverse: values.map(() => 0), nodes: [] }
  const y = out as Tensor
  const tape: GradFn[] = [...walkGraph(y)]
  // Every node's gradient in one pass (retaining the graph for the backward below).
  const grads = autograd.grad(y, tape.map((n) => n.out as Tensor), { allowUnused: true, retainGraph: true })
  // Ids by position on the tape (output n0), stable across runs and between server and browser.
  const index = new Map(tape.map((n, i) => [n, i]))
  const id = (n: GradFn) => `n${index.get(n)}`
  const nodes = tape.map((n, i): GraphNode => {
    const leaf = leaves.indexOf(n.out as Tensor)
    return {
      id: id(n),
      label: n.op === null ? variables[leaf] ?? 'leaf' : n.op.name,
      value: (n.out as Tensor).item(),
      grad: grads[i] === null ? 0 : (grads[i] as Tensor).item(),
      inputs: n.next.filter((m): m is GradFn => m !== null).map(id),
    }
  })
  y.backward()
  return { reverse: leaves.map((l) => (l.grad === null ? 0 : l.grad.item())), nodes }
}
