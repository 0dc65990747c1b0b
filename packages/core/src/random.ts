/** mulberry32: the 32-bit generator BENCH.md builds its data with; small, fast and repeatable. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** The generator behind `rand` and `randn`; `manualSeed` restarts it. */
class Random {
  private next = mulberry32(Date.now() >>> 0)

  seed(n: number): void {
    this.next = mulberry32(n)
  }

  uniform(): number {
    return this.next()
  }

  normal(): number {
    // 1 - u keeps the logarithm's argument in (0, 1].
    const u = 1 - this.next()
    const v = this.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
}

export const random = new Random()

export function manualSeed(n: number): void {
  random.seed(n)
}
