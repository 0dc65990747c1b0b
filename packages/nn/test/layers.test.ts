import { describe, expect, it } from 'vitest'
import { checkGrads } from '@ad/check'
import { manualSeed, tensor, type Tensor } from '@ad/reverse'
import * as nn from '../src/index.js'
import { generate } from './oracle.js'

// Every layer's gradient against central differences (checkGrads, both engines where the
// layer is written with free functions only; reverse where it reads its input's shape), with
// respect to its input and each of its parameters, in float64. Parameters go in through
// functionalCall, so the check differentiates the layer as it runs.

/** A float64 tensor of the given shape with values in (−scale, scale) from a fixed seed. */
function sample(shape: number[], seed: number, scale = 1): Tensor {
  const n = shape.reduce((p, d) => p * d, 1)
  return tensor(generate('U', n, seed, scale), { shape })
}

/**
 * checkGrads of x, params ↦ m(x) in float64, over the input and every parameter. Parameters
 * are checked at fixed values in (−0.5, 0.5) rather than their initialisation: zeros (biases)
 * would make the difference step tiny (it scales with |x|) and rounding would dominate.
 */
function checkLayer(m: nn.Module, inputs: Tensor[], { modes = ['rev'] as ('fwd' | 'rev')[], reseed = false } = {}): void {
  m.to('float64')
  const names = m.namedParameters().map(([n]) => n)
  const params = m.namedParameters().map(([, p], i) => sample([...p.shape], 100 + i, 0.5))
  const k = inputs.length
  const f = (...args: Tensor[]) => {
    if (reseed) manualSeed(11)
    const swapped = Object.fromEntries(names.map((n, i) => [n, args[k + i]]))
    const out = nn.functionalCall(m, swapped, ...args.slice(0, k))
    return Array.isArray(out) ? out.filter((o) => o !== null) : out
  }
  checkGrads(f, [...inputs, ...params], { modes })
}

