// Plain node, no TypeScript tooling: the built packages must import and compute.
import { tensor as ftensor, jvp } from '@ad/forward'
import { tensor, sin } from '@ad/reverse'
import { checkGrads } from '@ad/check'
import { compile, grad as cgrad } from '@ad/compile'
import { tensor as ctensor } from '@ad/core'

const x = tensor([0.5, 1.5], { requiresGrad: true })
sin(x).sum().backward()
const [, tangent] = jvp((v) => sin(v), [ftensor([0.5, 1.5])], [ftensor([1, 1])])
const expected = [Math.cos(0.5), Math.cos(1.5)]
const ok = (a) => a.every((v, i) => Math.abs(v - expected[i]) < 1e-15)
if (!ok(x.grad.tolist()) || !ok(tangent.tolist())) {
  console.error('dist smoke test failed', x.grad.tolist(), tangent.tolist())
  process.exit(1)
}
// @ad/compile: generated code from dist.
const cg = compile(cgrad((v) => sin(v).sum()))(ctensor([0.5, 1.5]))
if (!ok(cg.tolist())) {
  console.error('dist smoke test failed (@ad/compile)', cg.tolist())
  process.exit(1)
}
// @ad/check (and its fast-check dependency) loads from dist too; checkGrads throws on a failure.
checkGrads((v) => sin(v), [[0.5, 1.5]])
console.log('dist smoke test: @ad/forward, @ad/reverse, @ad/compile and @ad/check import and differentiate from dist/')
