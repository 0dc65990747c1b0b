// The playground's expression language: numbers, variables, + - * / ^, parentheses, unary
// minus, and the unary ops of the registry called by name (`sin(x)`). A recursive-descent
// parser of our own (never `eval`), whose errors say where.

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'variable'; name: string }
  | { kind: 'negate'; arg: Expr }
  | { kind: 'binary'; op: '+' | '-' | '*' | '/' | '^'; left: Expr; right: Expr }
  | { kind: 'call'; fn: string; arg: Expr }

/** A parse error at `position` (0-based index into the text). */
export class ParseError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position + 1}`)
    this.name = 'ParseError'
  }
}

type Token =
  | { kind: 'number'; value: number; at: number; end: number }
  | { kind: 'name'; name: string; at: number; end: number }
  | { kind: 'symbol'; symbol: string; at: number; end: number }
  | { kind: 'end'; at: number; end: number }

const NUMBER = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/
const NAME = /^[A-Za-z_][A-Za-z_0-9]*/
const SYMBOLS = '+-*/^(),='

/** Splits `text` into tokens; shared with the point parser (`x = 1, y = 2`). */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const rest = text.slice(i)
    const space = /^\s+/.exec(rest)
    if (space) {
      i += space[0].length
      continue
    }
    const num = NUMBER.exec(rest)
    if (num) {
      tokens.push({ kind: 'number', value: Number(num[0]), at: i, end: i + num[0].length })
      i += num[0].length
      continue
    }
    const name = NAME.exec(rest)
    if (name) {
      tokens.push({ kind: 'name', name: name[0], at: i, end: i + name[0].length })
      i += name[0].length
      continue
    }
    if (SYMBOLS.includes(rest[0]!)) {
      tokens.push({ kind: 'symbol', symbol: rest[0]!, at: i, end: i + 1 })
      i += 1
      continue
    }
    throw new ParseError(`unexpected character '${rest[0]}'`, i)
  }
  tokens.push({ kind: 'end', at: text.length, end: text.length })
  return tokens
}

const describe = (t: Token): string =>
  t.kind === 'end' ? 'the end of the expression' : t.kind === 'number' ? `the number ${t.value}` : t.kind === 'name' ? `'${t.name}'` : `'${t.symbol}'`

/**
 * Parses an expression. `isFunction(name)` says which names are callable (the registry's
 * unary ops); every other name is a variable. Precedence, loosest first: `+ -`, `* /`,
 * unary minus, `^` (right-associative, so `-x^2` is `-(x^2)` and `2^-1` is allowed).
 */
export function parseExpression(text: string, isFunction: (name: string) => boolean): Expr {
  const tokens = tokenize(text)
  let k = 0
  const peek = () => tokens[k]!
  const isSymbol = (s: string) => {
    const t = peek()
    return t.kind === 'symbol' && t.symbol === s
  }
  const expect = (s: string, what: string) => {
    if (!isSymbol(s)) throw new ParseError(`expected ${what}, found ${describe(peek())}`, peek().at)
    k++
  }

  function sum(): Expr {
    let left = product()
    while (isSymbol('+') || isSymbol('-')) {
      const op = (tokens[k++] as { symbol: '+' | '-' }).symbol
      left = { kind: 'binary', op, left, right: product() }
    }
    return left
  }
  function product(): Expr {
    let left = unary()
    while (isSymbol('*') || isSymbol('/')) {
      const op = (tokens[k++] as { symbol: '*' | '/' }).symbol
      left = { kind: 'binary', op, left, right: unary() }
    }
    return left
  }
  function unary(): Expr {
    if (isSymbol('-')) {
      k++
      return { kind: 'negate', arg: unary() }
    }
    if (isSymbol('+')) {
      k++
      return unary()
    }
    return power()
  }
  function power(): Expr {
    const base = atom()
    if (isSymbol('^')) {
      k++
      return { kind: 'binary', op: '^', left: base, right: unary() }
    }
    return base
  }
  function atom(): Expr {
    const t = peek()
    if (t.kind === 'number') {
      k++
      return { kind: 'number', value: t.value }
    }
    if (t.kind === 'name') {
      k++
      if (isSymbol('(')) {
        if (!isFunction(t.name)) throw new ParseError(`unknown function '${t.name}'`, t.at)
        k++
        const arg = sum()
        expect(')', `')' to close ${t.name}(`)
        return { kind: 'call', fn: t.name, arg }
      }
      if (isFunction(t.name)) throw new ParseError(`'${t.name}' is a function: write ${t.name}(...)`, t.end)
      return { kind: 'variable', name: t.name }
    }
    if (isSymbol('(')) {
      k++
      const inner = sum()
      expect(')', "')'")
      return inner
    }
    throw new ParseError(`expected a number, a variable, a function or '(', found ${describe(t)}`, t.at)
  }

  const expr = sum()
  if (peek().kind !== 'end') throw new ParseError(`unexpected ${describe(peek())}`, peek().at)
  return expr
}

/** The variables of `expr` in the order they first appear in the text. */
export function variablesOf(expr: Expr): string[] {
  const seen: string[] = []
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'variable':
        if (!seen.includes(e.name)) seen.push(e.name)
        return
      case 'negate':
      case 'call':
        return visit(e.arg)
      case 'binary':
        visit(e.left)
        visit(e.right)
        return
      case 'number':
        return
    }
  }
  visit(expr)
  return seen
}

/** Parses a point such as `x = 0.5, y = -2` (numbers may be negative or in e-notation). */
export function parsePoint(text: string): Map<string, number> {
  const tokens = tokenize(text)
  const point = new Map<string, number>()
  let k = 0
  const t = () => tokens[k]!
  while (t().kind !== 'end') {
    const name = t()
    if (name.kind !== 'name') throw new ParseError(`expected a variable name, found ${describe(name)}`, name.at)
    if (point.has(name.name)) throw new ParseError(`'${name.name}' is given twice`, name.at)
    k++
    const eq = t()
    if (eq.kind !== 'symbol' || eq.symbol !== '=') throw new ParseError(`expected '=' after ${name.name}, found ${describe(eq)}`, eq.at)
    k++
    let sign = 1
    const s = t()
    if (s.kind === 'symbol' && (s.symbol === '-' || s.symbol === '+')) {
      sign = s.symbol === '-' ? -1 : 1
      k++
    }
    const num = t()
    if (num.kind !== 'number') throw new ParseError(`expected a number for ${name.name}, found ${describe(num)}`, num.at)
    k++
    point.set(name.name, sign * num.value)
    const sep = t()
    if (sep.kind === 'end') break
    if (sep.kind !== 'symbol' || sep.symbol !== ',') throw new ParseError(`expected ',' between variables, found ${describe(sep)}`, sep.at)
    k++
  }
  return point
}
