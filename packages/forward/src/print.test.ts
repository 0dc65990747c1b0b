import { inspect } from 'node:util'
import { describe, expect, it } from 'vitest'
import { arange, derivative, jvp, ones, tensor, type Dual } from './index.js'

// PyTorch prints a dual tensor (torch.autograd.forward_ad.make_dual) as its primal with
// `tangent=` and the tangent's own str() as the last suffix (torch/_tensor_str.py).
const lines = (...rows: string[]) => rows.join('\n')

/** What `f` sees of its argument, printed. */
function printedInside(run: (f: (x: Dual) => Dual) => unknown): string[] {
  const seen: string[] = []
  run((x) => {
    seen.push(String(x), inspect(x), String(x.mul(2)))
    return x
  })
  return seen
}

describe('duals print as PyTorch prints a dual tensor', () => {
  it('a tensor primal, then tangent=tensor(...)', () => {
    const [str, shown, doubled] = printedInside((f) => jvp(f as never, [tensor([1, 2, 3])], [tensor([1, 0, 0])]))
    expect(str).toBe('tensor([1., 2., 3.], tangent=tensor([1., 0., 0.]))')
    expect(shown).toBe(str)
    expect(doubled).toBe('tensor([2., 4., 6.], tangent=tensor([2., 0., 0.]))')
  })

  it('a number primal prints as a 0-dim tensor, and so does its tangent', () => {
    const [str] = printedInside((f) => derivative(f as never)(2.5))
    expect(str).toBe('tensor(2.5000, tangent=tensor(1.))')
  })

  it('the primal keeps its dtype suffix before the tangent', () => {
    const [str] = printedInside((f) => jvp(f as never, [tensor([0.5], { dtype: 'float32' })], [tensor([1], { dtype: 'float32' })]))
    expect(str).toBe('tensor([0.5000], dtype=float32, tangent=tensor([1.], dtype=float32))')
  })

  it('a long tangent goes on a line of its own, printed as it prints alone', () => {
    const [str] = printedInside((f) => jvp(f as never, [arange(30).div(10)], [ones([30])]))
    expect(str).toBe(
      lines(
        'tensor([0.0000, 0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000,',
        '        0.9000, 1.0000, 1.1000, 1.2000, 1.3000, 1.4000, 1.5000, 1.6000, 1.7000,',
        '        1.8000, 1.9000, 2.0000, 2.1000, 2.2000, 2.3000, 2.4000, 2.5000, 2.6000,',
        '        2.7000, 2.8000, 2.9000],',
        '       tangent=tensor([1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.,',
        '        1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1., 1.]))',
      ),
    )
  })

  it('nested: each transform adds its tangent, the outermost first', () => {
    const seen: string[] = []
    derivative((t: Dual) => derivative((u: Dual) => {
      seen.push(String(u.mul(t)))
      return u.mul(t)
    })(3))(2)
    // outer: d(u·t)/dt = u = 3 at t = 2; inner: d(u·t)/du = t, itself the outer dual (2, 1)
    expect(seen).toEqual(['tensor(6., tangent=tensor(3.), tangent=tensor(2., tangent=tensor(1.)))'])
  })
})