describe('layer gradients against finite differences', () => {
  it('Linear, with and without bias', () => {
    checkLayer(new nn.Linear(3, 2), [sample([4, 3], 1)], { modes: ['fwd', 'rev'] })
    checkLayer(new nn.Linear(3, 2, { bias: false }), [sample([2, 5, 3], 2)])
  })

  it('Conv2d: stride, padding, dilation, groups', () => {
    checkLayer(new nn.Conv2d(2, 3, 3, { stride: 2, padding: 1 }), [sample([1, 2, 5, 5], 3)])
    checkLayer(new nn.Conv2d(4, 2, 2, { dilation: 2, groups: 2, bias: false }), [sample([1, 4, 5, 4], 4)])
  })

  it('ConvTranspose2d: stride, padding, outputPadding', () => {
    const m = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1, outputPadding: 1 })
    expect(m.weight.shape).toEqual([2, 3, 3, 3])
    expect((m.call(sample([1, 2, 3, 3], 40).to('float32')) as Tensor).shape).toEqual([1, 3, 6, 6])
    checkLayer(m, [sample([1, 2, 3, 3], 41)])
  })

  it('BatchNorm1d and BatchNorm2d in training and in eval', () => {
    for (const train of [true, false]) {
      const bn2 = new nn.BatchNorm2d(2).train(train)
      bn2.loadStateDict({ ...bn2.stateDict(), weight: [1.5, 0.5], bias: [0.1, -0.2], running_mean: [0.2, -0.1], running_var: [1.3, 0.7] })
      checkLayer(bn2, [sample([2, 2, 2, 3], 5)])
      checkLayer(new nn.BatchNorm1d(3, { affine: false }).train(train), [sample([4, 3], 6)])
    }
  })

  it('LayerNorm over one and two trailing dims', () => {
    const ln = new nn.LayerNorm(4)
    ln.loadStateDict({ weight: [1, 2, 0.5, -1], bias: [0, 0.1, 0.2, 0.3] })
    checkLayer(ln, [sample([3, 4], 7)])
    checkLayer(new nn.LayerNorm([2, 3], { eps: 1e-3 }), [sample([2, 2, 3], 8)])
  })

  it('Embedding (the weight; the indices are constants)', () => {
    const emb = new nn.Embedding(5, 3)
    emb.to('float64')
    const idx = tensor([[0, 4, 4], [2, 1, 0]])
    checkGrads((w: Tensor) => nn.functionalCall(emb, { weight: w }, idx), [emb.weight.detach()], { modes: ['rev'] })
  })

  it('activations, softmaxes, Flatten and Identity', () => {
    // Away from the kinks of ReLU and LeakyReLU at 0, where differences are one-sided.
    const x = sample([2, 3, 4], 9)
    for (const m of [new nn.ReLU(), new nn.LeakyReLU(0.2), new nn.GELU(), new nn.GELU({ approximate: 'tanh' }), new nn.SiLU(), new nn.Sigmoid(), new nn.Tanh(), new nn.Softmax(1), new nn.LogSoftmax(-1), new nn.Flatten(), new nn.Identity()]) {
      checkLayer(m, [x], { modes: ['fwd', 'rev'] })
    }
  })

  it('pools: MaxPool2d and AvgPool2d with padding, AdaptiveAvgPool2d with uneven windows', () => {
    checkLayer(new nn.MaxPool2d(3, { stride: 2, padding: 1 }), [sample([1, 2, 5, 5], 10)])
    checkLayer(new nn.AvgPool2d(3, { stride: 2, padding: 1 }), [sample([1, 2, 5, 5], 11)])
    checkLayer(new nn.AdaptiveAvgPool2d([2, 3]), [sample([1, 2, 5, 4], 12)])
  })

  it('Dropout with a fixed mask (the generator reseeded per call)', () => {
    checkLayer(new nn.Dropout(0.4), [sample([3, 4], 13)], { reseed: true })
  })

  it('Sequential and a ResNet BasicBlock with its downsample path', () => {
    checkLayer(new nn.Sequential(new nn.Linear(3, 4), new nn.Tanh(), new nn.Linear(4, 2)), [sample([2, 3], 14)])
    const down = new nn.Sequential(new nn.Conv2d(2, 3, 1, { stride: 2, bias: false }), new nn.BatchNorm2d(3))
    checkLayer(new nn.models.BasicBlock(2, 3, 2, down), [sample([2, 2, 4, 4], 15)])
  })

  it('MultiheadAttention: self-attention, cross-attention with a float mask, batchFirst with a boolean mask, causal', () => {
    const mha = new nn.MultiheadAttention(4, 2)
    const q = sample([3, 2, 4], 16)
    checkLayer(mha, [q, q, q])
    checkLayer(mha, [sample([2, 1, 4], 17), sample([3, 1, 4], 18), sample([3, 1, 4], 19)])
    const first = new nn.MultiheadAttention(4, 2, { batchFirst: true })
    first.to('float64')
    const [x, k] = [sample([1, 3, 4], 20), sample([1, 3, 4], 21)]
    const blocked = [[false, true, false], [false, false, true], [true, false, false]]
    const params = first.namedParameters()
    checkGrads(
      (xi: Tensor, ...ps: Tensor[]) => {
        const swapped = Object.fromEntries(params.map(([n], i) => [n, ps[i]]))
        const [out, weights] = nn.functionalCall(first, swapped, xi, k, k, { attnMask: blocked, averageAttnWeights: false })
        return [out, weights]
      },
      [x, ...params.map(([, p]) => p.detach())],
      { modes: ['rev'] },
    )
    const causal = new nn.MultiheadAttention(4, 1, { bias: false })
    checkGrads((xi: Tensor) => causal.to('float64').call(xi, xi, xi, { isCausal: true })[0], [sample([3, 4], 22)], { modes: ['rev'] })
  })
})

