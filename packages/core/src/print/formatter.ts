import { formatExponential, formatFixed } from './decimal.js'
import type { PrintOptions } from './options.js'

/** How every element of one printed tensor is written: one notation and one column width. */
export interface ElementFormat {
  /** The width elements are padded to (a longer one, such as `-0.0000`, is not cut). */
  readonly width: number
  format(value: number): string
}

/**
 * PyTorch's `_Formatter`: the notation is chosen from the finite nonzero values shown.
 * - integer mode when all of them are whole numbers: `1.`, `-3.` (a point marks a float);
 * - scientific when the largest magnitude exceeds 1e8 or the largest over the smallest
 *   exceeds 1000 (or, outside integer mode, the smallest is below 1e-4);
 * - fixed with `precision` digits otherwise.
 * The width is the longest of those values so written (plus the point in integer mode);
 * NaN, infinities and zeros do not count. With no finite nonzero value at all, integer mode
 * and width 1, and PyTorch's early return there also skips a forced `sciMode`.
 */
export function chooseFormat(values: readonly number[], options: PrintOptions): ElementFormat {
  const { precision } = options
  const shown = values.filter((v) => Number.isFinite(v) && v !== 0)
  let intMode = true
  let sciMode = false
  let width = 1
  if (shown.length > 0) {
    let min = Infinity
    let max = 0
    for (const v of shown) {
      const a = Math.abs(v)
      if (a < min) min = a
      if (a > max) max = a
      if (v !== Math.ceil(v)) intMode = false
    }
    sciMode = max / min > 1000 || max > 1e8 || (!intMode && min < 1e-4)
    for (const v of shown) {
      const text = sciMode ? formatExponential(v, precision) : intMode ? `${formatFixed(v, 0)}.` : formatFixed(v, precision)
      width = Math.max(width, text.length)
    }
    if (options.sciMode !== null) sciMode = options.sciMode
  }
  return {
    width,
    format(value: number): string {
      let text: string
      if (sciMode) text = formatExponential(value, precision)
      else if (intMode) text = Number.isFinite(value) ? `${formatFixed(value, 0)}.` : formatFixed(value, 0)
      else text = formatFixed(value, precision)
      return text.padStart(width)
    },
  }
}
