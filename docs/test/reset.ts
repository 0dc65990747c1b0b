import * as core from '@ad/core'

/**
 * Puts back the process-wide settings a snippet may change (print options), so each block
 * behaves as the standalone program it reads as.
 */
export async function resetGlobals(): Promise<void> {
  const setPrintOptions = (core as Record<string, unknown>).setPrintOptions as ((o: object) => void) | undefined
  setPrintOptions?.({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: undefined })
}
