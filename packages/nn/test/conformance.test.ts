import { describe, expect, it } from 'vitest'
import { AdError, noGrad, tensor, type Tensor } from '@ad/reverse'
import * as nn from '../src/index.js'
import { expectClose, filledStateDict, fillValues, fnv1a, generate, oracle, specTensor, specValues, values, type Spec } from './oracle.js'

// Every case of conformance/nn/public-nn.json: PyTorch 1.13.1 / torchvision 0.14.1 in float64.

const byName = nn as unknown as Record<string, new (...args: unknown[]) => nn.Module>
const fns = nn.functional as unknown as Record<string, (...args: unknown[]) => Tensor>

function shapesOf(m: nn.Module): [string, number[]][] {
  return Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.shape]])
}

/** A module of the file, in float64, with every state-dict key filled by name. */
function filled(m: nn.Module): nn.Module {
  m.to('float64')
  m.loadStateDict(filledStateDict(m.stateDict()))
  return m
}

describe('the file\'s own generators', () => {
  it('reproduce gen_check and fill_check', () => {
    const g = oracle.gen_check
    expect(Array.from(generate('U', g.U.n, g.U.seed, g.U.scale))).toEqual(g.U.data)
    expect(Array.from(generate('U01', g.U01.n, g.U01.seed))).toEqual(g.U01.data)
    expect(Array.from(generate('L', g.L.n, g.L.seed, g.L.mod))).toEqual(g.L.data)
    expect(Array.from(generate('U', g.U_shift.n, g.U_shift.seed, g.U_shift.scale, g.U_shift.shift))).toEqual(g.U_shift.data)
    for (const { key, shape, hash, head } of oracle.fill_check) {
      expect(fnv1a(`${oracle.fill_key_prefix}${key}`), key).toBe(hash)
      expect(Array.from(fillValues(key, shape)).slice(0, head.length), key).toEqual(head)
    }
  })
})

describe('resnet18', () => {
  const spec = oracle.resnet18
  const model = nn.models.resnet18({ numClasses: 1000 })

  it('has torchvision\'s state-dict keys, shapes, parameters and buffers, in order', () => {
    expect(shapesOf(model)).toEqual(spec.state_dict)
    expect(model.namedParameters().map(([k]) => k)).toEqual(spec.parameters)
    expect(model.namedBuffers().map(([k]) => k)).toEqual(spec.buffers)
  })

  it('gives torchvision\'s eval logits under the by-name fill', () => {
    filled(model).eval()
    const logits = noGrad(() => model.call(specTensor(spec.input, false)) as Tensor)
    const { shape, head, sumsq, sum } = spec.eval.logits
    expect(logits.shape).toEqual(shape)
    const v = values(logits)
    expectClose(v.slice(0, head.length), head, 'logits head')
    expectClose([v.reduce((s, x) => s + x * x, 0), v.reduce((s, x) => s + x, 0)], [sumsq, sum], 'logits sum of squares and sum', { atol: 1e-9 * Math.max(Math.abs(sumsq), 1) })
  })
})

describe('optimizer trajectories', () => {
  const spec = oracle.optim
  for (const c of spec.cases) {
    it(c.name, () => {
      const model = filled(new nn.Sequential(new nn.Linear(4, 8), new nn.Tanh(), new nn.Linear(8, 3)))
      expect(shapesOf(model)).toEqual(spec.state_dict)
      const Optim = byName[c.optimizer] as unknown as new (p: unknown, o: unknown) => nn.Optimizer<object>
      const opt = new Optim(model.parameters(), c.options)
      const x = specTensor(spec.input, false)
      const target = specTensor(spec.target, false)
      const losses: number[] = []
      for (let s = 0; s < c.steps; s++) {
        opt.zeroGrad()
        const loss = nn.crossEntropy(model.call(x) as Tensor, target)
        losses.push(loss.item())
        loss.backward()
        opt.step()
      }
      expectClose(losses, c.losses, 'losses')
      const sd = model.stateDict()
      for (const [key, want] of Object.entries(c.params as Record<string, Spec>)) expectClose(values(sd[key]), specValues(want), key)
    })
  }
})

