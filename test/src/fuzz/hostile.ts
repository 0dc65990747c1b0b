// Arbitraries for what a careless or hostile caller passes where `ad` expects data, shapes,
// attributes or functions. They cover every kind the issue lists; sizes are kept either small
// or far past the allocation limit, so a run never spends seconds on a legitimately huge tensor.
import fc from 'fast-check'

/** Numbers at the edges of float64 and of every dtype. */
export const edgeNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2, 0.5, 3, NaN, Infinity, -Infinity, 1e308, -1e308, 5e-324, 1e-300, 1e4, -1e4, 2 ** 31, 2 ** 53),
  fc.double({ min: -10, max: 10, noNaN: true }),
)

/** Anything that is not a number but might be passed as one. */
export const nonNumber: fc.Arbitrary<unknown> = fc.constantFrom<unknown>(
  '1', '', 'abc', true, false, null, undefined, 1n, -3n, {}, { valueOf: () => 2 }, [], () => 1, Symbol('s'), new Date(0),
)

export const leaf: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: edgeNumber }, { weight: 1, arbitrary: nonNumber })

/** Nested arrays: rectangular, ragged, empty, sparse (holes), and with non-numbers inside. */
export const nested: fc.Arbitrary<unknown> = fc.letrec<{ node: unknown }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('node'), { maxLength: 4 }),
    fc.integer({ min: 0, max: 3 }).chain((n) => fc.array(fc.array(edgeNumber, { minLength: n, maxLength: n }), { maxLength: 3 })),
    fc.array(edgeNumber, { maxLength: 3 }).map((a) => sparse(a)),
  ),
})).node

function sparse(a: number[]): unknown[] {
  const out = new Array<unknown>(a.length + 1)
  a.forEach((v, i) => (out[i] = v))
  return out // the last slot is a hole
}

/**
 * A dim as a user might get it wrong. Huge dims are past the SPEC's limits (2³¹ − 1 elements,
 * 4 GiB) on their own, so they test refusal; 1e6 stays a few MB (at most two hostile dims).
 */
export const dim: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(-1, -99, 0.5, NaN, Infinity, -Infinity, 1e6, 3e9, 2 ** 31, 2 ** 53, '6', null, undefined, 1n) },
)

export const shape: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 6 }) },
  // At most two hostile dims: a 1e6 among them stays a few MB, anything bigger is refused.
  { weight: 3, arbitrary: fc.array(dim, { maxLength: 2 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>([1e6, 1e6], [2 ** 31], [1e9, 8], [1, , 2], 3, '2,3', null, undefined, { length: 2 }, [-1]) },
)

/** Typed arrays of every kind, of lengths that may not fit the shape asked for. */
export const typedArray: fc.Arbitrary<unknown> = fc
  .tuple(fc.constantFrom('f64', 'f32', 'i32', 'u8', 'i16', 'f64sub'), fc.array(edgeNumber, { maxLength: 6 }))
  .map(([kind, values]) => {
    switch (kind) {
      case 'f64':
        return Float64Array.from(values)
      case 'f32':
        return Float32Array.from(values)
      case 'i32':
        return Int32Array.from(values.map((v) => (Number.isFinite(v) ? Math.trunc(v) % 4 : 0)))
      case 'u8':
        return Uint8Array.from(values.map((v) => (Number.isFinite(v) ? Math.abs(Math.trunc(v)) % 4 : 0)))
      case 'i16':
        return Int16Array.from(values.map((v) => (Number.isFinite(v) ? Math.trunc(v) % 4 : 0)))
      default:
        return new Float64Array([0, ...values, 0]).subarray(1, values.length + 1)
    }
  })

export const dtype: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(undefined, 'float64', 'float32') },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('float16', 'int32', 'Float64', '', null, 64, {}) },
)

/** An options object of creation functions, sometimes not an object at all. */
export const options: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ dtype, requiresGrad: fc.constantFrom<unknown>(undefined, true, false, 'yes', 1) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ dtype, shape }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 3, 'float32', [], true) },
)

/** An attribute value: right kinds, wrong kinds, out of range. */
export const attrValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -4, max: 4 }) },
  { weight: 2, arbitrary: fc.array(fc.integer({ min: -4, max: 4 }), { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: edgeNumber },
  { weight: 1, arbitrary: fc.array(dim, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(1e6, 1e9, 2 ** 31, -(2 ** 31), [1e9, 1e9], [1e6, 1e6, 8], [-1e9, 1e9]) },
  { weight: 1, arbitrary: nonNumber },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('ij,jk->ik', 'none', 'tanh', 'ii->', 'i,i->i', '->', 'ab,bc', [1, 1], [0, 0, 0]) },
)

/** Attributes: the op's own names with any values, unknown names, and names that live on Object.prototype. */
export function attrsFor(names: readonly string[]): fc.Arbitrary<unknown> {
  const known = names.length > 0 ? fc.constantFrom(...names) : fc.constant('dim')
  const key = fc.oneof(
    { weight: 6, arbitrary: known },
    { weight: 1, arbitrary: fc.constantFrom('nonsense', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__') },
  )
  return fc.oneof(
    { weight: 1, arbitrary: fc.constantFrom<unknown>(undefined, {}, null) },
    { weight: 6, arbitrary: fc.array(fc.tuple(key, attrValue), { maxLength: 4 }).map((entries) => objectOf(entries)) },
  )
}

/** A plain object with exactly these own keys (`__proto__` included as an own key, as JSON.parse makes it). */
function objectOf(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true })
  return o
}
