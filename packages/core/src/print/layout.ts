import type { ElementFormat } from './formatter.js'
import { ELLIPSIS, shownIndices, type Elements } from './select.js'

export interface Layout {
  readonly summarize: boolean
  readonly edgeitems: number
  readonly linewidth: number
}

/**
 * The nested brackets of a non-empty tensor, as PyTorch's `_tensor_str_with_formatter`:
 * `indent` is the column the outer `[` sits after. Each dim nests one column deeper; the
 * slices of a k-dim block are separated by a comma and k-1 line breaks (so 3-D blocks get a
 * blank line between them); a summarised dim shows `...` in place of its middle.
 */
export function layoutTensor(t: Elements, fmt: ElementFormat, layout: Layout, indent: number): string {
  if (t.shape.length === 0) return fmt.format(t.data[t.offset])
  return block(t, fmt, layout, 0, t.offset, indent)
}

function block(t: Elements, fmt: ElementFormat, layout: Layout, dim: number, base: number, indent: number): string {
  const rank = t.shape.length
  const stride = t.strides[dim]
  const indices = shownIndices(t.shape[dim], layout.summarize, layout.edgeitems)
  if (dim === rank - 1) return row(indices.map((i) => (i === ELLIPSIS ? ' ...' : fmt.format(t.data[base + i * stride]))), fmt, layout, indent)
  const slices = indices.map((i) => (i === ELLIPSIS ? '...' : block(t, fmt, layout, dim + 1, base + i * stride, indent + 1)))
  return `[${slices.join(`,${'\n'.repeat(rank - dim - 1)}${' '.repeat(indent + 1)}`)}]`
}

/**
 * One innermost row, wrapped so that a line holds as many elements of the common width
 * (plus ", ") as fit in `linewidth` after the indent, and at least one.
 */
function row(items: string[], fmt: ElementFormat, layout: Layout, indent: number): string {
  const perLine = Math.max(1, Math.floor((layout.linewidth - indent) / (fmt.width + 2)))
  const lines: string[] = []
  for (let i = 0; i < items.length; i += perLine) lines.push(items.slice(i, i + perLine).join(', '))
  return `[${lines.join(`,\n${' '.repeat(indent + 1)}`)}]`
}