describe('layers', () => {
  for (const layer of oracle.layers) {
    it(layer.name, () => {
      const m = filled(new byName[layer.module](...layer.args, ...(layer.options === null ? [] : [layer.options])))
      expect(shapesOf(m)).toEqual(layer.state_dict)
      const params = Object.fromEntries(m.namedParameters())
      for (const [i, call] of layer.calls.entries()) {
        m.train(call.mode === 'train')
        m.zeroGrad()
        const inputs = call.inputs.map((s: Spec) => specTensor(s))
        const out = m.call(...inputs) as Tensor
        expect(out.shape, `call ${i} output shape`).toEqual(call.output.shape)
        expectClose(values(out), specValues(call.output), `call ${i} output`)
        if (call.cotangent === undefined) continue
        out.backward(specTensor(call.cotangent, false))
        for (const [name, want] of Object.entries(call.grads as Record<string, Spec>)) {
          const g = name.startsWith('input') ? inputs[Number(name.slice(5))].grad : params[name].grad
          expect(g, `call ${i} grad of ${name}`).not.toBeNull()
          expectClose(values(g as Tensor), specValues(want), `call ${i} grad of ${name}`)
        }
      }
      const buffers = Object.fromEntries(m.namedBuffers())
      for (const [name, want] of Object.entries((layer.buffers_after ?? {}) as Record<string, Spec>)) {
        expect(buffers[name].shape, name).toEqual(want.shape)
        expectClose(values(buffers[name]), specValues(want), `${name} after the calls`)
      }
    })
  }
})

describe('losses', () => {
  for (const loss of oracle.losses) {
    for (const [reduction, want] of Object.entries(loss.reductions as Record<string, { value: Spec; cotangent?: Spec; grad_input: Spec }>)) {
      it(`${loss.fn} (${reduction}), as a function and as a module`, () => {
        const target = specTensor(loss.target, false)
        const options = { ...loss.options, reduction }
        const module = new byName[loss.module](options)
        for (const [form, f] of [['function', (x: Tensor) => fns[loss.fn](x, target, options)], ['module', (x: Tensor) => module.call(x, target) as Tensor]] as const) {
          const input = specTensor(loss.input)
          const value = f(input)
          expect(value.shape, form).toEqual(want.value.shape)
          expectClose(values(value), specValues(want.value), `${form} value`)
          value.backward(want.cotangent === undefined ? undefined : specTensor(want.cotangent, false))
          expectClose(values(input.grad as Tensor), specValues(want.grad_input), `${form} grad_input`)
        }
      })
    }
  }
})

describe('schedulers', () => {
  const spec = oracle.schedulers
  for (const c of spec.cases) {
    it(c.name, () => {
      const p = new nn.Parameter(tensor([1, 2], { dtype: 'float64' }))
      const Optim = byName[spec.optimizer.optimizer] as unknown as new (p: unknown, o: unknown) => nn.Optimizer<object>
      const opt = new Optim([p], spec.optimizer.options)
      const Scheduler = byName[c.name] as unknown as new (...args: unknown[]) => nn.LRScheduler
      const scheduler = new Scheduler(opt, ...c.args, c.options)
      const lrs = [scheduler.getLastLr()[0]]
      for (let s = 0; s < c.steps; s++) {
        opt.step()
        scheduler.step()
        lrs.push(scheduler.getLastLr()[0])
        expect((opt.paramGroups[0] as unknown as { lr: number }).lr).toBe(lrs[lrs.length - 1])
      }
      expectClose(lrs, c.lrs, 'learning rates', { rtol: 1e-7, atol: 1e-12, absolute: true })
      if (c.name === 'OneCycleLR') expect(() => scheduler.step()).toThrow(AdError)
    })
  }
})

describe('safetensors', () => {
  const spec = oracle.safetensors
  const bytes = Uint8Array.from(Buffer.from(spec.file_b64, 'base64'))

  it('loads the hand-written file: dtypes, shapes, values exactly, metadata', () => {
    const { tensors, metadata } = nn.loadSafetensors(bytes)
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(spec.tensors).sort())
    expect({ ...metadata }).toEqual(spec.metadata)
    for (const [name, want] of Object.entries(spec.tensors as Record<string, { dtype: string; shape: number[]; data: number[] }>)) {
      expect(tensors[name].dtype, name).toBe(want.dtype)
      expect(tensors[name].shape, name).toEqual(want.shape)
      expect(values(tensors[name]), name).toEqual(want.data)
    }
  })

  it('writes F64 and F32 that load back to the same values', () => {
    const { tensors, metadata } = nn.loadSafetensors(bytes)
    const written = nn.loadSafetensors(nn.saveSafetensors(tensors, metadata ?? undefined))
    for (const [name, t] of Object.entries(tensors)) {
      expect(written.tensors[name].dtype).toBe(t.dtype === 'float64' ? 'float64' : 'float32')
      expect(values(written.tensors[name])).toEqual(values(t))
    }
  })

  for (const c of spec.corrupt) {
    it(`rejects ${c.name} with INVALID_ARGUMENT`, () => {
      expect(() => nn.loadSafetensors(Uint8Array.from(Buffer.from(c.b64, 'base64')))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }))
    })
  }
})