describe('layer outputs', () => {
  it('MultiheadAttention: masks block what they should, weights are per head or averaged, needWeights', () => {
    const mha = new nn.MultiheadAttention(4, 2).to('float64')
    const x = sample([3, 1, 4], 23)
    const [out, weights] = mha.call(x, x, x, { isCausal: true, averageAttnWeights: false }) as [Tensor, Tensor]
    expect(out.shape).toEqual([3, 1, 4])
    expect(weights.shape).toEqual([1, 2, 3, 3])
    const w = weights.tolist() as number[][][][]
    for (const head of w[0]) head.forEach((row, i) => row.forEach((v, j) => (j > i ? expect(v).toBe(0) : expect(v).toBeGreaterThan(0))))
    const boolMask = [[false, true, true], [false, false, true], [false, false, false]]
    const [outBool, avg] = mha.call(x, x, x, { attnMask: boolMask }) as [Tensor, Tensor]
    expect(avg.shape).toEqual([1, 3, 3])
    expect(outBool.tolist()).toEqual(out.tolist())
    const floatMask = tensor(boolMask.map((r) => r.map((b) => (b ? -Infinity : 0))))
    expect((mha.call(x, x, x, { attnMask: floatMask })[0] as Tensor).tolist()).toEqual(out.tolist())
    expect(mha.call(x, x, x, { needWeights: false })[1]).toBeNull()
    expect(Object.keys(mha.stateDict())).toEqual(['in_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias'])
  })

  it('AdaptiveAvgPool2d uses PyTorch\'s windows floor(i·n/out) to ceil((i+1)·n/out)', () => {
    const x = tensor([[[[1, 2, 3, 4, 5]]]])
    expect((new nn.AdaptiveAvgPool2d([1, 3]).call(x) as Tensor).tolist()).toEqual([[[[1.5, 3, 4.5]]]])
  })

  it('Flatten merges startDim..endDim', () => {
    expect((new nn.Flatten().call(sample([2, 3, 4, 5], 24)) as Tensor).shape).toEqual([2, 60])
    expect((new nn.Flatten(0, 1).call(sample([2, 3, 4], 25)) as Tensor).shape).toEqual([6, 4])
  })

  it('GELU and LeakyReLU give their formulas', () => {
    const x = tensor([-2, -0.5, 0, 1.5])
    // GELU(v) = v/2·(1 + erf(v/√2)), so erf(v/√2) = 2·GELU(v)/v − 1; erf(1.5/√2) = 0.86638559746228… (Abramowitz–Stegun tables).
    const erfOfHalfRoot2 = (v: number) => (nn.functional.gelu(tensor([v])).item() / v) * 2 - 1
    expect((new nn.LeakyReLU(0.2).call(x) as Tensor).tolist()).toEqual([-0.4, -0.1, 0, 1.5])
    expect(erfOfHalfRoot2(1.5)).toBeCloseTo(0.8663855974622838, 14)
    const t = (v: number) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))
    // To rounding: the op may evaluate the formula in another order (a few ulps).
    const approx = (new nn.GELU({ approximate: 'tanh' }).call(x) as Tensor).tolist() as number[]
    ;[-2, -0.5, 0, 1.5].forEach((v, i) => expect(approx[i]).toBeCloseTo(t(v), 14))
  })
})

describe('BatchNorm running statistics', () => {
  it('move by momentum towards the batch mean and the unbiased variance; num_batches_tracked counts; eval uses them', () => {
    const bn = new nn.BatchNorm1d(2, { momentum: 0.3, dtype: 'float64' })
    const batches = [sample([5, 2], 26, 2), sample([5, 2], 27, 3)]
    let mean = [0, 0]
    let variance = [1, 1]
    for (const x of batches) {
      bn.call(x)
      const rows = x.tolist() as number[][]
      for (let c = 0; c < 2; c++) {
        const col = rows.map((r) => r[c])
        const mu = col.reduce((a, b) => a + b) / col.length
        const unbiased = col.reduce((a, v) => a + (v - mu) ** 2, 0) / (col.length - 1)
        mean[c] = 0.7 * mean[c] + 0.3 * mu
        variance[c] = 0.7 * variance[c] + 0.3 * unbiased
      }
      mean = [...mean]
      variance = [...variance]
    }
    const got = bn.stateDict()
    ;(got.running_mean.tolist() as number[]).forEach((v, c) => expect(v).toBeCloseTo(mean[c], 14))
    ;(got.running_var.tolist() as number[]).forEach((v, c) => expect(v).toBeCloseTo(variance[c], 14))
    expect(got.num_batches_tracked.item()).toBe(2)
    bn.eval()
    const x = sample([3, 2], 28)
    const y = bn.call(x) as Tensor
    const rows = x.tolist() as number[][]
    ;(y.tolist() as number[][]).forEach((r, i) => r.forEach((v, c) => expect(v).toBeCloseTo((rows[i][c] - mean[c]) / Math.sqrt(variance[c] + 1e-5), 13)))
    expect(bn.stateDict().num_batches_tracked.item()).toBe(2)
  })

  it('momentum null keeps a cumulative average', () => {
    const bn = new nn.BatchNorm1d(1, { momentum: null, dtype: 'float64' })
    bn.call(tensor([[1], [3]]))
    bn.call(tensor([[5], [9]]))
    expect(bn.stateDict().running_mean.tolist()).toEqual([(2 + 7) / 2])
  })
})

