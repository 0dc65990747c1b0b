// Hostile calls into @ad/nn and @ad/compile: layers built with bad sizes and options, fed
// bad inputs; state dicts and safetensors files from outside (prototype keys, wrong shapes,
// lying headers), which must change nothing when refused; optimizers with bad settings;
// compiled functions of bad functions and inputs.
import fc from 'fast-check'
import * as compiler from '@ad/compile'
import * as nn from '@ad/nn'
import * as reverse from '@ad/reverse'
import type { Call } from './calls.js'
import { show } from './calls.js'
import { attrsFor, edgeNumber, leaf, nested, nonNumber, shape, typedArray } from './hostile.js'

const size: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 5 }) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(-1, 0.5, NaN, Infinity, 1e9, 2 ** 31, '3', null, undefined, 2n, [2, 2]) },
)

type Make = (...a: unknown[]) => unknown
const layers: [string, (a: unknown, b: unknown, c: unknown, o: unknown) => unknown][] = [
  ['Linear', (a, b, _c, o) => new (nn.Linear as unknown as new (...x: unknown[]) => unknown)(a, b, o)],
  ['Conv2d', (a, b, c, o) => new (nn.Conv2d as unknown as new (...x: unknown[]) => unknown)(a, b, c, o)],
  ['BatchNorm2d', (a, _b, _c, o) => new (nn.BatchNorm2d as unknown as new (...x: unknown[]) => unknown)(a, o)],
  ['LayerNorm', (a, _b, _c, o) => new (nn.LayerNorm as unknown as new (...x: unknown[]) => unknown)(a, o)],
  ['Embedding', (a, b) => new (nn.Embedding as unknown as new (...x: unknown[]) => unknown)(a, b)],
  ['Dropout', (a) => new (nn.Dropout as unknown as new (...x: unknown[]) => unknown)(a)],
  ['MaxPool2d', (a, _b, _c, o) => new (nn.MaxPool2d as unknown as new (...x: unknown[]) => unknown)(a, o)],
  ['MultiheadAttention', (a, b, _c, o) => new (nn.MultiheadAttention as unknown as new (...x: unknown[]) => unknown)(a, b, o)],
  ['Softmax', (a) => new (nn.Softmax as unknown as new (...x: unknown[]) => unknown)(a)],
  ['Flatten', (a, b) => new (nn.Flatten as unknown as new (...x: unknown[]) => unknown)(a, b)],
]

const layerOptions = attrsFor(['bias', 'stride', 'padding', 'dilation', 'groups', 'eps', 'momentum', 'affine', 'dtype', 'batchFirst'])

/** A layer made with hostile sizes, then called on a hostile input. */
const layerCall: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom(...layers), size, size, size, layerOptions, fc.oneof(nested, shape.map((s) => ({ randn: s }))))
  .map(([[name, make], a, b, c, o, input]) => ({
    target: `nn.${name}`,
    code: `new nn.${name}(${show(a)}, ${show(b)}, ${show(c)}, ${show(o)}).call(${show(input)})`,
    run: () => {
      const layer = make(a, b, c, o) as { call: Make }
      const x = typeof input === 'object' && input !== null && 'randn' in input ? reverse.randn(input.randn as number[]) : input
      return layer.call(x, x, x)
    },
  }))

/** Parameters and buffers as numbers, to see whether a refused load changed anything. */
function snapshot(m: nn.Module): string {
  return JSON.stringify(Object.entries(m.stateDict()).map(([k, t]) => [k, t.tolist()]))
}

const stateValue: fc.Arbitrary<unknown> = fc.oneof(nested, typedArray, nonNumber, fc.record({ shape, data: fc.array(edgeNumber, { maxLength: 6 }) }))

/** loadStateDict with own `__proto__`/`constructor` keys, wrong shapes and kinds: all or nothing. */
const stateDictCall: fc.Arbitrary<Call> = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom('weight', 'bias', '__proto__', 'constructor', 'running_mean', 'toString', '0.weight'), stateValue), { maxLength: 3 }),
    fc.boolean(),
    fc.constantFrom<unknown>(undefined, { strict: false }, { strict: 'no' }, null),
  )
  .map(([entries, keepGood, opts]) => ({
    target: 'nn.loadStateDict',
    code: `new nn.Linear(2, 2).loadStateDict({${keepGood ? 'good entries, ' : ''}${entries.map(([k, v]) => `${k}: ${show(v)}`).join(', ')}}, ${show(opts)})`,
    run: () => {
      const layer = new nn.Linear(2, 2)
      const dict = JSON.parse('{}') as Record<string, unknown>
      if (keepGood) Object.assign(dict, layer.stateDict())
      for (const [k, v] of entries) Object.defineProperty(dict, k, { value: v, enumerable: true, configurable: true, writable: true })
      const before = snapshot(layer)
      try {
        return layer.loadStateDict(dict as never, opts as never)
      } catch (error) {
        if (snapshot(layer) !== before) throw new Error('a refused loadStateDict changed the module')
        if (({} as Record<string, unknown>).weight !== undefined) throw new Error('Object.prototype was polluted')
        throw error
      }
    },
  }))

