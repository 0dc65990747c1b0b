import { AdError } from '@ad/reverse'
import { LRScheduler, type AnyOptimizer } from './scheduler.js'

export interface LinearLROptions {
  startFactor?: number
  endFactor?: number
  totalIters?: number
  lastEpoch?: number
}

/** The rate's factor moves linearly from startFactor (default 1/3) to endFactor (1) over totalIters (5) epochs. */
export class LinearLR extends LRScheduler {
  readonly startFactor: number
  readonly endFactor: number
  readonly totalIters: number

  constructor(optimizer: AnyOptimizer, { startFactor = 1 / 3, endFactor = 1, totalIters = 5, lastEpoch = -1 }: LinearLROptions = {}) {
    super(optimizer, lastEpoch)
    if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1)) {
      throw new AdError('INVALID_ARGUMENT', `LinearLR: startFactor must be in (0, 1] and endFactor in [0, 1], got ${startFactor} and ${endFactor}.`)
    }
    this.startFactor = startFactor
    this.endFactor = endFactor
    this.totalIters = totalIters
    this.initialStep()
  }

  protected nextLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: t } = this
    if (t === 0) return this.groups.map((g) => g.lr * s)
    if (t > n) return this.groups.map((g) => g.lr)
    return this.groups.map((g) => g.lr * (1 + (e - s) / (n * s + (t - 1) * (e - s))))
  }

  protected override closedForm(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n, lastEpoch: t } = this
    return this.baseLrs.map((b) => b * (s + ((e - s) * Math.min(n, t)) / n))
  }
}
