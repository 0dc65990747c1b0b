import { describe, expect, it } from 'vitest'
import { AdError, manualSeed, tensor } from '@ad/reverse'
import * as nn from '../src/index.js'

/** A safetensors file from a header object and raw data bytes (header padded with spaces to 8). */
function file(header: unknown, data: Uint8Array | number[], { headerLength }: { headerLength?: bigint } = {}): Uint8Array {
  let json = JSON.stringify(header)
  while (json.length % 8 !== 0) json += ' '
  const h = new TextEncoder().encode(json)
  const out = new Uint8Array(8 + h.length + data.length)
  new DataView(out.buffer).setBigUint64(0, headerLength ?? BigInt(h.length), true)
  out.set(h, 8)
  out.set(data, 8 + h.length)
  return out
}

/** Element by element (vitest's deep equality is far too slow for millions of elements). */
function sameValues(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false
  return true
}

const f64 = (...v: number[]) => new Uint8Array(Float64Array.from(v).buffer)
const codeOf = (f: () => unknown) => {
  try {
    f()
  } catch (e) {
    return e instanceof AdError ? e.code : String(e)
  }
  return 'no error'
}

describe('saveSafetensors and loadSafetensors', () => {
  it('round-trip a ResNet-18 state dict exactly, and it loads back into a model', () => {
    manualSeed(4)
    const model = nn.models.resnet18({ numClasses: 10 })
    const sd = model.stateDict()
    const bytes = nn.saveSafetensors(sd, { framework: 'ad' })
    const { tensors, metadata } = nn.loadSafetensors(bytes)
    expect(metadata).toEqual({ framework: 'ad' })
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(sd).sort())
    for (const [k, t] of Object.entries(sd)) {
      expect(tensors[k].dtype, k).toBe(t.dtype)
      expect(tensors[k].shape, k).toEqual(t.shape)
      expect(sameValues(tensors[k].contiguousData(), t.contiguousData()), k).toBe(true)
    }
    // Written over, then loaded back from the file.
    const saved = Float32Array.from(sd['layer3.1.conv2.weight'].contiguousData())
    nn.init.zeros_(model.layer3.stateDict()['1.conv2.weight'])
    expect(sameValues(model.stateDict()['layer3.1.conv2.weight'].contiguousData(), saved)).toBe(false)
    model.loadStateDict(tensors)
    expect(sameValues(model.stateDict()['layer3.1.conv2.weight'].contiguousData(), saved)).toBe(true)
  })

  it('writes F64 and F32, the header padded to 8 bytes, each tensor aligned to its element size', () => {
    const bytes = nn.saveSafetensors({ b: tensor([1, 2], { dtype: 'float32' }), a: tensor([3], { dtype: 'float64' }), c: tensor(7, { dtype: 'float32' }) })
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true))
    expect(n % 8).toBe(0)
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)))
    expect(header.a).toEqual({ dtype: 'F64', shape: [1], data_offsets: [0, 8] })
    expect(header.b.dtype).toBe('F32')
    expect(header.c.shape).toEqual([])
    for (const k of ['a', 'b', 'c']) expect(header[k].data_offsets[0] % (header[k].dtype === 'F64' ? 8 : 4)).toBe(0)
  })

  it('reads F16, BF16, I32 and I64, and copies unaligned data from a view at any offset', () => {
    const data = [
      ...new Uint8Array(Uint16Array.of(0x3c00, 0xc000, 0x0001, 0x7bff).buffer), // F16 1, −2, 2^-24, 65504
      ...new Uint8Array(Uint16Array.of(0x3f80, 0xc0a0).buffer), // BF16 1, −5
      ...new Uint8Array(Int32Array.of(-7, 123456).buffer),
      ...new Uint8Array(BigInt64Array.of(42n).buffer),
      ...f64(0.1, -0.2),
    ]
    const header = {
      h: { dtype: 'F16', shape: [4], data_offsets: [0, 8] },
      b: { dtype: 'BF16', shape: [2], data_offsets: [8, 12] },
      i: { dtype: 'I32', shape: [2], data_offsets: [12, 20] },
      n: { dtype: 'I64', shape: [], data_offsets: [20, 28] },
      d: { dtype: 'F64', shape: [2], data_offsets: [28, 44] },
    }
    const bytes = file(header, data)
    // The same file at byte offset 3 of a larger buffer: F64 data no longer aligned to 8.
    const shifted = new Uint8Array(bytes.length + 5)
    shifted.set(bytes, 3)
    for (const b of [bytes, shifted.subarray(3, 3 + bytes.length)]) {
      const { tensors, metadata } = nn.loadSafetensors(b)
      expect(metadata).toBeNull()
      expect(tensors.h.dtype).toBe('float32')
      expect(tensors.h.tolist()).toEqual([1, -2, 2 ** -24, 65504])
      expect(tensors.b.tolist()).toEqual([1, -5])
      expect(tensors.i.dtype).toBe('float64')
      expect(tensors.i.tolist()).toEqual([-7, 123456])
      expect(tensors.n.shape).toEqual([])
      expect(tensors.n.item()).toBe(42)
      expect(tensors.d.tolist()).toEqual([0.1, -0.2])
    }
  })

  it('views aligned F64 and F32 data instead of copying it', () => {
    const bytes = file({ x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] } }, f64(1, 2))
    const x = nn.loadSafetensors(bytes).tensors.x
    expect(x.storage.data.buffer).toBe(bytes.buffer)
  })

  it('keeps names such as __proto__ as plain keys, without touching any prototype', () => {
    const bytes = file({ __metadata__: { __proto__: 'm', polluted: 'no' }, ['__proto__']: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, f64(5))
    const raw = new TextDecoder().decode(bytes.subarray(8))
    expect(raw).toContain('"__proto__"')
    const { tensors, metadata } = nn.loadSafetensors(bytes)
    expect(Object.keys(tensors)).toEqual(['__proto__'])
    expect(tensors['__proto__'].tolist()).toEqual([5])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.getPrototypeOf(tensors)).toBeNull()
    expect(metadata?.polluted).toBe('no')
    const again = nn.loadSafetensors(nn.saveSafetensors(tensors))
    expect(Object.keys(again.tensors)).toEqual(['__proto__'])
  })

  describe('bad files are INVALID_ARGUMENT, never a partial load', () => {
    const ok = { x: { dtype: 'F64', shape: [2], data_offsets: [0, 16] }, y: { dtype: 'F64', shape: [1], data_offsets: [16, 24] } }
    const data = f64(1, 2, 3)
    const cases: [string, () => Uint8Array][] = [
      ['fewer than 8 bytes', () => new Uint8Array(5)],
      ['a header length past the end', () => file(ok, data, { headerLength: 10_000n })],
      ['a header length beyond 2^53', () => file(ok, data, { headerLength: 2n ** 60n })],
      ['truncated data', () => file(ok, data).subarray(0, -1)],
      ['trailing bytes after the data', () => file(ok, [...data, 0, 0, 0, 0, 0, 0, 0, 0])],
      ['a header that is not JSON', () => { const b = file(ok, data); b[9] = 0x7b; b[10] = 0x7b; return b }],
      ['a header that is an array', () => file([1, 2], [])],
      ['invalid UTF-8 in the header', () => { const b = file({ x: 1 }, []); b[10] = 0xff; return b }],
      ['an unknown dtype', () => file({ ...ok, y: { dtype: 'Q8', shape: [1], data_offsets: [16, 24] } }, data)],
      ['offsets past the data', () => file({ ...ok, y: { dtype: 'F64', shape: [1], data_offsets: [24, 32] } }, data)],
      ['offsets that do not match the shape', () => file({ ...ok, y: { dtype: 'F64', shape: [2], data_offsets: [16, 24] } }, data)],
      ['overlapping tensors', () => file({ ...ok, y: { dtype: 'F64', shape: [1], data_offsets: [8, 16] } }, f64(1, 2))],
      ['a gap in the data', () => file({ x: { dtype: 'F64', shape: [1], data_offsets: [0, 8] }, y: { dtype: 'F64', shape: [1], data_offsets: [16, 24] } }, data)],
      ['begin after end', () => file({ ...ok, y: { dtype: 'F64', shape: [0], data_offsets: [24, 16] } }, data)],
      ['a negative or fractional shape', () => file({ ...ok, y: { dtype: 'F64', shape: [-1], data_offsets: [16, 24] } }, data)],
      ['offsets that are not two integers', () => file({ ...ok, y: { dtype: 'F64', shape: [1], data_offsets: [16] } }, data)],
      ['metadata that is not strings', () => file({ ...ok, __metadata__: { a: 1 } }, data)],
      ['an entry that is not an object', () => file({ ...ok, z: 3 }, data)],
    ]
    for (const [name, make] of cases) {
      it(name, () => {
        expect(codeOf(() => nn.loadSafetensors(make()))).toBe('INVALID_ARGUMENT')
      })
    }
    it('and the well-formed file they derive from loads', () => {
      expect(nn.loadSafetensors(file(ok, data)).tensors.y.tolist()).toEqual([3])
    })
    it('saving refuses non-tensors and non-string metadata', () => {
      expect(codeOf(() => nn.saveSafetensors({ a: [1] as never }))).toBe('INVALID_ARGUMENT')
      expect(codeOf(() => nn.saveSafetensors({ a: tensor([1]) }, { k: 1 as never }))).toBe('INVALID_ARGUMENT')
      expect(codeOf(() => nn.loadSafetensors('abc' as never))).toBe('INVALID_ARGUMENT')
    })
  })
})
