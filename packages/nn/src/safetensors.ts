import { AdError, Storage, Tensor, type Tensor as CoreTensor } from '@ad/reverse'

// The safetensors format (huggingface/safetensors): an unsigned 64-bit little-endian header
// length N, N bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, ...,
// "__metadata__": { key: string } }` (padded with spaces), then the raw little-endian data;
// offsets count from the start of the data and the tensors tile it with no gaps.

const invalid = (message: string): AdError => new AdError('INVALID_ARGUMENT', `loadSafetensors: ${message}`)

/** Element sizes of the dtypes read here; F16/BF16 become float32, I64/I32 float64. */
const ELEMENT_BYTES: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4 }

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

export interface Safetensors {
  tensors: Record<string, Tensor>
  metadata: Record<string, string> | null
}

interface Entry {
  name: string
  dtype: string
  shape: number[]
  begin: number
  end: number
}

/**
 * Reads a safetensors file. Every entry is checked before any tensor is made (dtype known,
 * shape and offsets integers, offsets inside the data, matching the shape, and tiling the
 * data with no overlap or gap), so a bad file throws INVALID_ARGUMENT and loads nothing.
 * F64 and F32 data aligned to its element size is viewed, not copied.
 */
export function loadSafetensors(bytes: Uint8Array): Safetensors {
  if (!(bytes instanceof Uint8Array)) throw invalid('expected the file as a Uint8Array.')
  if (bytes.length < 8) throw invalid(`the file has ${bytes.length} bytes, fewer than the 8 of the header length.`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerLength = view.getBigUint64(0, true)
  if (headerLength > BigInt(bytes.length - 8)) throw invalid(`the header length ${headerLength} runs past the end of the file (${bytes.length - 8} bytes after the length).`)
  const n = Number(headerLength)
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)))
  } catch {
    throw invalid('the header is not valid UTF-8 JSON.')
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw invalid('the header must be a JSON object.')
  const dataStart = 8 + n
  const dataLength = bytes.length - dataStart
  const { entries, metadata } = readHeader(header as Record<string, unknown>, dataLength)
  const tensors: Record<string, Tensor> = Object.create(null)
  for (const e of entries) tensors[e.name] = decode(bytes, dataStart, e)
  return { tensors, metadata }
}

function readHeader(header: Record<string, unknown>, dataLength: number): { entries: Entry[]; metadata: Record<string, string> | null } {
  let metadata: Record<string, string> | null = null
  const entries: Entry[] = []
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid('__metadata__ must be an object of strings.')
      metadata = Object.create(null) as Record<string, string>
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw invalid(`__metadata__ '${k}' must be a string.`)
        metadata[k] = v
      }
      continue
    }
    if (value === null || typeof value !== 'object') throw invalid(`the entry of '${name}' must be an object { dtype, shape, data_offsets }.`)
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>
    if (typeof dtype !== 'string' || !Object.hasOwn(ELEMENT_BYTES, dtype)) {
      throw invalid(`'${name}' has dtype ${JSON.stringify(dtype)}; supported: ${Object.keys(ELEMENT_BYTES).join(', ')}.`)
    }
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw invalid(`'${name}' has shape ${JSON.stringify(shape)}, not a list of non-negative integers.`)
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw invalid(`'${name}' has data_offsets ${JSON.stringify(offsets)}, not two non-negative integers.`)
    }
    const [begin, end] = offsets as number[]
    if (begin > end || end > dataLength) throw invalid(`'${name}' has data_offsets [${begin}, ${end}] outside the ${dataLength} bytes of data.`)
    const count = (shape as number[]).reduce((p, d) => p * d, 1)
    if (end - begin !== count * ELEMENT_BYTES[dtype]) {
      throw invalid(`'${name}' (${dtype}, shape [${shape.join(', ')}]) needs ${count * ELEMENT_BYTES[dtype]} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}.`)
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end })
  }
  // The tensors must tile the data: in order of their offsets, each starts where the last ended.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end)
  let at = 0
  for (const e of sorted) {
    if (e.begin < at) throw invalid(`'${e.name}' (data_offsets [${e.begin}, ${e.end}]) overlaps another tensor's data.`)
    if (e.begin > at) throw invalid(`bytes ${at} to ${e.begin} of the data belong to no tensor (before '${e.name}').`)
    at = e.end
  }
  if (at !== dataLength) throw invalid(`the tensors cover ${at} bytes of data but the file holds ${dataLength}: truncated or padded.`)
  return { entries, metadata }
}