describe('Dropout', () => {
  it('zeroes about p of the elements, scales the rest by 1/(1 − p), repeats under a seed, and is the identity in eval', () => {
    const d = new nn.Dropout(0.25)
    const x = tensor(new Float64Array(20000).fill(1))
    manualSeed(5)
    const a = (d.call(x) as Tensor).tolist() as number[]
    manualSeed(5)
    const b = (d.call(x) as Tensor).tolist() as number[]
    expect(a).toEqual(b)
    expect(new Set(a)).toEqual(new Set([0, 1 / 0.75]))
    const dropped = a.filter((v) => v === 0).length / a.length
    // Binomial(20000, 0.25): standard deviation √(0.25·0.75/20000) ≈ 0.0031; 5σ bound.
    expect(Math.abs(dropped - 0.25)).toBeLessThan(5 * Math.sqrt((0.25 * 0.75) / 20000))
    d.eval()
    expect(d.call(x)).toBe(x)
    expect(() => new nn.Dropout(1.5)).toThrow()
    expect((new nn.Dropout(1).call(x) as Tensor).tolist()).toEqual(new Array(20000).fill(0))
  })
})

describe('initialisation', () => {
  /** Mean and standard deviation of a tensor's values. */
  const stats = (t: Tensor) => {
    const v = Array.from(t.contiguousData())
    const mean = v.reduce((a, b) => a + b) / v.length
    return { mean, std: Math.sqrt(v.reduce((a, x) => a + (x - mean) ** 2, 0) / v.length), n: v.length, max: Math.max(...v.map(Math.abs)) }
  }

  it('Linear: Kaiming-uniform with a = √5 (U(±1/√fan_in)) and bias U(±1/√fan_in), within sampling error', () => {
    manualSeed(1)
    const m = new nn.Linear(400, 300)
    const bound = 1 / Math.sqrt(400)
    const w = stats(m.weight)
    // U(−b, b): mean 0 and sd b/√3; the sample mean's error is sd/√n, the sample sd's ≈ sd/√(2n)·√(4/5) for a uniform.
    const sd = bound / Math.sqrt(3)
    expect(Math.abs(w.mean)).toBeLessThan((5 * sd) / Math.sqrt(w.n))
    expect(Math.abs(w.std - sd)).toBeLessThan((5 * sd) / Math.sqrt(w.n))
    expect(w.max).toBeLessThanOrEqual(bound)
    expect(stats(m.bias as Tensor).max).toBeLessThanOrEqual(bound)
  })

  it('kaimingNormal_, xavierUniform_, xavierNormal_, normal_, constant_ and Embedding\'s N(0, 1)', () => {
    manualSeed(2)
    const t = new nn.Parameter(tensor(new Float64Array(200 * 300), { shape: [200, 300] }))
    const check = (sd: number) => {
      const s = stats(t)
      expect(Math.abs(s.mean)).toBeLessThan((5 * sd) / Math.sqrt(s.n))
      // Sample sd of a normal: error ≈ sd/√(2n).
      expect(Math.abs(s.std - sd)).toBeLessThan((5 * sd) / Math.sqrt(s.n))
    }
    nn.init.kaimingNormal_(t, { mode: 'fanOut', nonlinearity: 'relu' })
    check(Math.sqrt(2 / 200))
    nn.init.xavierUniform_(t, 2)
    check((2 * Math.sqrt(6 / 500)) / Math.sqrt(3))
    nn.init.xavierNormal_(t)
    check(Math.sqrt(2 / 500))
    nn.init.normal_(t, 0, 3)
    check(3)
    nn.init.constant_(t, 0.5)
    expect(stats(t)).toMatchObject({ mean: 0.5, std: 0 })
    expect(nn.init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 15)
    const e = stats(new nn.Embedding(300, 200).weight)
    expect(Math.abs(e.std - 1)).toBeLessThan(5 / Math.sqrt(e.n))
  })

  it('repeats under manualSeed', () => {
    manualSeed(3)
    const a = new nn.Linear(4, 4).weight.tolist()
    manualSeed(3)
    expect(new nn.Linear(4, 4).weight.tolist()).toEqual(a)
  })
})
