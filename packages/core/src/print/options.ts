import { invalid } from '../errors.js'

/**
 * How tensors print: PyTorch's `set_printoptions` under ad's names, with its defaults.
 * - `precision`: digits after the point (fixed) or after the leading digit (scientific);
 * - `threshold`: a tensor with more elements than this is summarised with `...`;
 * - `edgeitems`: elements kept at each end of a summarised dim;
 * - `linewidth`: the column at which rows wrap;
 * - `sciMode`: `true`/`false` force scientific notation on or off; `null` lets each tensor choose.
 */
export interface PrintOptions {
  precision: number
  threshold: number
  edgeitems: number
  linewidth: number
  sciMode: boolean | null
}

export const DEFAULT_PRINT_OPTIONS: Readonly<PrintOptions> = Object.freeze({
  precision: 4,
  threshold: 1000,
  edgeitems: 3,
  linewidth: 80,
  sciMode: null,
})

const current: PrintOptions = { ...DEFAULT_PRINT_OPTIONS }

/** The options printing uses now (a copy). */
export function printOptions(): PrintOptions {
  return { ...current }
}

/**
 * Changes how tensors print from now on. Options left out keep their value (unlike
 * PyTorch, whose `set_printoptions` also resets `sci_mode` when it is not passed). Returns
 * the options as they were, so `setPrintOptions(previous)` restores them. Invalid options
 * throw `INVALID_ARGUMENT` and change nothing.
 */
export function setPrintOptions(options: Partial<PrintOptions>): PrintOptions {
  if (options === null || typeof options !== 'object') {
    throw invalid(`setPrintOptions: expects an object such as { precision: 2 }, got ${String(options)}.`)
  }
  const next = { ...current }
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue
    switch (key) {
      case 'precision':
        next.precision = count(key, value, 0, 100)
        break
      case 'edgeitems':
        next.edgeitems = count(key, value, 1, Number.MAX_SAFE_INTEGER)
        break
      case 'linewidth':
        next.linewidth = count(key, value, 1, Number.MAX_SAFE_INTEGER)
        break
      case 'threshold':
        // Infinity never summarises (PyTorch's profile 'full').
        if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
          throw invalid(`setPrintOptions: threshold must be a number >= 0 (Infinity to never summarise), got ${String(value)}.`)
        }
        next.threshold = value
        break
      case 'sciMode':
        if (value !== null && typeof value !== 'boolean') {
          throw invalid(`setPrintOptions: sciMode must be true, false or null (automatic), got ${String(value)}.`)
        }
        next.sciMode = value
        break
      default:
        throw invalid(`setPrintOptions: unknown option '${key}'; the options are precision, threshold, edgeitems, linewidth and sciMode.`)
    }
  }
  const previous = { ...current }
  Object.assign(current, next)
  return previous
}

function count(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(`setPrintOptions: ${key} must be an integer from ${min}${max < 1e6 ? ` to ${max}` : ' up'}, got ${String(value)}.`)
  }
  return value
}
