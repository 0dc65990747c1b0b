import { inspect } from 'node:util'
import { afterEach, describe, expect, it } from 'vitest'
import { arange, full, manualSeed, ones, randn, tensor, zeros } from '../index.js'
import { codeOf } from '../testing/helpers.js'
import { DEFAULT_PRINT_OPTIONS, printOptions, setPrintOptions } from './options.js'

// Every expected string is what PyTorch's str() prints for the same tensor (torch/_tensor_str.py,
// default options), with ad's words for the suffixes (SPEC, "Printing").
const lines = (...rows: string[]) => rows.join('\n')

afterEach(() => {
  setPrintOptions(DEFAULT_PRINT_OPTIONS)
})

describe('the pinned examples of the SPEC (plain tensors)', () => {
  it.each<[string, () => unknown, string]>([
    ['a matrix', () => tensor([[1, 2.5], [3, 4]]), lines('tensor([[1.0000, 2.5000],', '        [3.0000, 4.0000]])')],
    ['integers', () => tensor([1, 2, 3]), 'tensor([1., 2., 3.])'],
    ['a 0-dim tensor', () => tensor(3), 'tensor(3.)'],
    ['a wide range', () => tensor([1e-8, 1, 1e8]), 'tensor([1.0000e-08, 1.0000e+00, 1.0000e+08])'],
    ['a tie, to even', () => tensor([0.03125, 1]), 'tensor([0.0312, 1.0000])'],
    ['negatives', () => tensor([-1.25, 3.5]), 'tensor([-1.2500,  3.5000])'],
    ['non-finite and -0', () => tensor([NaN, Infinity, -Infinity, -0, 1.5]), 'tensor([   nan,    inf,   -inf, -0.0000, 1.5000])'],
    ['empty', () => zeros([2, 0]), 'tensor([], shape=[2, 0])'],
    [
      '3-D',
      () => arange(8).reshape([2, 2, 2]),
      lines('tensor([[[0., 1.],', '         [2., 3.]],', '', '        [[4., 5.],', '         [6., 7.]]])'),
    ],
  ])('%s', (_, make, expected) => {
    const t = make()
    expect(String(t)).toBe(expected)
    expect(`${t}`).toBe(expected)
    expect(inspect(t)).toBe(expected) // console.log
  })
})

describe('layout', () => {
  it('4-D: two blank lines between the outermost blocks, one between the next', () => {
    expect(String(arange(16).reshape([2, 2, 2, 2]))).toBe(
      lines(
        'tensor([[[[ 0.,  1.],',
        '          [ 2.,  3.]],',
        '',
        '         [[ 4.,  5.],',
        '          [ 6.,  7.]]],',
        '',
        '',
        '        [[[ 8.,  9.],',
        '          [10., 11.]],',
        '',
        '         [[12., 13.],',
        '          [14., 15.]]]])',
      ),
    )
  })

  it('wraps a long row at 80 columns, as many elements per line as fit', () => {
    // width 6 + ", " = 8 per element; (80 - 7) / 8 → 9 per line
    expect(String(arange(30).div(10))).toBe(
      lines(
        'tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000,',
        '        0.9000, 1.0000, 1.1000, 1.2000, 1.3000, 1.4000, 1.5000, 1.6000, 1.7000,',
        '        1.8000, 1.9000, 2.0000, 2.1000, 2.2000, 2.3000, 2.4000, 2.5000, 2.6000,',
        '        2.7000, 2.8000, 2.9000])',
      ),
    )
  })

  it('wraps the rows of a matrix one column deeper', () => {
    expect(String(arange(24).reshape([2, 12]).div(10))).toBe(
      lines(
        'tensor([[0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000,',
        '         0.9000, 1.0000, 1.1000],',
        '        [1.2000, 1.3000, 1.4000, 1.5000, 1.6000, 1.7000, 1.8000, 1.9000, 2.0000,',
        '         2.1000, 2.2000, 2.3000]])',
      ),
    )
  })

  it('reads views through their strides', () => {
    expect(String(arange(6).reshape([2, 3]).transpose(0, 1))).toBe(lines('tensor([[0., 3.],', '        [1., 4.],', '        [2., 5.]])'))
    expect(String(arange(6).slice(0, 1, 6, 2))).toBe('tensor([1., 3., 5.])')
  })

  it('0-dim tensors', () => {
    expect(String(tensor(3.14159))).toBe('tensor(3.1416)')
    expect(String(tensor(-0.5))).toBe('tensor(-0.5000)')
    expect(String(tensor(1e10))).toBe('tensor(1.0000e+10)') // a whole number above 1e8: scientific
    expect(String(tensor(NaN))).toBe('tensor(nan)')
    expect(String(tensor(-0))).toBe('tensor(-0.)')
  })
})