/** A valid safetensors file with one change: bytes flipped, cut short, or a header that lies. */
const safetensorsCall: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom('flip', 'truncate', 'length', 'header'), fc.nat(), fc.nat(255), fc.constantFrom(
    '{"w":{"dtype":"F64","shape":[1000000000],"data_offsets":[0,8]}}',
    '{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8000000000]}}',
    '{"w":{"dtype":"F64","shape":[1],"data_offsets":[8,0]}}',
    '{"w":{"dtype":"Q8","shape":[1],"data_offsets":[0,8]}}',
    '{"__proto__":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}',
    '{"constructor":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}',
    '{"w":{"dtype":"F64","shape":[-1],"data_offsets":[0,8]}}',
    '{"w":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},"v":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}',
    '{"__metadata__":{"a":1}}',
    '[]',
  ))
  .map(([how, at, byte, header]) => ({
    target: `nn.loadSafetensors.${how}`,
    code: `loadSafetensors(${how} at ${at}${how === 'header' ? ` ${header}` : ''})`,
    run: () => {
      const good = nn.saveSafetensors({ w: reverse.tensor([1, 2, 3]), b: reverse.tensor([4], { dtype: 'float32' }) })
      let bytes: Uint8Array
      if (how === 'flip') {
        bytes = good.slice()
        bytes[at % bytes.length] = byte
      } else if (how === 'truncate') bytes = good.subarray(0, at % good.length)
      else if (how === 'length') {
        bytes = good.slice()
        new DataView(bytes.buffer).setBigUint64(0, BigInt(at) * 1000003n, true)
      } else {
        const json = new TextEncoder().encode(header)
        bytes = new Uint8Array(8 + json.length + 8)
        new DataView(bytes.buffer).setBigUint64(0, BigInt(json.length), true)
        bytes.set(json, 8)
      }
      const loaded = nn.loadSafetensors(bytes)
      if (({} as Record<string, unknown>).dtype !== undefined) throw new Error('Object.prototype was polluted')
      return loaded
    },
  }))

/** Optimizers and schedulers with hostile settings, then a step. */
const optimizerCall: fc.Arbitrary<Call> = fc
  .tuple(fc.constantFrom('SGD', 'Adam', 'AdamW', 'RMSprop'), attrsFor(['lr', 'momentum', 'betas', 'eps', 'weightDecay', 'nesterov', 'amsgrad', 'alpha', 'dampening']), fc.boolean())
  .map(([name, options, emptyParams]) => ({
    target: `nn.${name}`,
    code: `new nn.${name}(${emptyParams ? '[]' : 'params'}, ${show(options)}).step()`,
    run: () => {
      const layer = new nn.Linear(2, 1)
      layer.call(reverse.ones([1, 2])).sum().backward()
      const Opt = (nn as unknown as Record<string, new (p: unknown, o: unknown) => { step(): void }>)[name]
      const opt = new Opt(emptyParams ? [] : layer.parameters(), options)
      opt.step()
      return layer.parameters()
    },
  }))

// Functions that call methods of their argument get tensors only: given an array, their own
// code would fail (as it would in any engine), which is no finding about ad.
const compiledFunction = fc.constantFrom(
  { code: 'x => sum(tanh(x))', f: (x: any) => reverse.sum(reverse.tanh(x)) },
  { code: 'x => x.item()', f: (x: any) => x.item(), tensorsOnly: true },
  { code: 'x => x > 0 ? x : neg(x)', f: (x: any) => (x > 0 ? x : reverse.neg(x)), tensorsOnly: true },
  { code: "x => 'nope'", f: () => 'nope' },
  { code: 'x => [x, { a: mul(x, 2) }]', f: (x: any) => [x, { a: reverse.mul(x, 2) }] },
  { code: '7', f: 7 },
)

const compileCall: fc.Arbitrary<Call> = fc
  .tuple(
    fc.constantFrom('compile', 'grad', 'jacfwd', 'jacrev', 'valueAndGrad'),
    compiledFunction,
    fc.array(fc.oneof({ weight: 3, arbitrary: fc.array(edgeNumber, { maxLength: 3 }).map((a) => reverse.tensor(a)) }, { weight: 1, arbitrary: fc.oneof(nested, typedArray, leaf) }), { maxLength: 2 }),
  )
  .filter(([, fn, inputs]) => !('tensorsOnly' in fn) || (inputs.length > 0 && inputs.every((i) => i instanceof reverse.Tensor)))
  .map(([name, { code, f }, inputs]) => ({
    target: `compile.${name}`,
    code: `${name === 'compile' ? 'compile' : `compile(${name}`}(${code})${name === 'compile' ? '' : ')'}(${inputs.map((i) => show(i)).join(', ')})`,
    run: () => {
      const fn = name === 'compile' ? f : (compiler as unknown as Record<string, (g: unknown) => unknown>)[name](f)
      return (compiler.compile(fn as never) as unknown as (...a: unknown[]) => unknown)(...inputs)
    },
  }))

export const nnOrCompileCall: fc.Arbitrary<Call> = fc.oneof(layerCall, stateDictCall, safetensorsCall, optimizerCall, compileCall)
