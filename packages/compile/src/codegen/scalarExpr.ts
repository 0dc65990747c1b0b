/**
 * The expression form of an op's scalar function, for inlining into generated loops. A
 * function of `Math` (`Math.sin`) is called as such; an arrow function whose body is one
 * expression over its parameters, numbers and `Math` (`(a, b) => a * b`) is inlined with its
 * parameters replaced; anything else is called through a reference the loop closes over
 * (V8 inlines that call: each generated loop has its own call site). Read from the function
 * itself, never from the op's name, so a user's `defineUnary` is inlined the same way.
 */
export type ScalarForm =
  | {
      kind: 'expr'
      emit: (args: readonly string[]) => string
      /** How many times the expression names each parameter (an argument written twice is computed twice). */
      uses: (param: number) => number
    }
  | { kind: 'call' }

const cache = new WeakMap<(...xs: number[]) => number, ScalarForm>()

export function scalarForm(f: (...xs: number[]) => number): ScalarForm {
  let form = cache.get(f)
  if (form === undefined) {
    form = read(f)
    cache.set(f, form)
  }
  return form
}

const IDENT = /[A-Za-z_$][\w$]*/g
// Words an inlined body may use besides its parameters.
const ALLOWED = new Set(['Math', 'Infinity', 'NaN'])

function read(f: (...xs: number[]) => number): ScalarForm {
  const math = Math as unknown as Record<string, unknown>
  if (f.name !== '' && math[f.name] === f) return { kind: 'expr', emit: (args) => `Math.${f.name}(${args.join(', ')})`, uses: () => 1 }
  const source = Function.prototype.toString.call(f).trim()
  const m = /^(?:\(\s*([\w$\s,]*)\)|([A-Za-z_$][\w$]*))\s*=>\s*([^{][\s\S]*)$/.exec(source)
  if (m === null) return { kind: 'call' }
  const params = (m[1] ?? m[2] ?? '').split(',').map((p) => p.trim()).filter((p) => p !== '')
  const body = m[3].trim()
  if (!/^[\w$\s+\-*/%().,<>=!?:&|]*$/.test(body) || /=>|\b(function|this|new|return|arguments)\b/.test(body)) return { kind: 'call' }
  // Every word must be a parameter, a property after '.', Math, or part of a number literal.
  const words = body.replace(/\b\d[\d.]*(e[+-]?\d+)?\b/gi, ' ').replace(/\.\s*[A-Za-z_$][\w$]*/g, '.')
  for (const w of words.match(IDENT) ?? []) if (!params.includes(w) && !ALLOWED.has(w)) return { kind: 'call' }
  if (/[^=!<>]=[^=]/.test(body.replace(/[=!<>]==?/g, ' '))) return { kind: 'call' } // no assignments
  // The body cut once into text and parameter positions, so emitting it is a join.
  const parts: (string | number)[] = []
  let last = 0
  for (const m of body.matchAll(/(\.\s*)?([A-Za-z_$][\w$]*)/g)) {
    const i = m[1] === undefined ? params.indexOf(m[2]) : -1
    if (i < 0) continue
    parts.push(body.slice(last, m.index), i)
    last = m.index! + m[0].length
  }
  parts.push(body.slice(last))
  return {
    kind: 'expr',
    emit: (args) => `(${parts.map((p) => (typeof p === 'number' ? `(${args[p]})` : p)).join('')})`,
    uses: (param) => parts.filter((p) => p === param).length,
  }
}

/** A number as a JS literal (NaN, ±Infinity and -0 included). */
export function literal(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '(-Infinity)'
  if (Object.is(x, -0)) return '(-0)'
  return x < 0 ? `(${x})` : String(x)
}

/** How many times `f`'s generated code computes its parameter `param` (once when it is called). */
export function timesUsed(f: (...xs: number[]) => number, param: number): number {
  const form = scalarForm(f)
  return form.kind === 'expr' ? form.uses(param) : 1
}