function decode(bytes: Uint8Array, dataStart: number, { dtype, shape, begin, end }: Entry): Tensor {
  const at = bytes.byteOffset + dataStart + begin
  const count = (end - begin) / ELEMENT_BYTES[dtype]
  const view = new DataView(bytes.buffer, at, end - begin)
  let data: Float64Array | Float32Array
  switch (dtype) {
    case 'F64':
      data = LITTLE_ENDIAN && at % 8 === 0 ? new Float64Array(bytes.buffer, at, count) : fill(new Float64Array(count), (i) => view.getFloat64(8 * i, true))
      break
    case 'F32':
      data = LITTLE_ENDIAN && at % 4 === 0 ? new Float32Array(bytes.buffer, at, count) : fill(new Float32Array(count), (i) => view.getFloat32(4 * i, true))
      break
    case 'F16':
      data = fill(new Float32Array(count), (i) => halfToNumber(view.getUint16(2 * i, true)))
      break
    case 'BF16':
      data = fill(new Float32Array(count), (i) => bfloat16ToNumber(view.getUint16(2 * i, true)))
      break
    case 'I64':
      data = fill(new Float64Array(count), (i) => Number(view.getBigInt64(8 * i, true)))
      break
    default: // I32
      data = fill(new Float64Array(count), (i) => view.getInt32(4 * i, true))
  }
  return new Tensor(new Storage(data), [...shape])
}

function fill<A extends Float64Array | Float32Array>(out: A, value: (i: number) => number): A {
  for (let i = 0; i < out.length; i++) out[i] = value(i)
  return out
}

/** IEEE binary16: sign, 5 exponent bits (bias 15), 10 fraction bits; subnormals at exponent 0. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * fraction * 2 ** -24
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15)
}

/** bfloat16 is the high half of a float32. */
const bf16Scratch = new DataView(new ArrayBuffer(4))
function bfloat16ToNumber(b: number): number {
  bf16Scratch.setUint32(0, b << 16)
  return bf16Scratch.getFloat32(0)
}

/**
 * Writes tensors (float64 as F64, float32 as F32) and optional string metadata in the
 * safetensors format: the header padded with spaces to 8 bytes and the float64 tensors
 * first, so every tensor's data is aligned to its element size.
 */
export function saveSafetensors(tensors: Record<string, CoreTensor>, metadata?: Record<string, string>): Uint8Array {
  const fail = (m: string) => new AdError('INVALID_ARGUMENT', `saveSafetensors: ${m}`)
  if (tensors === null || typeof tensors !== 'object') throw fail('expected an object mapping names to tensors.')
  const names = Object.keys(tensors)
  for (const name of names) {
    if (name === '__metadata__' || name === '') throw fail(`'${name}' cannot be a tensor name.`)
    if (!(tensors[name] instanceof Tensor)) throw fail(`'${name}' is not a tensor.`)
  }
  // No prototype: a tensor named '__proto__' is a key like any other.
  const header: Record<string, unknown> = Object.create(null)
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string')) throw fail('metadata must map keys to strings.')
    header.__metadata__ = { ...metadata }
  }
  const order = names.sort((a, b) => bytesPer(tensors[b]) - bytesPer(tensors[a]) || (a < b ? -1 : a > b ? 1 : 0))
  let offset = 0
  for (const name of order) {
    const t = tensors[name]
    const size = t.size * bytesPer(t)
    header[name] = { dtype: t.dtype === 'float64' ? 'F64' : 'F32', shape: [...t.shape], data_offsets: [offset, offset + size] }
    offset += size
  }
  const encoded = new TextEncoder().encode(JSON.stringify(header))
  const padded = Math.ceil(encoded.length / 8) * 8
  const out = new Uint8Array(8 + padded + offset)
  const view = new DataView(out.buffer)
  view.setBigUint64(0, BigInt(padded), true)
  out.set(encoded, 8)
  out.fill(0x20, 8 + encoded.length, 8 + padded)
  let at = 8 + padded
  for (const name of order) {
    const data = tensors[name].contiguousData()
    if (LITTLE_ENDIAN) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at)
    else if (data instanceof Float64Array) for (let i = 0; i < data.length; i++) view.setFloat64(at + 8 * i, data[i], true)
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true)
    at += data.byteLength
  }
  return out
}

const bytesPer = (t: CoreTensor): number => (t.dtype === 'float64' ? 8 : 4)
