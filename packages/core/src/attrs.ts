import { describeValue, invalid } from './errors.js'

export type AttrKind = 'int' | 'ints' | 'number' | 'bool' | 'string'

/**
 * One attribute of an op: its kind, and whether it may be left out (with or without a
 * default). `Required` carries that in the type too, so a call leaving out a required
 * attribute fails to compile (see `AttrsInput`).
 */
export class Attr<T, Required extends boolean = boolean> {
  constructor(
    readonly kind: AttrKind,
    readonly required: Required,
    readonly fallback?: T,
    /** For a string attribute: the values it may take (any string when absent). */
    readonly choices?: readonly string[],
  ) {}

  optional(): Attr<T | undefined, false> {
    return new Attr<T | undefined, false>(this.kind, false, undefined, this.choices)
  }

  default(value: T): Attr<T, false> {
    return new Attr<T, false>(this.kind, false, value, this.choices)
  }
}

export const attr = {
  int: (): Attr<number, true> => new Attr('int', true),
  ints: (): Attr<readonly number[], true> => new Attr('ints', true),
  number: (): Attr<number, true> => new Attr('number', true),
  bool: (): Attr<boolean, true> => new Attr('bool', true),
  string: (): Attr<string, true> => new Attr('string', true),
  /** One of a fixed set of strings (gelu's `approximate: 'none' | 'tanh'`). */
  oneOf: <const C extends readonly string[]>(...choices: C): Attr<C[number], true> => new Attr<C[number], true>('string', true, undefined, choices),
}

export type AttrSchema = Record<string, Attr<unknown>>
/** The attrs a rule sees: every attribute present (defaults filled in). */
export type AttrsOf<S extends AttrSchema> = { [K in keyof S]: S[K] extends Attr<infer T> ? T : never }

type RequiredKeys<S extends AttrSchema> = { [K in keyof S]: S[K] extends Attr<any, true> ? K : never }[keyof S]

/** One object type (not an intersection, which would let a string pass for an object of optional attrs). */
type Flat<T> = { [K in keyof T]: T[K] }

/** The attrs a caller passes: the required attributes, and the optional ones if wanted. */
export type AttrsInput<S extends AttrSchema> = Flat<
  { [K in RequiredKeys<S>]: AttrsOf<S>[K] } & { [K in Exclude<keyof S, RequiredKeys<S>>]?: AttrsOf<S>[K] }
>

function matches(field: Attr<unknown>, value: unknown): boolean {
  switch (field.kind) {
    case 'string':
      return typeof value === 'string' && (field.choices === undefined || field.choices.includes(value))
    case 'int':
      return Number.isInteger(value)
    case 'number':
      return typeof value === 'number' && !Number.isNaN(value)
    case 'bool':
      return typeof value === 'boolean'
    case 'ints':
      return Array.isArray(value) && allIntegers(value)
  }
}

/** A loop, not `every`: `every` skips the holes of a sparse array such as `[1, , 2]`. */
function allIntegers(values: readonly unknown[]): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isInteger(values[i])) return false
  return true
}

const kindName: Record<AttrKind, string> = {
  int: 'an integer',
  ints: 'an array of integers',
  number: 'a number',
  bool: 'a boolean',
  string: 'a string',
}

function expected(field: Attr<unknown>): string {
  return field.choices === undefined ? kindName[field.kind] : `one of ${field.choices.map((c) => JSON.stringify(c)).join(', ')}`
}

const EMPTY = Object.freeze({})

/** Checks `given` against an op's schema and fills defaults; unknown or ill-typed attributes throw. */
export function parseAttrs<S extends AttrSchema>(op: string, schema: S, given: object | undefined): AttrsOf<S> {
  const keys = Object.keys(schema)
  if (keys.length === 0 && (given === undefined || isEmpty(given))) return EMPTY as AttrsOf<S>
  const input = (given ?? {}) as Record<string, unknown>
  for (const key of Object.keys(input)) {
    // Own keys only: `constructor` or `toString` must not pass as attributes because every
    // object inherits them.
    if (!Object.hasOwn(schema, key)) {
      const known = keys.length ? `it takes ${keys.join(', ')}` : 'it takes no attributes'
      throw invalid(`${op}: unknown attribute '${key}'; ${known}.`)
    }
  }
  const out: Record<string, unknown> = {}
  for (const key of keys) {
    const field = schema[key]
    const value = Object.hasOwn(input, key) ? input[key] : undefined
    if (value === undefined) {
      if (field.required) throw invalid(`${op}: attribute '${key}' is required (${expected(field)}).`)
      out[key] = field.fallback
    } else if (!matches(field, value)) {
      throw invalid(`${op}: attribute '${key}' must be ${expected(field)}, got ${describeValue(value)}.`)
    } else {
      out[key] = value
    }
  }
  return out as AttrsOf<S>
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false
  return true
}
