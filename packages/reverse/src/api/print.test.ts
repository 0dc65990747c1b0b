import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { tensor as coreTensor } from '@ad/core'
import { arange, noGrad, tensor, zeros } from '../index.js'

// Expected strings: PyTorch's str() of the same tensors (torch/_tensor_str.py), with ad's
// words: requires_grad=True → requiresGrad=true, grad_fn=<MulBackward0> → gradFn=<MulBackward>.
const lines = (...rows: string[]) => rows.join('\n')

describe('reverse tensors print as PyTorch prints them', () => {
  // The layout itself is core's (its tests pin SPEC's examples); a reverse tensor must print
  // exactly as a core tensor of the same values, everywhere a user may print it.
  it.each<[string, number[], number[]]>([
    ['a matrix', [2, 2], [1, 2.5, 3, 4]],
    ['a 0-dim tensor', [], [3]],
    ['a wide range', [3], [1e-8, 1, 1e8]],
    ['non-finite and -0', [5], [NaN, Infinity, -Infinity, -0, 1.5]],
    ['empty', [2, 0], []],
    ['3-D', [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]],
  ])('%s: as core prints it', (_, shape, data) => {
    const t = tensor(Float64Array.from(data), { shape })
    const expected = String(coreTensor(Float64Array.from(data), { shape }))
    expect(String(t)).toBe(expected)
    expect(`${t}`).toBe(expected)
    expect(inspect(t)).toBe(expected) // what console.log shows
  })

  it.each<[string, () => unknown, string]>([
    ['a leaf that requires grad', () => tensor([1.5, 2], { requiresGrad: true }), 'tensor([1.5000, 2.0000], requiresGrad=true)'],
    [
      'float32 that requires grad',
      () => tensor([1.5, 2], { dtype: 'float32', requiresGrad: true }),
      'tensor([1.5000, 2.0000], dtype=float32, requiresGrad=true)',
    ],
    ['a scalar result', () => tensor(3, { requiresGrad: true }).mul(2), 'tensor(6., gradFn=<MulBackward>)'],
  ])('%s', (_, make, expected) => {
    const t = make()
    expect(String(t)).toBe(expected)
    expect(inspect(t)).toBe(expected)
  })

  it('names the node that made a tensor, the leaf flag otherwise', () => {
    const x = tensor([1.5, 2], { requiresGrad: true })
    expect(String(x.mul(x).sum())).toBe('tensor(6.2500, gradFn=<SumBackward>)')
    expect(String(x.exp().add(1))).toBe('tensor([5.4817, 8.3891], gradFn=<AddBackward>)')
    expect(String(x.detach())).toBe('tensor([1.5000, 2.0000])')
    expect(String(noGrad(() => x.mul(2)))).toBe('tensor([3., 4.])')
    expect(String(zeros([0]).requiresGrad_())).toBe('tensor([], requiresGrad=true)')
  })

  it('a suffix that would pass 80 columns goes on a line of its own', () => {
    // last line "        [697.0000, ...,  699.9900]]" is 75 columns: ", requiresGrad=true" does not fit
    const t = arange(60000).reshape([200, 300]).mul(0.01).add(100).requiresGrad_()
    expect(String(t)).toBe(
      lines(
        'tensor([[100.0000, 100.0100, 100.0200,  ..., 102.9700, 102.9800, 102.9900],',
        '        [103.0000, 103.0100, 103.0200,  ..., 105.9700, 105.9800, 105.9900],',
        '        [106.0000, 106.0100, 106.0200,  ..., 108.9700, 108.9800, 108.9900],',
        '        ...,',
        '        [691.0000, 691.0100, 691.0200,  ..., 693.9700, 693.9800, 693.9900],',
        '        [694.0000, 694.0100, 694.0200,  ..., 696.9700, 696.9800, 696.9900],',
        '        [697.0000, 697.0100, 697.0200,  ..., 699.9700, 699.9800, 699.9900]],',
        '       requiresGrad=true)',
      ),
    )
    expect(String(t.mul(1).index(0).slice(0, 0, 2))).toBe('tensor([100.0000, 100.0100], gradFn=<SliceBackward>)')
  })

  it('never shows the internals (storage, node, slab)', () => {
    const x = tensor(2, { requiresGrad: true })
    expect(inspect({ y: x.mul(x) })).toBe('{ y: tensor(4., gradFn=<MulBackward>) }')
  })
})
