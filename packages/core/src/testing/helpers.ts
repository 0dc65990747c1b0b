// Helpers shared by core's unit tests (excluded from the build).
import { AdError } from '../errors.js'
import type { Tensor } from '../tensor.js'

/** A result as nested arrays, whatever value type an op returned. */
export const list = (t: unknown) => (t as Tensor).tolist()

/** The `code` of the error `f` throws: tests compare codes, never messages. */
export function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    return e instanceof AdError ? e.code : `not an AdError: ${String(e)}`
  }
  return 'no error'
}