describe('summaries', () => {
  it('a 1-D tensor over 1000 elements keeps three at each end', () => {
    expect(String(full([2000], 0.5))).toBe('tensor([0.5000, 0.5000, 0.5000,  ..., 0.5000, 0.5000, 0.5000])')
  })

  it('the notation is chosen from the elements shown; the " ..." counts as an element when wrapping', () => {
    // shown 0, 1, 2, 1997, 1998, 1999: max / min = 1999 > 1000 → scientific; 12 columns each, 6 per line
    expect(String(arange(2000))).toBe(
      lines('tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,', '        1.9990e+03])'),
    )
  })

  it('a 200 × 300 matrix prints in seven lines', () => {
    const t = arange(60000).reshape([200, 300]).mul(0.01).add(100)
    expect(String(t)).toBe(
      lines(
        'tensor([[100.0000, 100.0100, 100.0200,  ..., 102.9700, 102.9800, 102.9900],',
        '        [103.0000, 103.0100, 103.0200,  ..., 105.9700, 105.9800, 105.9900],',
        '        [106.0000, 106.0100, 106.0200,  ..., 108.9700, 108.9800, 108.9900],',
        '        ...,',
        '        [691.0000, 691.0100, 691.0200,  ..., 693.9700, 693.9800, 693.9900],',
        '        [694.0000, 694.0100, 694.0200,  ..., 696.9700, 696.9800, 696.9900],',
        '        [697.0000, 697.0100, 697.0200,  ..., 699.9700, 699.9800, 699.9900]])',
      ),
    )
    manualSeed(0)
    const r = String(randn([200, 300]))
    expect(r.split('\n')).toHaveLength(7)
    expect(r.length).toBeLessThan(7 * 80)
  })

  it('3-D: summarised blocks, a "..." block between them, each row summarised too', () => {
    // values 1000 + 160 i + 80 j + k: whole, max / min < 1000 → integer mode, width 5
    const row = (a: number) => `[${a}., ${a + 1}., ${a + 2}.,  ..., ${a + 77}., ${a + 78}., ${a + 79}.]`
    const blockOf = (i: number) => `[${row(1000 + 160 * i)},\n         ${row(1080 + 160 * i)}]`
    const expected = `tensor([${[0, 1, 2].map(blockOf).join(',\n\n        ')},\n\n        ...,\n\n        ${[4, 5, 6].map(blockOf).join(',\n\n        ')}])`
    expect(String(arange(1120).reshape([7, 2, 80]).add(1000))).toBe(expected)
    expect(expected.split('\n')).toHaveLength(6 * 3 - 1 + 2)
  })
})

