import { AdError } from '@ad/core'

/**
 * A check that found a wrong derivative (`checkGrads` by default, `checkOp` with
 * `throwOnFailure`). Not an `AdError`: nothing was misused, a derivative is wrong. The
 * message names the worst element; `report` has every number.
 */
export class CheckError<R = unknown> extends Error {
  readonly code = 'CHECK_FAILED'
  constructor(
    message: string,
    readonly report: R,
  ) {
    super(message)
    this.name = 'CheckError'
  }
}

/** A check called wrongly (bad options, f not finite at the inputs): the library's usual error. */
export function invalidUse(message: string): AdError {
  return new AdError('INVALID_ARGUMENT', message)
}
