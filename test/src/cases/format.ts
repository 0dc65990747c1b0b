import { readFileSync } from 'node:fs'

/**
 * The `ad-cases/1` format (SPEC.md, "Case files"): JSON from an outside oracle (PyTorch in
 * float64). A tensor is `{shape, data}`, row-major, shape `[]` a scalar.
 */
export interface TensorJson {
  shape: number[]
  data: number[]
}

export type Expr =
  | { op: string; args: Expr[]; attrs?: Record<string, unknown> }
  | { var: string }
  | { const: number | TensorJson }

export interface Case {
  id: string
  inputs: Record<string, TensorJson>
  expr: Expr
  value?: TensorJson
  cotangent?: TensorJson
  grads?: Record<string, TensorJson>
  tangents?: Record<string, TensorJson>
  jvp?: TensorJson
  hessian?: TensorJson & { wrt: string }
  rtol: number
  atol: number
}

export interface CaseFile {
  format: 'ad-cases/1'
  source?: string
  /** Cases as found in the file: each is validated when it runs, so one bad case fails alone. */
  cases: unknown[]
}

export const FORMAT = 'ad-cases/1'

/** Reads a case file; throws if it is not JSON or not `ad-cases/1`. */
export function loadCaseFile(path: string): CaseFile {
  const text = readFileSync(path, 'utf8')
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new Error(`${path}: not JSON (${(error as Error).message})`)
  }
  return parseCaseFile(json, path)
}

export function parseCaseFile(json: unknown, where: string): CaseFile {
  if (!isObject(json) || json.format !== FORMAT) {
    const found = isObject(json) ? JSON.stringify(json.format) : typeof json
    throw new Error(`${where}: expected format '${FORMAT}', found ${found}`)
  }
  if (!Array.isArray(json.cases)) throw new Error(`${where}: 'cases' must be an array`)
  return { format: FORMAT, source: typeof json.source === 'string' ? json.source : undefined, cases: json.cases }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

function isTensor(x: unknown): x is TensorJson {
  if (!isObject(x) || !Array.isArray(x.shape) || !Array.isArray(x.data)) return false
  if (!x.shape.every((d) => Number.isInteger(d) && d >= 0)) return false
  const size = (x.shape as number[]).reduce((p, d) => p * d, 1)
  return x.data.length === size && x.data.every((v) => typeof v === 'number')
}

function tensorMap(x: unknown): x is Record<string, TensorJson> {
  return isObject(x) && Object.values(x).every(isTensor)
}

/** Checks one case's structure; returns what is wrong with it, or the typed case. */
export function validateCase(raw: unknown, index: number): { case: Case } | { id: string; error: string } {
  const id = isObject(raw) && typeof raw.id === 'string' ? raw.id : `#${index}`
  if (!isObject(raw)) return { id, error: 'a case must be an object' }
  const problems: string[] = []
  if (typeof raw.id !== 'string') problems.push("'id' must be a string")
  if (!tensorMap(raw.inputs)) problems.push("'inputs' must map names to {shape, data} tensors whose data fills the shape")
  const exprError = checkExpr(raw.expr, 'expr')
  if (exprError !== undefined) problems.push(exprError)
  for (const key of ['value', 'cotangent', 'jvp'] as const) {
    if (raw[key] !== undefined && !isTensor(raw[key])) problems.push(`'${key}' must be a {shape, data} tensor whose data fills the shape`)
  }
  for (const key of ['grads', 'tangents'] as const) {
    if (raw[key] !== undefined && !tensorMap(raw[key])) problems.push(`'${key}' must map names to {shape, data} tensors`)
  }
  if (raw.hessian !== undefined && !(isTensor(raw.hessian) && typeof (raw.hessian as { wrt?: unknown }).wrt === 'string')) {
    problems.push("'hessian' must be a {wrt, shape, data} tensor")
  }
  for (const key of ['rtol', 'atol'] as const) {
    if (typeof raw[key] !== 'number' || !((raw[key] as number) >= 0)) problems.push(`'${key}' must be a non-negative number`)
  }
  // Names are looked up as own keys only: a case naming 'constructor' or '__proto__' must not
  // reach Object.prototype.
  const inputNames = isObject(raw.inputs) ? raw.inputs : {}
  for (const key of ['grads', 'tangents'] as const) {
    const unknown = isObject(raw[key]) ? Object.keys(raw[key]).filter((n) => !Object.hasOwn(inputNames, n)) : []
    if (unknown.length > 0) problems.push(`'${key}' names ${unknown.map((n) => `'${n}'`).join(', ')}, which ${unknown.length > 1 ? 'are not inputs' : 'is not an input'}`)
  }
  if (isObject(raw.hessian) && typeof raw.hessian.wrt === 'string' && !Object.hasOwn(inputNames, raw.hessian.wrt)) {
    problems.push(`'hessian.wrt' names '${raw.hessian.wrt}', which is not an input`)
  }
  if (problems.length > 0) return { id, error: `malformed case: ${problems.join('; ')}` }
  return { case: raw as unknown as Case }
}

/** Deeper expressions are refused rather than walked: no case needs them, and recursion has a limit. */
export const MAX_EXPR_DEPTH = 256

function checkExpr(e: unknown, path: string, depth = 0): string | undefined {
  if (depth > MAX_EXPR_DEPTH) return `expr is nested more than ${MAX_EXPR_DEPTH} levels deep`
  if (!isObject(e)) return `${path} must be an object ({op, args, attrs?}, {var} or {const})`
  if (Object.hasOwn(e, 'op')) {
    if (typeof e.op !== 'string') return `${path}.op must be a string`
    if (!Array.isArray(e.args)) return `${path}.args must be an array`
    if (e.attrs !== undefined && !isObject(e.attrs)) return `${path}.attrs must be an object`
    for (let i = 0; i < e.args.length; i++) {
      const inner = checkExpr(e.args[i], `${path}.args[${i}]`, depth + 1)
      if (inner !== undefined) return inner
    }
    return undefined
  }
  if (Object.hasOwn(e, 'var')) return typeof e.var === 'string' ? undefined : `${path}.var must be a string`
  if (Object.hasOwn(e, 'const')) return typeof e.const === 'number' || isTensor(e.const) ? undefined : `${path}.const must be a number or a {shape, data} tensor`
  return `${path} must have 'op', 'var' or 'const'`
}
