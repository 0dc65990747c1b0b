import { describe, expect, it, vi } from 'vitest'
import { autograd, noGrad, stack, sub, tapeStats, tensor, type Tensor } from '../index.js'
import { SlotNode, Tape } from './tape.js'
import { resetNonLeafGradWarning } from '../api/tensor.js'

// The compact tape of scalar code (tape.ts, sweep.ts). `tapeStats` makes the engine record
// nodes (it counts them), so the same code run inside it takes the general path: the two
// must agree bit for bit, and a slot's node, made when asked, must be the node the general
// path would have recorded.

const code = (c: string) => expect.objectContaining({ code: c })

/** A seeded generator of numbers in [0, 1) (mulberry32), so failures replay. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Step = (vs: Tensor[], pick: () => Tensor, r: () => number) => Tensor

/**
 * Ops of scalar code, drawn at random: elementwise ops (on the tape), numbers mixed in, and
 * ops the tape does not take (a stack and a sum, a float32 value), so graphs mix slots and nodes.
 */
const STEPS: Step[] = [
  (_vs, pick) => pick().add(pick()),
  (_vs, pick) => pick().sub(pick()),
  (_vs, pick) => pick().mul(pick()),
  (_vs, pick) => pick().div(pick().square().add(1)),
  (_vs, pick) => pick().sin(),
  (_vs, pick) => pick().tanh(),
  (_vs, pick) => pick().exp().mul(0.25),
  (_vs, pick) => pick().square(),
  (_vs, pick) => pick().neg(),
  (_vs, pick, r) => pick().mul(r() * 4 - 2),
  (_vs, pick, r) => sub(r(), pick()) as Tensor,
  (_vs, pick) => pick().maximum(pick()),
  (_vs, pick) => pick().abs().add(1).log(),
  (_vs, pick) => stack([pick(), pick()]).sum(),
  (_vs, pick) => pick().reshape([1]).mul(2).sum(),
]

/** A random graph over `leaves`: its output (a sum of some of its values) and its values. */
function randomGraph(leaves: Tensor[], seed: number, size: number): { out: Tensor; values: Tensor[] } {
  const r = random(seed)
  const values = [...leaves]
  const pick = () => values[Math.floor(r() * values.length)] as Tensor
  for (let i = 0; i < size; i++) values.push((STEPS[Math.floor(r() * STEPS.length)] as Step)(values, pick, r))
  let out = values[values.length - 1] as Tensor
  for (let i = leaves.length; i < values.length - 1; i++) if (r() < 0.3) out = out.add(values[i] as Tensor)
  return { out, values }
}

function leavesOf(seed: number, n: number): Tensor[] {
  const r = random(seed ^ 0x5bd1e995)
  return Array.from({ length: n }, () => tensor(r() * 2 - 1, { requiresGrad: true }))
}

/** Bit patterns, so that 0 and -0 and NaNs compare as they are. */
function bits(xs: (number | undefined)[]): string[] {
  const view = new DataView(new ArrayBuffer(8))
  return xs.map((x) => {
    if (x === undefined) return 'none'
    view.setFloat64(0, x)
    return view.getBigUint64(0).toString(16)
  })
}

