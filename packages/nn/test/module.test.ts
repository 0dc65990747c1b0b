import { describe, expect, it } from 'vitest'
import { AdError, ones, tensor, zeros, type Tensor } from '@ad/reverse'
import * as nn from '../src/index.js'

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f()
  } catch (e) {
    return e instanceof AdError ? e.code : `not an AdError: ${String(e)}`
  }
  return undefined
}

class Block extends nn.Module {
  scale = new nn.Parameter(ones([2]))
  inner: nn.Linear
  shift: nn.Parameter

  constructor() {
    super()
    this.inner = new nn.Linear(2, 2)
    this.registerBuffer('count', zeros([1]))
    this.registerBuffer('scratch', zeros([2]), { persistent: false })
    this.shift = new nn.Parameter(zeros([2]))
  }

  override forward(x: Tensor): Tensor {
    return (this.inner.call(x) as Tensor).mul(this.scale).add(this.shift)
  }
}

class Net extends nn.Module {
  first = new nn.Parameter(tensor([1, 1, 1]))
  blocks = new nn.ModuleList([new Block(), new Block()])
  last: nn.Parameter

  constructor() {
    super()
    this.last = new nn.Parameter(tensor([2]))
  }
}

describe('Module', () => {
  it('runs the example of NN.md', () => {
    class Perceptron extends nn.Module {
      weights = new nn.Parameter(tensor([1, 1, 1]))
      override forward(x: Tensor) {
        return x.matmul(this.weights).sigmoid()
      }
    }
    const net = new Perceptron()
    net.forward(tensor([1, 2, 3])).backward()
    const s = 1 / (1 + Math.exp(-6))
    // float64 throughout (tensor()'s default): σ'(6)·x to rounding.
    const grad = net.weights.grad?.tolist() as number[]
    ;[1, 2, 3].forEach((x, i) => expect(grad[i]).toBeCloseTo(x * s * (1 - s), 15))
  })

  it('registers fields and constructor assignments in definition order, with dotted names', () => {
    const net = new Net()
    // As PyTorch: a module's own parameters, then its children's.
    const block = ['scale', 'shift', 'inner.weight', 'inner.bias']
    expect(net.namedParameters().map(([n]) => n)).toEqual(['first', 'last', ...block.map((n) => `blocks.0.${n}`), ...block.map((n) => `blocks.1.${n}`)])
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['blocks.0.count', 'blocks.0.scratch', 'blocks.1.count', 'blocks.1.scratch'])
    expect(net.namedChildren().map(([n]) => n)).toEqual(['blocks'])
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'blocks', 'blocks.0', 'blocks.0.inner', 'blocks.1', 'blocks.1.inner'])
    // Own parameters, own persistent buffers, then the children's.
    const blockState = ['scale', 'shift', 'count', 'inner.weight', 'inner.bias']
    expect(Object.keys(net.stateDict())).toEqual(['first', 'last', ...['0', '1'].flatMap((b) => blockState.map((n) => `blocks.${b}.${n}`))])
    expect(net.parameters()).toHaveLength(10)
    expect(net.modules()).toHaveLength(6)
  })

  it('keeps a shared parameter once, under its first name', () => {
    class Tied extends nn.Module {
      a = new nn.Linear(2, 2)
      b = new nn.Linear(2, 2)
      constructor() {
        super()
        this.b.weight = this.a.weight
      }
    }
    expect(new Tied().namedParameters().map(([n]) => n)).toEqual(['a.weight', 'a.bias', 'b.bias'])
  })

  it('re-registers on reassignment, drops on delete, and refuses a plain tensor for a parameter', () => {
    const m = new nn.Linear(2, 3)
    expect(codeOf(() => ((m as unknown as { weight: Tensor }).weight = zeros([3, 2])))).toBe('INVALID_ARGUMENT')
    m.bias = null
    expect(m.namedParameters().map(([n]) => n)).toEqual(['weight'])
    expect((m.call(ones([1, 2])) as Tensor).shape).toEqual([1, 3])
    m.bias = new nn.Parameter(ones([3]))
    expect(m.namedParameters().map(([n]) => n)).toEqual(['weight', 'bias'])
    expect(codeOf(() => m.registerParameter('a.b', null))).toBe('INVALID_ARGUMENT')
  })

  it('train, eval and zeroGrad reach every descendant', () => {
    const net = new Net()
    net.eval()
    expect(net.modules().every((m) => !m.training)).toBe(true)
    net.train()
    expect(net.modules().every((m) => m.training)).toBe(true)
    const block = net.blocks.at(0) as Block
    ;(block.call(ones([1, 2])) as Tensor).sum().backward()
    expect(block.inner.weight.grad).not.toBeNull()
    net.zeroGrad()
    expect(net.parameters().every((p) => p.grad === null)).toBe(true)
  })

  it('creates float32 and converts parameters and buffers with to()', () => {
    const net = new Net()
    expect((net.blocks.at(0) as Block).inner.parameters().every((p) => p.dtype === 'float32')).toBe(true)
    const before = net.stateDict()['blocks.0.inner.weight'].tolist()
    net.to('float64')
    expect([...net.parameters(), ...net.buffers()].every((t) => t.dtype === 'float64')).toBe(true)
    expect(net.parameters().every((p) => p.requiresGrad && p instanceof nn.Parameter)).toBe(true)
    expect(net.stateDict()['blocks.0.inner.weight'].tolist()).toEqual(before)
    expect(codeOf(() => net.to('int8' as 'float32'))).toBe('INVALID_ARGUMENT')
  })

  it('a dtype that is not a string is named in the error, for layers and to() alike', () => {
    const odd = { valueOf: () => 2 } as unknown as 'float32'
    for (const make of [() => new nn.Conv2d(1, 4, 5, { dtype: odd }), () => new nn.Linear(2, 2).to(odd)]) {
      expect(make).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.not.stringContaining('[object') }))
    }
  })

  it('runs forward hooks around forward in call()', () => {
    const m = new nn.Identity()
    const seen: unknown[] = []
    const pre = m.registerForwardPreHook((_m, inputs) => [(inputs[0] as Tensor).mul(2)])
    const post = m.registerForwardHook((_m, inputs, out) => {
      seen.push(inputs[0])
      return (out as Tensor).add(1)
    })
    expect((m.call(tensor([1])) as Tensor).tolist()).toEqual([3])
    expect(seen).toHaveLength(1)
    pre.remove()
    post.remove()
    expect((m.call(tensor([1])) as Tensor).tolist()).toEqual([1])
  })

  it('functionalCall swaps in tensors for one call and puts the originals back', () => {
    const m = new nn.Linear(2, 1)
    const w = tensor([[1, 2]], { requiresGrad: true })
    const out = nn.functionalCall(m, { weight: w, bias: tensor([0.5]) }, tensor([[3, 4]])) as Tensor
    expect(out.tolist()).toEqual([[11.5]])
    out.sum().backward()
    expect(w.grad?.tolist()).toEqual([[3, 4]])
    expect(m.weight).toBeInstanceOf(nn.Parameter)
    expect(codeOf(() => nn.functionalCall(m, { nothing: w }))).toBe('INVALID_ARGUMENT')
  })
})

