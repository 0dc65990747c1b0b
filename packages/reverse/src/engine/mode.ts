import { expectFunction } from '@ad/core'
/**
 * The reverse engine's global switches, one place for all of them.
 *
 * - `gradEnabled`: whether ops record nodes (PyTorch's grad mode; `noGrad` turns it off).
 * - `plain`: a depth counter; above 0, the interpreter runs kernels and returns plain core
 *   tensors without wrapping or recording. The engine raises it while it runs VJP rules for
 *   a backward pass that is not itself recorded, and around kernels (so a kernel written
 *   with core ops never re-enters the tape).
 * - `anomaly`: a depth counter (`detectAnomaly`); above 0, nodes remember where they were
 *   recorded and backward checks what every rule returns for NaN.
 * - `collect`: while `checkpoint` runs its function under noGrad, the tensors requiring grad
 *   that the function's ops read (its inputs and whatever it closes over).
 */
export const mode = {
  gradEnabled: true,
  plain: 0,
  anomaly: 0,
  collect: null as Set<object> | null,
}

/** Runs `fn` with recording off: results do not require grad. Restores the previous mode, also on throw. */
export function noGrad<T>(fn: () => T): T {
  expectFunction('noGrad', fn)
  return withGradMode(false, fn)
}

/** Runs `fn` with recording on, for instance inside a `noGrad` block. */
export function enableGrad<T>(fn: () => T): T {
  expectFunction('enableGrad', fn)
  return withGradMode(true, fn)
}

export function isGradEnabled(): boolean {
  return mode.gradEnabled
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = mode.gradEnabled
  mode.gradEnabled = enabled
  try {
    return fn()
  } finally {
    mode.gradEnabled = previous
  }
}
