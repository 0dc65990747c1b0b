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
