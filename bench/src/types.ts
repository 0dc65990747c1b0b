import type { DType } from './data.js'

/** Who does the work: the library, a hand-written baseline, or a peer library. */
export type Impl = 'ad' | 'baseline' | 'tfjs-cpu' | 'tfjs-wasm'

/** One figure to measure. */
export interface Case {
  workload: string
  /** As in BENCH.md: `reverse-grad`, `baseline-grad`, `step`...; `tfjs-cpu` / `tfjs-wasm` for the peers. */
  variant: string
  dtype: DType
  impl: Impl
  /** ad and baseline cases: the baseline variant this one is checked and compared against. */
  baseline?: string
  /** Peer cases: the ad variants doing the same work (compared as ad / peer). */
  tasks?: string[]
  /** The timed call (it may carry state from call to call, as an SGD step does). */
  run: () => unknown
  /** One call's answer from the workload's initial state, flattened: what the check compares. */
  answer: () => ArrayLike<number>
  /** What `answer` must match when it is not the baseline case's answer (e.g. ∇f·v from the baseline's gradient). */
  expected?: () => ArrayLike<number>
  /** How close `answer` must be to the baseline's: |a − b| ≤ atol + rtol·|b| elementwise. */
  tol?: { rtol: number; atol: number }
  /** Called once the case is timed: frees what it holds (peers' tensors). */
  dispose?: () => void
  /** BENCH.md's stated figures this case's answer must reproduce: answer[index] ≈ value. */
  reference?: { name: string; index: number; value: number; rtol: number }[]
  /** A note printed with the figure (e.g. a measurement choice). */
  note?: string
  /** `compiled-…` cases: the first call (tracing, code generation and one run), in ms. */
  compileMs?: number
}

/** A workload of BENCH.md. */
export interface Workload {
  id: string
  title: string
  /** The cases of ad and of the hand-written baselines (the peers add theirs). */
  cases: () => Case[] | Promise<Case[]>
}
