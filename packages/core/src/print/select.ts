/** The elements of a tensor to print, read in place through its strides (no copy). */
export interface Elements {
  readonly data: ArrayLike<number>
  readonly shape: readonly number[]
  readonly strides: readonly number[]
  readonly offset: number
}

/** The marker for the elements a summary leaves out. */
export const ELLIPSIS = -1

/**
 * The indices shown along a dim of length n: all of them, or when summarising a dim longer
 * than 2·edgeitems, the first and last `edgeitems` with `ELLIPSIS` between.
 */
export function shownIndices(n: number, summarize: boolean, edgeitems: number): number[] {
  const out: number[] = []
  if (summarize && n > 2 * edgeitems) {
    for (let i = 0; i < edgeitems; i++) out.push(i)
    out.push(ELLIPSIS)
    for (let i = n - edgeitems; i < n; i++) out.push(i)
  } else {
    for (let i = 0; i < n; i++) out.push(i)
  }
  return out
}

/** The values that will be printed (PyTorch's `get_summarized_data`), which choose the notation. */
export function shownValues(t: Elements, summarize: boolean, edgeitems: number): number[] {
  const out: number[] = []
  const walk = (dim: number, base: number): void => {
    if (dim === t.shape.length) {
      out.push(t.data[base])
      return
    }
    for (const i of shownIndices(t.shape[dim], summarize, edgeitems)) {
      if (i !== ELLIPSIS) walk(dim + 1, base + i * t.strides[dim])
    }
  }
  walk(0, t.offset)
  return out
}