describe('the scalar tape', () => {
  it('records 0-dim float64 elementwise ops as slots, and gives their node when asked', () => {
    const x = tensor(0.5, { requiresGrad: true })
    const y = x.mul(3).sin()
    expect(y._fn).toBeInstanceOf(Tape)
    const node = y.gradFn!
    expect(node).toBeInstanceOf(SlotNode)
    expect(y.gradFn).toBe(node) // made once
    expect(node.name).toBe('SinBackward')
    expect(node.next.map((n) => n?.name)).toEqual(['MulBackward'])
    expect(node.next[0]!.next.map((n) => n?.name)).toEqual(['AccumulateGrad', undefined])
    expect(node.next[0]!.next[0]).toBe(x._acc)
    expect(node.next[0]!.inputs).toEqual([x, 3])
    expect(node.saved.map((s) => s.role)).toEqual(['input 0', 'output'])
    expect(node.out).toBe(y)
    y.backward()
    expect(x.grad!.item()).toBe(3 * Math.cos(1.5))
    expect(node.freed).toBe(true)
    expect(node.next[0]!.freed).toBe(true) // its slot ran without a node: freed as a slot
  })

  it('gives the gradients of the general path bit for bit, on random graphs mixing slots and nodes', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const n = 1 + (seed % 5)
      const size = 5 + ((seed * 7) % 40)
      const fast = leavesOf(seed, n)
      const { out } = randomGraph(fast, seed, size)
      out.backward()
      const general = leavesOf(seed, n)
      const { result: slow, liveNodes } = tapeStats(() => randomGraph(general, seed, size).out)
      expect(liveNodes).toBeGreaterThanOrEqual(size) // every op recorded as a node there
      expect(slow._fn).not.toBeInstanceOf(Tape)
      expect(bits([slow.item()])).toEqual(bits([out.item()]))
      slow.backward()
      expect(bits(fast.map((x) => x.grad?.item())), `seed ${seed}`).toEqual(bits(general.map((x) => x.grad?.item())))
    }
  })

  it('gives a lazily made node equal to the one the general path records', () => {
    const r = random(7)
    for (let seed = 1; seed <= 10; seed++) {
      const fast = leavesOf(seed, 3)
      const general = leavesOf(seed, 3)
      const a = randomGraph(fast, seed, 12).values
      const b = tapeStats(() => randomGraph(general, seed, 12).values).result
      const i = 3 + Math.floor(r() * 12)
      const [na, nb] = [(a[i] as Tensor).gradFn, (b[i] as Tensor).gradFn]
      expect(na?.name).toBe(nb?.name)
      expect(na?.next.map((n) => n?.name)).toEqual(nb?.next.map((n) => n?.name))
      expect(na?.inputs.length).toBe(nb?.inputs.length)
      expect(na?.saved.map((s) => s.role)).toEqual(nb?.saved.map((s) => s.role))
    }
  })

  it('runs hooks and retainGrad of slots, and sums like the general path around them', () => {
    const run = (x: Tensor) => {
      const a = x.mul(x)
      const b = a.sin()
      const seen: number[] = []
      a.registerHook((g) => {
        seen.push(g.item())
        return g.mul(2)
      })
      b.retainGrad()
      b.add(a).mul(3).backward()
      return { seen, b: b.grad!.item(), x: x.grad!.item() }
    }
    const fast = run(tensor(0.7, { requiresGrad: true }))
    const slow = tapeStats(() => run(tensor(0.7, { requiresGrad: true }))).result
    expect(fast).toEqual(slow)
    expect(fast.seen).toEqual([3 * Math.cos(0.49) + 3])
    expect(fast.b).toBe(3)
    expect(fast.x).toBe(2 * (3 * Math.cos(0.49) + 3) * 2 * 0.7)
  })

  it('backward twice: an error where a freed value is read, accumulation where none is (or with retainGraph)', () => {
    const x = tensor(1.5, { requiresGrad: true })
    const y = x.mul(x)
    y.backward()
    expect(() => y.backward()).toThrow(code('GRAPH_FREED'))
    const z = x.add(2).sub(1)
    z.backward()
    z.backward()
    expect(x.grad!.item()).toBe(3 + 2)
    const w = x.mul(x)
    x.grad = null
    w.backward(undefined, { retainGraph: true })
    w.backward()
    expect(x.grad!.item()).toBe(6)
  })

  it('notices saved values changed in place after they were saved, and noGrad records nothing', () => {
    const x = tensor(2, { requiresGrad: true })
    const y = x.mul(3)
    const z = y.exp() // reads its output
    noGrad(() => z.add_(1))
    expect(() => z.backward()).toThrow(code('MODIFIED_AFTER_SAVE'))
    const u = noGrad(() => x.mul(2))
    expect(u.requiresGrad).toBe(false)
    expect(u.gradFn).toBe(null)
  })

  it('takes ops on tensors of an earlier, retired tape or of a node as nodes, and still differentiates through both', () => {
    const x = tensor(0.3, { requiresGrad: true })
    const y = x.mul(2)
    y.backward() // retires y's tape (and frees its slot: mul by a number keeps the number)
    const z = y.mul(y) // y is on a retired tape: a node
    expect(z._fn).not.toBeInstanceOf(Tape)
    const s = stack([z, x]).sum() // a node over a node and a leaf
    const t = s.square() // a node's output: a node
    expect(t._fn).not.toBeInstanceOf(Tape)
    x.grad = null
    t.backward()
    const sv = 4 * 0.09 + 0.3
    expect(x.grad!.item()).toBeCloseTo(2 * sv * (8 * 0.3 + 1), 14)
  })

  it('differentiates twice through slots (createGraph runs their nodes), and autograd.grad prunes them', () => {
    const x = tensor(0.4, { requiresGrad: true })
    const other = tensor(5, { requiresGrad: true })
    const y = x.mul(x).mul(x).add(other.mul(other))
    const [g] = autograd.grad(y, x, { createGraph: true })
    expect(g!.item()).toBeCloseTo(3 * 0.16, 15)
    const [h] = autograd.grad(g!, x)
    expect(h!.item()).toBeCloseTo(6 * 0.4, 14)
    expect(other.grad).toBe(null)
  })

  it('a backward inside a hook (a pass within a pass) on the same tape leaves the outer pass whole', () => {
    const run = () => {
      const x = tensor(0.5, { requiresGrad: true })
      const w = tensor(2, { requiresGrad: true })
      const other = w.mul(w).add(w) // on the same tape as what follows
      const a = x.mul(3)
      const b = a.sin().mul(a)
      let inner = 0
      b.registerHook((g) => {
        other.backward(undefined, { retainGraph: true })
        inner++
        return g
      })
      b.add(a.square()).backward()
      return { x: x.grad!.item(), w: w.grad!.item(), inner }
    }
    const fast = run()
    const slow = tapeStats(run).result
    expect(fast).toEqual(slow)
    expect(fast.inner).toBe(1)
    expect(fast.w).toBe(5)
  })

  it('reads as a non-leaf that requires grad without making its node, and warns on .grad as one', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    resetNonLeafGradWarning()
    const x = tensor(1, { requiresGrad: true })
    const y = x.mul(2)
    expect(y.isLeaf).toBe(false)
    expect(y.requiresGrad).toBe(true)
    expect(y.grad).toBe(null)
    expect(warn).toHaveBeenCalledTimes(1)
    expect((y._fn as Tape).nodes.has(y._slot)).toBe(false)
    expect(() => y.requiresGrad_(false)).toThrow(/MulBackward/)
    warn.mockRestore()
  })
})
