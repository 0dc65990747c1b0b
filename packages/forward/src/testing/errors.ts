import { AdError } from '@ad/core'
import { expect } from 'vitest'

/** The `code` of the AdError `fn` throws, or 'no error': tests compare codes, never messages. */
export function errorCode(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(AdError)
    return (e as AdError).code
  }
  return 'no error'
}
