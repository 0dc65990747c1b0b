import { describeValue, AdError, incrementVersion, noGrad, Storage, Tensor, type FloatArray } from '@ad/reverse'

/** A parameter group: its parameters and its own values of the optimizer's options. */
export type ParamGroup<O> = O & { params: Tensor[]; [key: string]: unknown }

/** What the constructor takes: parameters, or groups `{ params, ...overrides }`. */
export type Params<O> = Iterable<Tensor> | readonly (Partial<O> & { params: Iterable<Tensor> })[]

/** Per-parameter state: numbers (`step`) and buffers the size of the parameter. */
export type ParamState = Record<string, FloatArray | number>

/** PyTorch's optimizer state dict, in camelCase; parameters are indexed in the order given. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>
  paramGroups: Record<string, unknown>[]
}

/**
 * The base of the optimizers, as PyTorch's `torch.optim.Optimizer`: parameter groups with
 * their own options (defaults filled in), per-parameter state, `step`, `zeroGrad` and state
 * dicts. A subclass writes `update`: one parameter's new values from its gradient, computed
 * in plain loops over typed arrays and written into the parameter outside the tape.
 */
export abstract class Optimizer<O extends object> {
  readonly paramGroups: ParamGroup<O>[] = []
  readonly state = new Map<Tensor, ParamState>()
  readonly defaults: O

  constructor(params: Params<O>, defaults: O) {
    this.defaults = defaults
    const list = [...(params as Iterable<unknown>)]
    if (list.length === 0) throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}: got an empty parameter list.`)
    const groups = (list.every((g) => g instanceof Tensor) ? [{ params: list }] : list) as (Partial<O> & { params: Iterable<Tensor> })[]
    for (const g of groups) this.addParamGroup(g)
  }

  addParamGroup(group: Partial<O> & { params: Iterable<Tensor> }): void {
    if (group === null || typeof group !== 'object' || group instanceof Tensor || group.params === undefined) {
      throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}: give parameters as an array of tensors or of groups { params, ...options }.`)
    }
    const params = [...group.params]
    const seen = new Set(this.paramGroups.flatMap((g) => g.params))
    for (const p of params) {
      if (!(p instanceof Tensor) || !p.isLeaf) throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}: can only optimize leaf tensors (parameters).`)
      if (seen.has(p)) throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}: a parameter appears in more than one group.`)
      seen.add(p)
    }
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>
    this.validate(full)
    this.paramGroups.push(full)
  }

  /** Throws INVALID_ARGUMENT for an option out of range. */
  protected abstract validate(group: ParamGroup<O>): void

  /**
   * Writes one parameter's update; `grad` is its gradient's values, `state` its state (filled
   * on first use). `out` may be `p` itself: an update reads p[i] before it writes out[i].
   */
  protected abstract update(p: FloatArray, grad: FloatArray, state: ParamState, group: ParamGroup<O>, out: FloatArray): void

  /** One update of every parameter that has a gradient. A closure, if given, is called first (under grad mode) and its loss returned. */
  step(closure?: () => Tensor | number): Tensor | number | undefined {
    const loss = closure?.()
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const g = p.grad
          if (g === null) continue
          let state = this.state.get(p)
          if (state === undefined) this.state.set(p, (state = {}))
          const values = p.contiguousData()
          if (values === p.storage.data) {
            // A parameter that owns its elements in order (every one a module makes) is updated
            // where it lies, and marked as written, as PyTorch's optimizers write with add_
            // under no_grad: no scratch buffer, no second pass to copy it in.
            this.update(values, g.contiguousData(), state, group, values)
            incrementVersion(p)
          } else {
            const out = scratch(values)
            this.update(values, g.contiguousData(), state, group, out)
            p.copy_(new Tensor(new Storage(out), p.shape))
          }
        }
      }
    })
    return loss
  }

  /** Sets every parameter's `.grad` to null (PyTorch 2's default). */
  zeroGrad(): void {
    for (const group of this.paramGroups) for (const p of group.params) p.grad = null
  }

  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>()
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...options } = g
      return { ...structuredClone(options), params: params.map((p) => index.set(p, index.size).size - 1) }
    })
    const state: OptimizerStateDict['state'] = {}
    for (const [p, s] of this.state) {
      const i = index.get(p)
      if (i === undefined) continue
      const entry: Record<string, Tensor | number> = {}
      for (const [k, v] of Object.entries(s)) entry[k] = typeof v === 'number' ? v : new Tensor(new Storage(v.slice()), p.shape)
      state[i] = entry
    }
    return { state, paramGroups }
  }

  /** Restores options and state; the groups must match this optimizer's in number and sizes. Nothing changes on failure. */
  loadStateDict(dict: OptimizerStateDict): void {
    const groups = dict?.paramGroups
    if (!Array.isArray(groups) || groups.length !== this.paramGroups.length) {
      throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}.loadStateDict: expected ${this.paramGroups.length} parameter groups, got ${Array.isArray(groups) ? groups.length : 'none'}.`)
    }
    const params = this.paramGroups.flatMap((g) => g.params)
    groups.forEach((g, i) => {
      const n = Array.isArray(g.params) ? g.params.length : -1
      if (n !== this.paramGroups[i].params.length) {
        throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}.loadStateDict: group ${i} has ${n} parameters, this optimizer's has ${this.paramGroups[i].params.length}.`)
      }
    })
    const state = new Map<Tensor, ParamState>()
    for (const [key, entry] of Object.entries(dict.state ?? {})) {
      const p = params[Number(key)]
      if (p === undefined) throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}.loadStateDict: state for parameter ${key}, which does not exist.`)
      const s: ParamState = {}
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === 'number') s[k] = v
        else if (v instanceof Tensor && v.size === p.size) s[k] = v.to(p.dtype).contiguousData().slice()
        else throw new AdError('INVALID_ARGUMENT', `${this.constructor.name}.loadStateDict: state '${k}' of parameter ${key} must be a number or a tensor of ${p.size} elements.`)
      }
      state.set(p, s)
    }
    groups.forEach((g, i) => {
      const { params: _ignored, ...options } = g
      Object.assign(this.paramGroups[i], structuredClone(options))
    })
    this.state.clear()
    for (const [p, s] of state) this.state.set(p, s)
  }
}

const scratchBuffers = new WeakMap<FloatArray, FloatArray>()

/** A buffer the size and dtype of `values` for the new values, reused across steps. */
function scratch(values: FloatArray): FloatArray {
  let out = scratchBuffers.get(values)
  if (out === undefined) {
    out = values instanceof Float32Array ? new Float32Array(values.length) : new Float64Array(values.length)
    scratchBuffers.set(values, out)
  }
  return out
}

/** A state buffer of the parameter's dtype, zero-filled or a copy of `from`. */
export function buffer(like: FloatArray, from?: FloatArray): FloatArray {
  const b = like instanceof Float32Array ? new Float32Array(like.length) : new Float64Array(like.length)
  if (from !== undefined) b.set(from)
  return b
}

export function checkNonNegative(name: string, option: string, v: unknown): void {
  if (typeof v !== 'number' || !(v >= 0)) throw new AdError('INVALID_ARGUMENT', `${name}: ${option} must be a non-negative number, got ${describeValue(v)}.`)
}
