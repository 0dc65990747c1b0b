// Re-rolled scalar code (@ad/compile's codegen/periodic.ts) against the eager reverse engine:
// a gradient through a JavaScript loop over numbers, traced and emitted as a `for` loop over
// the repetitions, equals @ad/reverse's tape to the bit (the same float64 operations).
import * as C from '@ad/compile'
import * as R from '@ad/reverse'
import { describe, expect, test } from 'vitest'

const rosenbrock = (xs: any[]): any => {
  let f: any = 0
  for (let i = 0; i < xs.length - 1; i++) f = R.add(f, R.add(R.mul(100, R.square(R.sub(xs[i + 1], R.square(xs[i])))), R.square(R.sub(1, xs[i]))))
  return f
}
const chain = (xs: any[]): any => {
  let p: any = 1
  for (let i = 0; i < xs.length; i++) p = R.mul(p, R.add(R.sin(xs[i]), 1.5))
  return p
}

describe.each([
  ['rosenbrock', rosenbrock, [2, 3, 8, 40, 201]],
  ['running product', chain, [1, 2, 3, 8, 40, 201]],
] as const)('%s', (_, f, sizes) => {
  test.each(sizes)('compiled gradient equals the reverse tape to the bit (n = %i)', (n) => {
    const xs = Array.from({ length: n }, (_, i) => Math.cos(2 * i + 0.5) * 1.2)
    const compiled = C.compile(C.grad(f))(xs) as number[]
    const leaves = xs.map((v) => R.tensor(v, { requiresGrad: true }))
    ;(f(leaves) as R.Tensor).backward()
    expect(compiled).toEqual(leaves.map((l) => l.grad!.item()))
    if (n >= 8) expect(C.explain(C.grad(f))(xs)).toMatch(/scalar code re-rolled/)
  })
})
