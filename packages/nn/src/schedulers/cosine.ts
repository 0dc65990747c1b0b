import { AdError } from '@ad/reverse'
import { LRScheduler, type AnyOptimizer } from './scheduler.js'

/**
 * Cosine annealing from the base rate to etaMin over tMax epochs, with PyTorch's chainable
 * rule, which keeps going past tMax (back up along the cosine, period 2·tMax):
 * lr_t = (1 + cos(πt/T)) / (1 + cos(π(t−1)/T)) · (lr_{t−1} − η_min) + η_min, and at the
 * restart points (t − 1 − T divisible by 2T) lr_t = lr_{t−1} + (base − η_min)(1 − cos(π/T))/2.
 */
export class CosineAnnealingLR extends LRScheduler {
  readonly etaMin: number

  constructor(optimizer: AnyOptimizer, readonly tMax: number, { etaMin = 0, lastEpoch = -1 }: { etaMin?: number; lastEpoch?: number } = {}) {
    super(optimizer, lastEpoch)
    if (!(tMax > 0)) throw new AdError('INVALID_ARGUMENT', `CosineAnnealingLR: tMax must be positive, got ${tMax}.`)
    this.etaMin = etaMin
    this.initialStep()
  }

  protected nextLr(): number[] {
    const t = this.lastEpoch
    const T = this.tMax
    const eta = this.etaMin
    if (t === 0) return this.groups.map((g) => g.lr)
    if ((t - 1 - T) % (2 * T) === 0) return this.groups.map((g, i) => g.lr + ((this.baseLrs[i] - eta) * (1 - Math.cos(Math.PI / T))) / 2)
    return this.groups.map((g) => ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (g.lr - eta) + eta)
  }

  protected override closedForm(): number[] {
    return this.baseLrs.map((b) => this.etaMin + ((b - this.etaMin) * (1 + Math.cos((Math.PI * this.lastEpoch) / this.tMax))) / 2)
  }
}
