/** The stable error codes of the SPEC; tests and users match on these, never on messages. */
export type ErrorCode =
  | 'GRAPH_FREED'
  | 'NON_SCALAR_BACKWARD'
  | 'NO_GRAD'
  | 'SHAPE_MISMATCH'
  | 'MODIFIED_AFTER_SAVE'
  | 'LEAF_INPLACE'
  | 'INVALID_ARGUMENT'
  | 'NAN_GRADIENT'
  | 'SINGULAR_MATRIX'
  | 'TRACED_VALUE'

/** Every error `ad` throws. The message says what happened and what to do about it. */
export class AdError extends Error {
  readonly code: ErrorCode

  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'AdError'
    this.code = code
  }
}

export function invalid(message: string): AdError {
  return new AdError('INVALID_ARGUMENT', message)
}

export function shapeMismatch(message: string): AdError {
  return new AdError('SHAPE_MISMATCH', message)
}

/** `[2,3]` style, as error messages print shapes. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`
}

/**
 * A value as an error message shows it. Never throws, whatever it is given: BigInts, symbols,
 * cycles (a tensor's graph), objects with hostile `toString`s all describe themselves safely,
 * so a bad argument gets its own error rather than one from inside the message.
 */
export function describeValue(x: unknown, depth = 0): string {
  switch (typeof x) {
    case 'number':
      return Object.is(x, -0) ? '-0' : String(x)
    case 'bigint':
      return `${x}n (a BigInt)`
    case 'string':
      return x.length > 40 ? `'${x.slice(0, 40)}…'` : `'${x}'`
    case 'undefined':
    case 'boolean':
      return String(x)
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
  }
  if (x === null) return 'null'
  if (ArrayBuffer.isView(x)) return `a ${x.constructor.name} of length ${(x as unknown as ArrayLike<unknown>).length}`
  if (Array.isArray(x)) {
    if (depth > 1) return `an array of length ${x.length}`
    const items: string[] = []
    for (let i = 0; i < x.length && i < 6; i++) items.push(i in x ? describeValue(x[i], depth + 1) : '<empty slot>')
    return `[${items.join(', ')}${x.length > 6 ? ', …' : ''}]`
  }
  const shape = (x as { shape?: unknown }).shape
  if (Array.isArray(shape)) return `a tensor of shape [${shape.join(',')}]`
  const proto = Object.getPrototypeOf(x)
  if (proto === Object.prototype || proto === null) return 'an object'
  return `an object (${typeof proto?.constructor === 'function' ? proto.constructor.name : 'unknown class'})`
}

/**
 * The options object of a call: `{}` when left out; anything but a plain object (`null`, a
 * number, an array) is refused rather than read as "no options".
 */
export function optionsOf<T extends object>(who: string, options: unknown): Partial<T> {
  if (options === undefined) return {}
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(`${who}: options must be an object such as { dtype: 'float32' }, got ${describeValue(options)}.`)
  }
  return options as Partial<T>
}

/** A function argument of a transform, checked before anything calls it. */
export function expectFunction(who: string, f: unknown): asserts f is (...args: any[]) => unknown {
  if (typeof f !== 'function') throw invalid(`${who}: expected a function to transform, got ${describeValue(f)}.`)
}

/** `inv` or `solve` of a matrix with an exactly zero pivot, `cholesky` of one that is not positive-definite. */
export function singularMatrix(message: string): AdError {
  return new AdError('SINGULAR_MATRIX', message)
}
