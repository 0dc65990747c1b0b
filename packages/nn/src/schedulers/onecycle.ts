import { AdError } from '@ad/reverse'
import { LRScheduler, type AnyOptimizer } from './scheduler.js'

export interface OneCycleLROptions {
  totalSteps?: number
  epochs?: number
  stepsPerEpoch?: number
  pctStart?: number
  annealStrategy?: 'cos' | 'linear'
  cycleMomentum?: boolean
  baseMomentum?: number
  maxMomentum?: number
  divFactor?: number
  finalDivFactor?: number
  threePhase?: boolean
  lastEpoch?: number
}

interface Phase {
  endStep: number
  lr: [start: 'initial' | 'max' | 'min', end: 'initial' | 'max' | 'min']
  momentum: [start: 'base' | 'max', end: 'base' | 'max']
}

/**
 * The 1cycle policy (Smith and Topin) as PyTorch's `OneCycleLR`: the rate rises from
 * maxLr/divFactor to maxLr over the first pctStart of the steps, then falls to
 * initial/finalDivFactor (with threePhase, back to the initial rate first), annealed by
 * cosine (or linearly); momentum (SGD's `momentum`, Adam's β₁) cycles the opposite way
 * between maxMomentum and baseMomentum. Stepping past totalSteps − 1 throws.
 */
export class OneCycleLR extends LRScheduler {
  readonly totalSteps: number
  private readonly phases: Phase[]
  private readonly options: Required<Omit<OneCycleLROptions, 'totalSteps' | 'epochs' | 'stepsPerEpoch' | 'lastEpoch'>>
  private readonly bounds: { initial: number; max: number; min: number }[]

  constructor(optimizer: AnyOptimizer, maxLr: number | readonly number[], options: OneCycleLROptions = {}) {
    const {
      totalSteps, epochs, stepsPerEpoch, pctStart = 0.3, annealStrategy = 'cos', cycleMomentum = true,
      baseMomentum = 0.85, maxMomentum = 0.95, divFactor = 25, finalDivFactor = 1e4, threePhase = false, lastEpoch = -1,
    } = options
    super(optimizer, lastEpoch)
    const total = totalSteps ?? (epochs !== undefined && stepsPerEpoch !== undefined ? epochs * stepsPerEpoch : undefined)
    if (total === undefined || !Number.isInteger(total) || total < 1) {
      throw new AdError('INVALID_ARGUMENT', 'OneCycleLR: give totalSteps, or epochs and stepsPerEpoch (positive integers).')
    }
    if (!(pctStart >= 0 && pctStart <= 1)) throw new AdError('INVALID_ARGUMENT', `OneCycleLR: pctStart must be in [0, 1], got ${pctStart}.`)
    if (annealStrategy !== 'cos' && annealStrategy !== 'linear') throw new AdError('INVALID_ARGUMENT', `OneCycleLR: annealStrategy must be 'cos' or 'linear', got '${String(annealStrategy)}'.`)
    this.totalSteps = total
    this.options = { pctStart, annealStrategy, cycleMomentum, baseMomentum, maxMomentum, divFactor, finalDivFactor, threePhase }
    this.phases = threePhase
      ? [
          { endStep: pctStart * total - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
          { endStep: 2 * pctStart * total - 2, lr: ['max', 'initial'], momentum: ['base', 'max'] },
          { endStep: total - 1, lr: ['initial', 'min'], momentum: ['max', 'max'] },
        ]
      : [
          { endStep: pctStart * total - 1, lr: ['initial', 'max'], momentum: ['max', 'base'] },
          { endStep: total - 1, lr: ['max', 'min'], momentum: ['base', 'max'] },
        ]
    const maxLrs = typeof maxLr === 'number' ? this.groups.map(() => maxLr) : [...maxLr]
    if (maxLrs.length !== this.groups.length) throw new AdError('INVALID_ARGUMENT', `OneCycleLR: ${maxLrs.length} maxLr values for ${this.groups.length} parameter groups.`)
    this.bounds = maxLrs.map((max) => ({ initial: max / divFactor, max, min: max / divFactor / finalDivFactor }))
    this.groups.forEach((g, i) => {
      g.initialLr = this.bounds[i].initial
      g.lr = this.bounds[i].initial
      if (cycleMomentum) setMomentum(g, maxMomentum, this.constructor.name)
    })
    this.initialStep()
  }

  private anneal(start: number, end: number, pct: number): number {
    if (this.options.annealStrategy === 'linear') return (end - start) * pct + start
    return end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
  }

  protected nextLr(): number[] {
    const step = this.lastEpoch
    if (step >= this.totalSteps) {
      throw new AdError('INVALID_ARGUMENT', `OneCycleLR: tried to step ${step + 1} times; the schedule has ${this.totalSteps} steps (including the one at construction).`)
    }
    const { baseMomentum, maxMomentum, cycleMomentum } = this.options
    const momenta = { base: baseMomentum, max: maxMomentum }
    return this.groups.map((g, gi) => {
      let start = 0
      for (let i = 0; i < this.phases.length; i++) {
        const phase = this.phases[i]
        if (step <= phase.endStep || i === this.phases.length - 1) {
          const pct = (step - start) / (phase.endStep - start)
          const b = this.bounds[gi]
          if (cycleMomentum) setMomentum(g, this.anneal(momenta[phase.momentum[0]], momenta[phase.momentum[1]], pct), 'OneCycleLR')
          return this.anneal(b[phase.lr[0]], b[phase.lr[1]], pct)
        }
        start = phase.endStep
      }
      return g.lr
    })
  }
}

/** Writes a group's momentum: SGD's and RMSprop's `momentum`, Adam's β₁. */
function setMomentum(group: Record<string, unknown>, value: number, who: string): void {
  if (Array.isArray(group.betas)) group.betas = [value, group.betas[1]]
  else if ('momentum' in group) group.momentum = value
  else throw new AdError('INVALID_ARGUMENT', `${who}: cycleMomentum needs an optimizer with momentum or betas; pass { cycleMomentum: false }.`)
}
