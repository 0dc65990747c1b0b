import { AdError } from '@ad/reverse'
import { LRScheduler, type AnyOptimizer } from './scheduler.js'

/**
 * Runs `schedulers[i]` between milestones i−1 and i, as PyTorch's `SequentialLR`: each
 * scheduler after the first starts (at its epoch 0, from the base rates) at its milestone.
 */
export class SequentialLR extends LRScheduler {
  private readonly schedulers: LRScheduler[]
  private readonly milestones: number[]

  constructor(optimizer: AnyOptimizer, schedulers: LRScheduler[], milestones: readonly number[], { lastEpoch = -1 } = {}) {
    super(optimizer, lastEpoch + 1)
    if (schedulers.length < 1 || milestones.length !== schedulers.length - 1) {
      throw new AdError('INVALID_ARGUMENT', `SequentialLR: needs one milestone fewer than schedulers, got ${schedulers.length} schedulers and ${milestones.length} milestones.`)
    }
    if (schedulers.some((s) => s.optimizer !== optimizer)) throw new AdError('INVALID_ARGUMENT', 'SequentialLR: every scheduler must drive the same optimizer.')
    this.schedulers = schedulers
    this.milestones = [...milestones]
    // Undo the first steps the schedulers took when built, and take the first one's again.
    for (const g of this.groups) g.lr = g.initialLr as number
    for (const s of schedulers) s.lastEpoch -= 1
    schedulers[0].step()
    this.lastLr = schedulers[0].getLastLr()
  }

  protected nextLr(): number[] {
    return this.lastLr
  }

  override step(): void {
    this.lastEpoch++
    let idx = 0
    while (idx < this.milestones.length && this.milestones[idx] <= this.lastEpoch) idx++
    const scheduler = this.schedulers[idx]
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0)
    else scheduler.step()
    this.lastLr = scheduler.getLastLr()
  }
}