describe('stateDict and loadStateDict', () => {
  it('loads tensors, { shape, data } and nested arrays, cast to each parameter\'s dtype', () => {
    const m = new nn.Linear(2, 2)
    m.loadStateDict({ weight: [[1, 2], [3, 4]], bias: { shape: [2], data: [0.1, 0.2] } })
    expect(m.weight.tolist()).toEqual([[1, 2], [3, 4]])
    expect(m.bias?.dtype).toBe('float32')
    expect(m.bias?.tolist()).toEqual([Math.fround(0.1), Math.fround(0.2)])
    const copy = new nn.Linear(2, 2, { dtype: 'float64' })
    copy.loadStateDict(m.stateDict())
    expect(copy.weight.dtype).toBe('float64')
    expect(copy.bias?.tolist()).toEqual(m.bias?.tolist())
  })

  it('strict: missing and unexpected keys throw INVALID_ARGUMENT listing them, and nothing changes', () => {
    const m = new nn.Linear(2, 2)
    const before = JSON.stringify(Object.values(m.stateDict()).map((t) => t.tolist()))
    let error: AdError | undefined
    try {
      m.loadStateDict({ weight: [[9, 9], [9, 9]], extra: [1] })
    } catch (e) {
      error = e as AdError
    }
    expect(error?.code).toBe('INVALID_ARGUMENT')
    expect(error?.message).toContain('bias')
    expect(error?.message).toContain('extra')
    expect(JSON.stringify(Object.values(m.stateDict()).map((t) => t.tolist()))).toBe(before)
    expect(m.loadStateDict({ weight: [[9, 9], [9, 9]], extra: [1] }, { strict: false })).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['extra'] })
    expect(m.weight.tolist()).toEqual([[9, 9], [9, 9]])
  })

  it('a wrong shape throws SHAPE_MISMATCH naming the key and both shapes, strict or not, and nothing changes', () => {
    const m = new nn.Sequential(new nn.Linear(2, 2), new nn.Linear(2, 3))
    const before = m.stateDict()['0.weight'].tolist()
    const dict = { ...m.stateDict(), '0.weight': zeros([2, 2]), '1.weight': zeros([2, 3]) }
    for (const strict of [true, false]) {
      let error: AdError | undefined
      try {
        m.loadStateDict(dict, { strict })
      } catch (e) {
        error = e as AdError
      }
      expect(error?.code).toBe('SHAPE_MISMATCH')
      expect(error?.message).toContain("'1.weight'")
      expect(error?.message).toContain('[2, 3]')
      expect(error?.message).toContain('[3, 2]')
      expect(m.stateDict()['0.weight'].tolist()).toEqual(before)
    }
  })

  it('a { shape, data } entry whose shape is not sizes (BigInt, negative, fractional) is INVALID_ARGUMENT naming the key, and nothing changes', () => {
    const m = new nn.Linear(2, 1)
    const before = m.weight.tolist()
    for (const shape of [[1n, 2], [-1, -2], [0.5, 4], ['1', '2']]) {
      const dict = { weight: { shape, data: [1, 2] }, bias: [0] } as unknown as Record<string, number[]>
      expect(() => m.loadStateDict(dict)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("'weight'") }))
      expect(m.weight.tolist()).toEqual(before)
    }
  })

  it('takes BatchNorm\'s buffers with PyTorch\'s keys; num_batches_tracked is 0-dim; non-persistent buffers stay out', () => {
    const bn = new nn.BatchNorm2d(3)
    const sd = bn.stateDict()
    expect(Object.keys(sd)).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'])
    expect(sd.num_batches_tracked.shape).toEqual([])
    bn.loadStateDict({ ...sd, num_batches_tracked: 7 })
    expect(bn.stateDict().num_batches_tracked.item()).toBe(7)
    const block = new Block()
    expect(Object.keys(block.stateDict())).not.toContain('scratch')
  })
})

describe('containers', () => {
  it('Sequential names children 0, 1, … and chains them; ModuleList indexes and iterates', () => {
    const seq = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2))
    expect(seq.namedChildren().map(([n]) => n)).toEqual(['0', '1', '2'])
    expect(seq.length).toBe(3)
    expect((seq.call(ones([5, 3])) as Tensor).shape).toEqual([5, 2])
    expect(seq.at(-1)).toBe(seq.at(2))
    const list = new nn.ModuleList([new nn.ReLU()])
    list.push(new nn.Tanh())
    expect([...list].map((m) => m.constructor.name)).toEqual(['ReLU', 'Tanh'])
    expect(codeOf(() => list.at(5))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => new nn.Sequential({} as nn.Module))).toBe('INVALID_ARGUMENT')
  })
})
