/**
 * The code blocks of a markdown page: every TypeScript block, and the output block under it
 * (a ```txt fence separated from it by blank lines only). The snippet test runs the first and
 * compares what it prints with the second.
 */
export interface Snippet {
  /** 1-based line of the opening fence of the TypeScript block. */
  line: number
  code: string
  /** The output block's text, or null when the block has none (it must then print nothing). */
  output: string | null
  /** Line range [start, end) of the output block's body in the page, for --update. */
  outputBody: [number, number] | null
  /** Index of the line after the TypeScript block's closing fence. */
  after: number
}

interface Fence {
  info: string
  open: number
  close: number
  body: string[]
}

function fences(lines: readonly string[]): Fence[] {
  const out: Fence[] = []
  for (let i = 0; i < lines.length; i++) {
    const m = /^(`{3,})(.*)$/.exec(lines[i]!)
    if (!m) continue
    const ticks = m[1]!
    let j = i + 1
    while (j < lines.length && lines[j]!.trim() !== ticks) j++
    out.push({ info: m[2]!.trim(), open: i, close: j, body: lines.slice(i + 1, j) })
    i = j
  }
  return out
}

// `ts sketch` marks an outline with `...` holes (the op declaration in architecture.md): shown, not run.
const isTs = (info: string) => /^(ts|typescript)\b/.test(info) && !/\bsketch\b/.test(info)
const isOutput = (info: string) => /^txt\b/.test(info)

export function snippetsOf(markdown: string): Snippet[] {
  const lines = markdown.split('\n')
  const all = fences(lines)
  const snippets: Snippet[] = []
  all.forEach((f, k) => {
    if (!isTs(f.info)) return
    const next = all[k + 1]
    const adjacent = next !== undefined && isOutput(next.info) &&
      lines.slice(f.close + 1, next.open).every((l) => l.trim() === '')
    snippets.push({
      line: f.open + 1,
      code: f.body.join('\n'),
      output: adjacent ? next.body.join('\n') : null,
      outputBody: adjacent ? [next.open + 1, next.close] : null,
      after: f.close + 1,
    })
  })
  return snippets
}

/** The page with each snippet's output block replaced by (or set to) what it printed. */
export function withOutputs(markdown: string, snippets: readonly Snippet[], printed: readonly string[]): string {
  const lines = markdown.split('\n')
  // From the bottom up, so earlier line numbers stay valid.
  for (let k = snippets.length - 1; k >= 0; k--) {
    const s = snippets[k]!
    const text = printed[k]!
    const body = text === '' ? [] : text.split('\n')
    if (s.outputBody) {
      const [a, b] = s.outputBody
      if (body.length === 0) lines.splice(a - 1, b - a + 2) // the block printed nothing: drop both fences and the body
      else lines.splice(a, b - a, ...body)
    } else if (body.length > 0) {
      lines.splice(s.after, 0, '', '```txt', ...body, '```')
    }
  }
  return lines.join('\n')
}
