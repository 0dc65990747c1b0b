import type { DType } from '../dtype.js'
import { chooseFormat } from './formatter.js'
import { layoutTensor } from './layout.js'
import { printOptions } from './options.js'
import { shownValues, type Elements } from './select.js'

/** What printing reads of a tensor (core's, or an engine's subclass). */
export interface Printable {
  readonly shape: readonly number[]
  readonly strides: readonly number[]
  readonly offset: number
  readonly size: number
  readonly dtype: DType
  readonly storage: { readonly data: ArrayLike<number> }
  item(): number
}

/**
 * Node's `util.inspect` (so `console.log`) calls the method under this symbol. It is
 * `Symbol.for`'s registry key, so no Node module is imported and the code runs in browsers.
 */
export const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never

const PREFIX = 'tensor('

/**
 * A tensor as PyTorch's `str()` prints it (`torch/_tensor_str.py`), in ad's words: the
 * elements, then `shape=[2, 0]` for an empty tensor that is not 1-D, `dtype=float32` when
 * not float64, then the engine's `suffixes` (`gradFn=<MulBackward>`, `tangent=...`). A
 * number prints as a 0-dim float64 tensor. Reads the current print options.
 */
export function formatTensor(t: Printable | number, suffixes: readonly string[] = []): string {
  const options = printOptions()
  const elements = elementsOf(t)
  const size = typeof t === 'number' ? 1 : t.size
  const tail: string[] = []
  let body = '[]'
  if (size === 0) {
    // Empty: the shape says what the brackets cannot (PyTorch omits it for 1-D).
    if (elements.shape.length !== 1) tail.push(`shape=[${elements.shape.join(', ')}]`)
  } else {
    const summarize = size > options.threshold
    const fmt = chooseFormat(shownValues(elements, summarize, options.edgeitems), options)
    body = layoutTensor(elements, fmt, { summarize, edgeitems: options.edgeitems, linewidth: options.linewidth }, PREFIX.length)
  }
  if (typeof t !== 'number' && t.dtype !== 'float64') tail.push(`dtype=${t.dtype}`)
  tail.push(...suffixes)
  return addSuffixes(PREFIX + body, tail, PREFIX.length, options.linewidth)
}

/** A 0-dim value is read with `item()`, which does not make an engine's lazy scalar storage. */
function elementsOf(t: Printable | number): Elements {
  if (typeof t === 'number') return { data: [t], shape: [], strides: [], offset: 0 }
  if (t.shape.length === 0) return { data: [t.item()], shape: [], strides: [], offset: 0 }
  return { data: t.storage.data, shape: t.shape, strides: t.strides, offset: t.offset }
}

/**
 * `, suffix` after the elements, or `,⏎` and the indent when the line would pass
 * `linewidth`. The length of the last line is counted as PyTorch's `_add_suffixes` counts it
 * (two more than its characters), so lines break exactly where PyTorch breaks them.
 */
function addSuffixes(text: string, suffixes: readonly string[], indent: number, linewidth: number): string {
  let out = text
  let lastLine = text.length - text.lastIndexOf('\n') + 1
  for (const suffix of suffixes) {
    if (lastLine + suffix.length + 2 > linewidth) {
      out += `,\n${' '.repeat(indent)}${suffix}`
      lastLine = indent + suffix.length
    } else {
      out += `, ${suffix}`
      lastLine += suffix.length + 2
    }
  }
  return `${out})`
}
