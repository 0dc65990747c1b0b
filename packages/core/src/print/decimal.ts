/**
 * Numbers as Python's `'{:.Nf}'` and `'{:.Ne}'` write them, which is what PyTorch prints.
 * Python rounds the exact binary value of a double, ties to even (`0.03125` → `'0.0312'`);
 * JavaScript's `toFixed`/`toExponential` round ties away from zero (`'0.0313'`), so the
 * rounding is done here on the exact decimal expansion of the double, in BigInt, whenever
 * the value may be a tie; otherwise JavaScript's correctly rounded result is the same and
 * cheaper. Non-finite values are written `nan`, `inf`, `-inf` (Python never signs a NaN).
 */

/** `'{:.{digits}f}'.format(x)`. */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x)
  // toFixed writes 1e21 and above in exponent form; -0 loses its sign there.
  if (Math.abs(x) < 1e21 && !Object.is(x, -0) && !mayBeTie(x, digits)) return x.toFixed(digits)
  return exactFixed(x, digits)
}

/** `formatFixed` from the exact decimal expansion (x finite). */
export function exactFixed(x: number, digits: number): string {
  const { n, scale } = exactDecimal(x)
  const q = roundHalfEven(n, scale, digits).toString().padStart(digits + 1, '0')
  const whole = q.slice(0, q.length - digits)
  return sign(x) + (digits > 0 ? `${whole}.${q.slice(q.length - digits)}` : whole)
}

/** `'{:.{digits}e}'.format(x)`: one leading digit, `digits` after the point, exponent of two digits or more. */
export function formatExponential(x: number, digits: number): string {
  if (!Number.isFinite(x)) return nonFinite(x)
  if (x !== 0) {
    // The tie would sit at `digits + 1` digits after the leading one, 10^(e - digits - 1);
    // Math.log10 may be one off near powers of ten, so ask about one more digit.
    const e = Math.floor(Math.log10(Math.abs(x)))
    if (!mayBeTie(x, digits + 1 - e)) {
      const [mantissa, exponent] = x.toExponential(digits).split('e')
      const sign = exponent[0]
      return `${mantissa}e${sign}${exponent.slice(1).padStart(2, '0')}`
    }
  }
  return exactExponential(x, digits)
}

/** `formatExponential` from the exact decimal expansion (x finite). */
export function exactExponential(x: number, digits: number): string {
  const { n, scale } = exactDecimal(x)
  let exponent = 0
  let q = 0n
  if (n !== 0n) {
    exponent = n.toString().length - 1 - scale // the power of ten of the leading digit
    q = roundHalfEven(n, scale, digits - exponent)
    // Rounding up may carry into a new digit (9.99995 → 10.0000): it is then exactly 10^(digits+1).
    if (q === pow10(digits + 1)) {
      q /= 10n
      exponent++
    }
  }
  const m = q.toString().padEnd(digits + 1, '0')
  const mantissa = digits > 0 ? `${m[0]}.${m.slice(1)}` : m
  const e = Math.abs(exponent).toString().padStart(2, '0')
  return `${sign(x)}${mantissa}e${exponent < 0 ? '-' : '+'}${e}`
}

/**
 * Whether x could lie exactly halfway between two multiples of 10^-digits. Such a value has
 * a finite expansion with digits + 1 decimals, so x·2^(digits + 1) is a whole number
 * (exact: a multiplication by a power of two); most values fail that test at once.
 */
function mayBeTie(x: number, digits: number): boolean {
  return digits < 0 ? Number.isInteger(x) : Number.isInteger(x * 2 ** (digits + 1))
}

function nonFinite(x: number): string {
  return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'
}

/** Python keeps the sign of a negative number that rounds to zero, and of -0. */
function sign(x: number): string {
  return x < 0 || Object.is(x, -0) ? '-' : ''
}

const bits = new Float64Array(1)
const words = new BigUint64Array(bits.buffer)
const MANTISSA = (1n << 52n) - 1n

/** |x| = n / 10^scale exactly (x finite): a double m·2^e with e < 0 is m·5^-e / 10^-e. */
function exactDecimal(x: number): { n: bigint; scale: number } {
  bits[0] = x
  const word = words[0]
  const biased = Number((word >> 52n) & 0x7ffn)
  let m = word & MANTISSA
  let e = -1074 // subnormals (and zero)
  if (biased !== 0) {
    m |= 1n << 52n
    e = biased - 1075
  }
  if (e >= 0) return { n: m << BigInt(e), scale: 0 }
  return { n: m * 5n ** BigInt(-e), scale: -e }
}

/** The integer q nearest to (n / 10^scale)·10^digits, ties to even (`digits` may be negative). */
function roundHalfEven(n: bigint, scale: number, digits: number): bigint {
  if (digits >= scale) return n * pow10(digits - scale)
  const d = pow10(scale - digits)
  let q = n / d
  const twice = 2n * (n - q * d)
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++
  return q
}

const powers: bigint[] = []
function pow10(k: number): bigint {
  return (powers[k] ??= 10n ** BigInt(k))
}
