import { describe, expect, it } from 'vitest'
import { sizeOf, Tensor as CoreTensor, type Op } from '@ad/core'
import { mulberry32 } from '@ad/core'
import { apply, listOps } from '@ad/core/internal'
import { grad, hessianVectorProduct, tensor, type Tensor } from '../index.js'
import { directional, plain, relativeError, samplePoint, symmetricDirection } from '../testing.js'

/**
 * Every VJP rule is written with registry ops, so a backward pass recorded with createGraph
 * differentiates again. For each differentiable op of the registry (no per-op code), at
 * points drawn from its declared domain: the Hessian-vector product of F(x) = <u, op(x)> by
 * double backward (`hessianVectorProduct`) must equal the directional derivative of the
 * reverse gradient ∇F along v, by central finite differences (v symmetric where the domain
 * says the op treats its matrices as symmetric).
 */
const ops = listOps().filter((op) => op.differentiable)
const SEEDS = [11, 12, 13]

describe('double backward through every registered op', () => {
  it('covers the registry', () => {
    expect(ops.length).toBeGreaterThan(40)
  })

  it.each(ops.map((op) => [op.name, op] as const))('%s: HVP of <u, op(x)> matches finite differences of the gradient', (_name, op) => {
    let checked = 0
    for (const seed of SEEDS) {
      const point = samplePoint(op, seed)
      const primal = point.args.filter((a) => !a.constant)
      if (primal.length === 0) continue
      const attrs = op.parseAttrs(point.attrs)
      const argsFor = (xs: readonly unknown[]) => {
        let k = 0
        return point.args.map((a) => (a.constant ? plain(a.shape, a.data) : xs[k++]))
      }
      const out = apply(op, argsFor(primal.map((a) => plain(a.shape, a.data))), attrs) as CoreTensor
      const next = mulberry32(seed * 7919)
      const u = plain(out.shape, Array.from({ length: out.size }, () => 2 * next() - 1))
      const F = (xs: Tensor[]) => (apply(op, argsFor(xs), attrs) as Tensor).mul(u).sum()

      const x0 = primal.map((a) => tensor(a.data, { shape: a.shape }))
      const v = primal.map((a) => tensor(symmetricDirection(a, Float64Array.from(a.data, () => 2 * next() - 1)), { shape: a.shape }))
      const hv = (hessianVectorProduct(F)(x0, v) as Tensor[]).flatMap((t) => Array.from(t.contiguousData()))

      const sizes = primal.map((a) => sizeOf(a.shape))
      const split = (flat: Float64Array) => {
        let at = 0
        return primal.map((a, i) => tensor(flat.slice(at, (at += sizes[i] as number)), { shape: a.shape }))
      }
      const gradient = (flat: Float64Array) =>
        Float64Array.from((grad(F)(split(flat)) as Tensor[]).flatMap((t) => Array.from(t.contiguousData())))
      const flatX = Float64Array.from(primal.flatMap((a) => Array.from(a.data)))
      const flatV = Float64Array.from(v.flatMap((t) => Array.from(t.contiguousData())))
      const fd = directional(gradient, flatX, flatV)

      const err = relativeError(hv, fd)
      expect(err, `${op.name} at seed ${seed}, attrs ${JSON.stringify(point.attrs)}, shapes ${JSON.stringify(point.args.map((a) => a.shape))}`).toBeLessThan(1e-7)
      checked++
    }
    expect(checked).toBeGreaterThan(0)
  })
})