describe('dtypes, empty tensors, special values', () => {
  it('float32 shows its dtype and prints the float32 value', () => {
    expect(String(tensor([0.1, 0.2], { dtype: 'float32' }))).toBe('tensor([0.1000, 0.2000], dtype=float32)')
    // float64 1.00005 is just above the tie (→ 1.0001); its float32 neighbour is below it (→ 1.0000)
    expect(Math.fround(1.00005)).toBeLessThan(1.00005)
    expect(String(tensor([1.00005, 2]))).toBe('tensor([1.0001, 2.0000])')
    expect(String(tensor([1.00005, 2], { dtype: 'float32' }))).toBe('tensor([1.0000, 2.0000], dtype=float32)')
  })

  it('empty tensors: no shape for 1-D, the dtype when not float64', () => {
    expect(String(zeros([0]))).toBe('tensor([])')
    expect(String(zeros([0], { dtype: 'float32' }))).toBe('tensor([], dtype=float32)')
    expect(String(zeros([2, 0, 3]))).toBe('tensor([], shape=[2, 0, 3])')
    expect(String(zeros([2, 0], { dtype: 'float32' }))).toBe('tensor([], shape=[2, 0], dtype=float32)')
  })

  it('zeros and negative zeros alone print in integer mode', () => {
    expect(String(zeros([3]))).toBe('tensor([0., 0., 0.])')
    expect(String(tensor([0, -0]))).toBe('tensor([0., -0.])')
    expect(String(tensor([-0, 1.5]))).toBe('tensor([-0.0000, 1.5000])')
  })

  it('NaN and infinities take the common width and no point', () => {
    expect(String(tensor([NaN]))).toBe('tensor([nan])')
    expect(String(tensor([1, NaN]))).toBe('tensor([1., nan])')
    expect(String(tensor([Infinity, 2, -Infinity]))).toBe('tensor([inf, 2., -inf])')
    expect(String(tensor([1e-8, NaN]))).toBe('tensor([1.0000e-08,        nan])')
  })

  it('whole numbers far apart switch to scientific notation', () => {
    expect(String(tensor([1, 10000]))).toBe('tensor([1.0000e+00, 1.0000e+04])')
    expect(String(tensor([1, 1000]))).toBe('tensor([   1., 1000.])')
    expect(String(tensor([0.5, 1e-5]))).toBe('tensor([5.0000e-01, 1.0000e-05])')
  })

  it('never shows the internals', () => {
    const shown = inspect({ weights: ones([2]) })
    expect(shown).toBe('{ weights: tensor([1., 1.]) }')
  })
})

describe('setPrintOptions', () => {
  it('precision rounds ties to even too', () => {
    setPrintOptions({ precision: 2 })
    expect(String(tensor([1.125, 2]))).toBe('tensor([1.12, 2.00])')
  })

  it('sciMode forces scientific notation on (widths still from the automatic choice) or off', () => {
    setPrintOptions({ sciMode: true })
    expect(String(tensor([1.5, 2]))).toBe('tensor([1.5000e+00, 2.0000e+00])')
    setPrintOptions({ sciMode: false })
    expect(String(tensor([1e-8, 1, 1e8]))).toBe('tensor([    0.0000,     1.0000, 100000000.0000])')
    setPrintOptions({ sciMode: null })
    expect(String(tensor([1e-8, 1, 1e8]))).toBe('tensor([1.0000e-08, 1.0000e+00, 1.0000e+08])')
  })

  it('threshold and edgeitems choose the summary', () => {
    setPrintOptions({ threshold: 5, edgeitems: 2 })
    expect(String(arange(10))).toBe('tensor([0., 1.,  ..., 8., 9.])')
    expect(String(arange(5))).toBe('tensor([0., 1., 2., 3., 4.])')
  })

  it('linewidth moves the wrap', () => {
    setPrintOptions({ linewidth: 40 })
    expect(String(arange(10))).toBe(lines('tensor([0., 1., 2., 3., 4., 5., 6., 7.,', '        8., 9.])'))
  })

  it('returns the previous options, keeps those not given, and refuses bad ones changing nothing', () => {
    const before = setPrintOptions({ precision: 6 })
    expect(before).toEqual(DEFAULT_PRINT_OPTIONS)
    expect(printOptions()).toEqual({ ...DEFAULT_PRINT_OPTIONS, precision: 6 })
    expect(codeOf(() => setPrintOptions({ precision: -1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => setPrintOptions({ precision: 2, linewidth: 0 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => setPrintOptions({ sciMode: 'yes' as never }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => setPrintOptions({ width: 3 } as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => setPrintOptions(null as never))).toBe('INVALID_ARGUMENT')
    expect(printOptions()).toEqual({ ...DEFAULT_PRINT_OPTIONS, precision: 6 })
    setPrintOptions(before)
    expect(printOptions()).toEqual(DEFAULT_PRINT_OPTIONS)
  })
})
