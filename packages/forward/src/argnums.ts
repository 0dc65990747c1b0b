import { describeValue } from '@ad/core'
import { invalid } from './values.js'

export type Argnums = number | readonly number[]

/** The differentiated argument indices, checked against the call's arguments. */
export function resolveArgnums(who: string, argnums: Argnums, nargs: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : argnums
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid(`${who}: argnums must be an argument index or a non-empty array of them, got ${describeValue(argnums)}.`)
  }
  for (const a of list) {
    if (!Number.isInteger(a) || a < 0 || a >= nargs) {
      throw invalid(
        `${who}: argnums ${describeValue(argnums)} names argument ${a}, but the function was called with ` +
          `${nargs} argument(s); use indices 0 to ${nargs - 1}.`,
      )
    }
  }
  if (new Set(list).size !== list.length) {
    throw invalid(`${who}: argnums ${describeValue(argnums)} repeats an argument; name each one once.`)
  }
  return [...list]
}
