import { setPrintOptions } from '@ad/core'

/**
 * Puts back the process-wide settings a snippet may change (PyTorch's default print
 * options, SPEC), so each block behaves as the standalone program it reads as.
 */
export function resetGlobals(): void {
  setPrintOptions({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null })
}
