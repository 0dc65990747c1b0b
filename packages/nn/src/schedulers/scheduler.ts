import { AdError } from '@ad/reverse'
import type { Optimizer, ParamGroup } from '../optim/optimizer.js'

export type AnyOptimizer = Optimizer<any>
type Group = ParamGroup<{ lr: number }> & { initialLr?: number }

/**
 * The base of the schedulers, as PyTorch's `LRScheduler`: construction records each group's
 * `initialLr` and takes the first step (epoch 0); `step()` advances the epoch and writes the
 * new rate into every group. Subclasses give PyTorch's *chainable* rule (`nextLr`, from the
 * group's current rate, so schedulers compose) and, where PyTorch has one, a closed form
 * (`closedForm`, used by `step(epoch)`).
 */
export abstract class LRScheduler {
  lastEpoch: number
  readonly baseLrs: number[]
  protected lastLr: number[] = []

  constructor(readonly optimizer: AnyOptimizer, lastEpoch = -1) {
    if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray(optimizer.paramGroups)) {
      throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}: the first argument must be an optimizer.`)
    }
    for (const g of this.groups) if (g.initialLr === undefined) g.initialLr = g.lr
    this.baseLrs = this.groups.map((g) => g.initialLr as number)
    this.lastEpoch = lastEpoch
  }

  protected get groups(): Group[] {
    return this.optimizer.paramGroups as Group[]
  }

  /** Takes the step to epoch 0; called at the end of each subclass's constructor. */
  protected initialStep(): void {
    this.step()
  }

  /** The rate of each group at `this.lastEpoch`, from the current rates (PyTorch's `get_lr`). */
  protected abstract nextLr(): number[]

  /** The rate at `this.lastEpoch` from the base rates, where PyTorch has a closed form. */
  protected closedForm(): number[] | null {
    return null
  }

  /** The rates last set, one per parameter group. */
  getLastLr(): number[] {
    return [...this.lastLr]
  }

  step(epoch?: number): void {
    let lrs: number[]
    if (epoch === undefined) {
      this.lastEpoch++
      lrs = this.nextLr()
    } else {
      this.lastEpoch = epoch
      lrs = this.closedForm() ?? this.nextLr()
    }
    this.groups.forEach((g, i) => (g.lr = lrs[i]))
    this.lastLr = lrs
  }
}

/** lr = base · λ(epoch). */
export class LambdaLR extends LRScheduler {
  private readonly lambdas: ((epoch: number) => number)[]

  constructor(optimizer: AnyOptimizer, lrLambda: ((epoch: number) => number) | ((epoch: number) => number)[], { lastEpoch = -1 } = {}) {
    super(optimizer, lastEpoch)
    this.lambdas = Array.isArray(lrLambda) ? lrLambda : this.groups.map(() => lrLambda)
    if (this.lambdas.length !== this.groups.length) {
      throw new AdError('INVALID_ARGUMENT', `LambdaLR: ${this.lambdas.length} functions for ${this.groups.length} parameter groups.`)
    }
    this.initialStep()
  }

  protected nextLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lambdas[i](this.lastEpoch))
  }
}

/** Multiplies the rate by gamma every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, readonly stepSize: number, readonly options: { gamma?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch ?? -1)
    if (!Number.isInteger(stepSize) || stepSize < 1) throw new AdError('INVALID_ARGUMENT', `StepLR: stepSize must be a positive integer, got ${stepSize}.`)
    this.initialStep()
  }

  protected nextLr(): number[] {
    const gamma = this.options.gamma ?? 0.1
    const decays = this.lastEpoch !== 0 && this.lastEpoch % this.stepSize === 0
    return this.groups.map((g) => (decays ? g.lr * gamma : g.lr))
  }

  protected override closedForm(): number[] {
    return this.baseLrs.map((b) => b * (this.options.gamma ?? 0.1) ** Math.floor(this.lastEpoch / this.stepSize))
  }
}

/** Multiplies the rate by gamma at each milestone epoch. */
export class MultiStepLR extends LRScheduler {
  private readonly milestones: number[]

  constructor(optimizer: AnyOptimizer, milestones: readonly number[], readonly options: { gamma?: number; lastEpoch?: number } = {}) {
    super(optimizer, options.lastEpoch ?? -1)
    this.milestones = [...milestones].sort((a, b) => a - b)
    this.initialStep()
  }

  protected nextLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length
    return this.groups.map((g) => g.lr * (this.options.gamma ?? 0.1) ** hits)
  }

  protected override closedForm(): number[] {
    const passed = this.milestones.filter((m) => m <= this.lastEpoch).length
    return this.baseLrs.map((b) => b * (this.options.gamma ?? 0.1) ** passed)
  }
}

/** Multiplies the rate by gamma every epoch. */
export class ExponentialLR extends LRScheduler {
  constructor(optimizer: AnyOptimizer, readonly gamma: number, { lastEpoch = -1 } = {}) {
    super(optimizer, lastEpoch)
    this.initialStep()
  }

  protected nextLr(): number[] {
    return this.groups.map((g) => (this.lastEpoch === 0 ? g.lr : g.lr * this.gamma))
  }

  protected override closedForm(): number[] {
    return this.baseLrs.map((b) => b * this.gamma ** this.lastEpoch)
  }
}
