import { describe, expect, it } from 'vitest'
import { attr, defineOp, Tensor, tensor } from './index.js'
import { installOpMethods, listOps } from './internal.js'

describe('tensor methods', () => {
  it('exist for every op but the list ops and the internal helper ops', () => {
    const proto = Tensor.prototype as unknown as Record<string, unknown>
    for (const op of listOps()) {
      const expected = op.arity === 'list' || op.internal ? 'undefined' : 'function'
      expect(typeof proto[op.name], op.name).toBe(expected)
    }
    expect(listOps().some((op) => op.internal)).toBe(true)
    expect(proto.unreduce).toBeUndefined()
  })

  it("take PyTorch's order where the declaration states it (`methodOrder`)", () => {
    // pick(x, index, { dim }): x's elements at `index` along `dim`, as x.pick(dim, index).
    const pick = defineOp({
      name: 'methodsTestPick',
      tex: '\\frac{\\partial\\,\\mathrm{out}_i}{\\partial x_j} = [\\,j = \\mathrm{index}_i\\,]',
      arity: 2,
      attrs: { dim: attr.int(), scale: attr.number().default(1) },
      methodOrder: ['dim', 1],
      shape: ([, s]) => s,
      primal: ([x, i], { dim, scale }) => tensor((i.tolist() as number[]).map((k) => (x.index(k as number) as Tensor).item() * scale * (dim + 1))),
      domain: () => ({ args: [], attrs: {} }),
    })
    class Probe {}
    installOpMethods(Probe.prototype)
    const method = (Probe.prototype as Record<string, unknown>)[pick.op.name] as (this: unknown, ...a: unknown[]) => Tensor
    const x = tensor([10, 20, 30])
    const free = pick(x, [2, 0], { dim: 0 }) as Tensor
    expect(method.call(x, 0, [2, 0]).tolist()).toEqual(free.tolist())
    expect(method.call(x, 0, [2, 0], { scale: 2 }).tolist()).toEqual([60, 20])
    expect(() => method.call(x, 0, [1], 3)).toThrow(/methodsTestPick: the method was given 3 argument/)
  })
})
