import fc from 'fast-check'
import type { Draw } from '@ad/core'

/** What a property receives from `fc.gen()`: every value drawn through it shrinks and replays. */
export type Gen = fc.GeneratorValue

/**
 * Core's `Draw`, backed by fast-check. Ops' domain samplers call it, so a failing sample
 * shrinks (smaller ranks, smaller dims, the first choice of a `pick`) and replays from a seed,
 * with no test library inside `@ad/core`.
 */
export function drawFrom(gen: Gen): Draw {
  return {
    int: (min, max) => gen(fc.integer, { min, max }),
    bool: () => gen(fc.boolean),
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) throw new Error('draw.pick: nothing to pick from')
      return items[gen(fc.integer, { min: 0, max: items.length - 1 })]
    },
  }
}

/**
 * `n` doubles in [min, max]. One array per argument keeps the number of recorded draws small
 * (shrinking then works element by element). fast-check biases towards the bounds and 0,
 * which is where bugs live; the caller moves values off kinks afterwards.
 */
export function drawDoubles(gen: Gen, n: number, min: number, max: number): number[] {
  return gen(fc.array, fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n })
}

/** `n` integers in [min, max]. */
export function drawIntegers(gen: Gen, n: number, min: number, max: number): number[] {
  return gen(fc.array, fc.integer({ min, max }), { minLength: n, maxLength: n })
}

/** A 32-bit seed for the random directions u and v (shrinks to 0). */
export function drawSeed(gen: Gen): number {
  return gen(fc.integer, { min: 0, max: 0x7fffffff })
}

/** One of `options`, shrinking towards the first. */
export function drawOption<T>(gen: Gen, options: readonly T[]): T {
  return options[gen(fc.integer, { min: 0, max: options.length - 1 })]
}
