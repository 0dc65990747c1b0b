/** A number rounded to 6 significant digits, to fit a graph node's box. */
export const short = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6))))

/** A node's two lines: what it computed, and the gradient once backward reached it. */
export const nodeLines = (label: string, value: number, grad: number | null): [string, string] => [
  `${label} = ${short(value)}`,
  grad === null ? '·' : `grad ${short(grad)}`,
]
