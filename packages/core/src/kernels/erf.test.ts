import { describe, expect, it } from 'vitest'
import { continuedErfc, erf, erfc, seriesErf } from './erf.js'

// The tabulated Taylor expansion against the methods its table was built from, each where it
// is accurate, on a dense sweep that falls between grid points (step 1/64); and against
// values of CPython's math.erf / math.erfc (the C library's, within an ulp or two).

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300)

describe('erf and erfc', () => {
  it('agree with the series and the continued fraction where each is accurate, to 1e-14 relative', () => {
    let worst = 0
    for (let k = -60000; k <= 60000; k++) {
      const x = k * 1e-4 + 3.3e-6 // to ±6, off the grid
      const a = Math.abs(x)
      const e = a < 2 ? seriesErf(x) : Math.sign(x) * (1 - continuedErfc(a))
      // (1 − series loses relative accuracy as erfc falls: it is used only below 1, erfc ≥ 0.157.)
      const c = x < 1 ? 1 - seriesErf(x) : continuedErfc(x, 200)
      if (x > -2) worst = Math.max(worst, relative(erfc(x), c))
      worst = Math.max(worst, relative(erf(x), e))
    }
    // The expansion adds a few roundings (each 1.1e-16) to the table's.
    expect(worst).toBeLessThan(1e-14)
  })

  it('match the C library to 1e-14 relative, erfc in the tail too', () => {
    const known: [number, number, number][] = [
      [-7, -1.0, 2.0],
      [-3.3, -0.9999969422902035, 1.9999969422902035],
      [-2.957, -0.9999710827212622, 1.9999710827212622],
      [-1.2, -0.9103139782296353, 1.9103139782296354],
      [0.1, 0.1124629160182849, 0.8875370839817152],
      [0.5, 0.5204998778130465, 0.4795001221869535],
      [1, 0.8427007929497149, 0.15729920705028513],
      [1.7, 0.9837904585907745, 0.016209541409225436],
      [1.3, 0.9340079449406524, 0.06599205505934755],
      [1.5, 0.9661051464753108, 0.033894853524689274],
      [1.9, 0.9927904292352575, 0.0072095707647425325],
      [1.99, 0.995111413199617, 0.004888586800383003],
      [2.01, 0.9955248493552482, 0.004475150644751763],
      [2.2, 0.9981371537020182, 0.0018628462979818894],
      [2.5, 0.999593047982555, 0.0004069520174449589],
      [2.957, 0.9999710827212622, 2.891727873780556e-5],
      [3, 0.9999779095030014, 2.2090496998585438e-5],
      [3.7, 0.9999998328489421, 1.6715105790914596e-7],
      [4.5, 0.9999999998033839, 1.9661604415428873e-10],
      [5, 0.9999999999984626, 1.5374597944280351e-12],
      [5.99, 1.0, 2.4300455127321346e-17],
      [6.5, 1.0, 3.8421483271206475e-20],
      [10, 1.0, 2.088487583762545e-45],
      [26, 1.0, 5.663192408856143e-296],
    ]
    for (const [x, e, c] of known) {
      expect(relative(erf(x), e), `erf(${x})`).toBeLessThan(1e-14)
      expect(relative(erfc(x), c), `erfc(${x})`).toBeLessThan(1e-14)
    }
  })

  it('handle 0, infinities and NaN', () => {
    expect(erf(0)).toBe(0)
    expect(erfc(0)).toBe(1)
    expect(erf(Infinity)).toBe(1)
    expect(erf(-Infinity)).toBe(-1)
    expect(erfc(Infinity)).toBe(0)
    expect(erfc(-Infinity)).toBe(2)
    expect(erf(NaN)).toBeNaN()
    expect(erfc(NaN)).toBeNaN()
  })
})
