import { describeValue, invalid } from './errors.js'

/** Which arguments a transform differentiates: an index or an array of them. */
export type Argnums = number | readonly number[]

/**
 * The differentiated argument indices of one call, checked against its `nargs` arguments
 * and made non-negative: as in JAX, a negative index counts from the end (-1 is the last
 * argument). Shared by both engines' transforms so they accept and refuse the same things.
 */
export function resolveArgnums(who: string, argnums: Argnums, nargs: number): number[] {
  const list = typeof argnums === 'number' ? [argnums] : argnums
  if (!Array.isArray(list) || list.length === 0) {
    throw invalid(`${who}: argnums must be an argument index or a non-empty array of them, got ${describeValue(argnums)}.`)
  }
  const resolved = list.map((a: unknown) => {
    if (typeof a !== 'number' || !Number.isInteger(a) || a < -nargs || a >= nargs) {
      throw invalid(
        `${who}: argnums ${describeValue(argnums)} names argument ${describeValue(a)}, but the function was called with ` +
          `${nargs} argument(s); use indices 0 to ${nargs - 1}, or -${nargs} to -1 counting from the end.`,
      )
    }
    return a < 0 ? a + nargs : a
  })
  if (new Set(resolved).size !== resolved.length) {
    throw invalid(`${who}: argnums ${describeValue(argnums)} names an argument twice; name each one once.`)
  }
  return resolved
}
