import { describe, expect, it } from 'vitest'
import { tensor, toDot, walkGraph, type Tensor } from '../index.js'

describe('graph inspection', () => {
  it('gradFn.next: one edge per op input, null where no gradient flows', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const w = tensor([3, 4], { requiresGrad: true })
    const y = x.mul(w).add(1).sum()
    const sum = y.gradFn!
    expect(sum.name).toBe('SumBackward')
    const [add] = sum.next
    expect(add!.name).toBe('AddBackward')
    expect(add!.next.map((n) => n?.name ?? null)).toEqual(['MulBackward', null]) // the 1 is a constant
    const mul = add!.next[0]!
    expect(mul.next.map((n) => n!.name)).toEqual(['AccumulateGrad', 'AccumulateGrad'])
    expect(mul.next[0]!.out).toBe(x)
    expect(mul.next[1]!.out).toBe(w)
    expect(mul.shape).toEqual([2])
  })

  it('walkGraph visits each node once, every node before the nodes it depends on', () => {
    const x = tensor(2, { requiresGrad: true })
    const a = x.sin()
    const y = a.mul(a).add(a.exp()) // a used three times
    const nodes = [...walkGraph(y)]
    expect(nodes.map((n) => n.name)).toEqual(['AddBackward', 'ExpBackward', 'MulBackward', 'SinBackward', 'AccumulateGrad'])
    const position = new Map(nodes.map((n, i) => [n, i]))
    for (const n of nodes) for (const next of n.next) if (next !== null) expect(position.get(next)!).toBeGreaterThan(position.get(n)!)
    expect([...walkGraph(tensor(1))]).toEqual([])
  })

  it('walks a deep graph without recursion', () => {
    const x = tensor(1, { requiresGrad: true })
    let y: Tensor = x
    for (let i = 0; i < 100_000; i++) y = y.add(1)
    let count = 0
    for (const _ of walkGraph(y)) count++
    expect(count).toBe(100_001)
  })

  it('saved tensors: what each node keeps until a backward frees it', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.exp()
    const node = y.gradFn!
    expect(node.saved.map((s) => s.role)).toEqual(['input 0', 'output'])
    expect(node.saved[1]!.tensor).toBe(y)
    y.sum().backward()
    expect(node.saved).toEqual([])
    expect(node.freed).toBe(true)
  })

  it('toDot draws op names, shapes, leaves, saved tensors and in-place changes', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true })
    const w = tensor([0.5, -1, 2], { requiresGrad: true })
    const h = x.mul(w).tanh()
    const loss = h.sum([1]).pow(2).mean()
    const dot = toDot(loss)
    expect(dot.startsWith('digraph "ad" {')).toBe(true)
    expect(dot.trim().endsWith('}')).toBe(true)
    for (const label of ['MulBackward\\n[2,3]', 'TanhBackward\\n[2,3]', 'SumBackward\\n[2]', 'PowBackward\\n[2]', 'MeanBackward\\n[]']) {
      expect(dot).toContain(label)
    }
    expect(dot).toContain('AccumulateGrad\\nleaf [2,3] float64')
    expect(dot).toContain('AccumulateGrad\\nleaf [3] float64')
    expect(dot).toContain('output [] float64')
    expect(dot).toMatch(/saved \[2,3\] float64/)
    expect(dot).toMatch(/style=dashed, arrowhead=none, label="input 1"/)
    // Every node line is declared once; every edge joins declared nodes.
    const declared = new Set([...dot.matchAll(/^\s+(\w+) \[label=/gm)].map((m) => m[1]))
    for (const m of dot.matchAll(/^\s+(\w+) -> (\w+)/gm)) {
      expect(declared.has(m[1]!)).toBe(true)
      expect(declared.has(m[2]!)).toBe(true)
    }
    expect(toDot(loss, { saved: false })).not.toMatch(/saved/)
    // A saved tensor changed in place is marked.
    const a = x.sin()
    const b = a.mul(w)
    a.detach().add_(1)
    expect(toDot(b)).toMatch(/modified in place since", shape=ellipse, fillcolor=tomato/)
    // After backward the nodes say they were freed.
    loss.backward()
    expect(toDot(loss)).toContain('(freed)')
  })
})
