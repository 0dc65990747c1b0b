// A typed consumer of the installed packages, checked with `tsc --noEmit` in a folder outside
// the workspace (test/src/packages.test.ts copies it there): the .d.ts files in dist resolve,
// methods are typed from their ops, and the engines' types meet.
import { tensor as coreTensor, AdError, type Tensor as CoreTensor } from '@ad/core'
import { derivative, jacfwd, tensor as dualTensor } from '@ad/forward'
import { tensor, grad, noGrad, type Tensor } from '@ad/reverse'
import { checkGrads } from '@ad/check'
import { compile } from '@ad/compile'
import * as nn from '@ad/nn'

const x: Tensor = tensor([1, 2, 3], { requiresGrad: true })
const s: Tensor = x.sum([0], true)
s.backward()
const g: Tensor | null = x.grad
const d: number = derivative((v: number) => v * v)(3) as number
const j = jacfwd((v: CoreTensor) => v.mul(2))(dualTensor([1, 2]))
const c: CoreTensor = coreTensor([[1, 2]]).reshape([2])
const layer = new nn.Linear(3, 1)
const compiled = compile((v: CoreTensor) => v.exp())
checkGrads((v: Tensor) => v.sin(), [[0.5]])
const e: AdError | undefined = undefined
noGrad(() => grad((v: Tensor) => v.square().sum())(x))
void [g, d, j, c, layer, compiled, e]

// @ts-expect-error: keepdim is a boolean, in the published types too
x.sum([0], 'yes')
// @ts-expect-error: machinery is not in the user entry point
import { TRACE } from '@ad/core'
void TRACE
