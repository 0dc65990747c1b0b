// Tensor methods are typed from their op's declaration: attrs (names, types, required or
// not), `positional` order, the number of tensor arguments, and `methodOrder` (PyTorch's order).
// Checked by `tsc -p test/types`, never run.
import { attr, defineOp, type OpMethod, type Tensor as CoreTensor } from '@ad/core'
import { tensor as forwardTensor, type Dual } from '@ad/forward'
import { tensor, type Tensor } from '@ad/reverse'

const x: Tensor = tensor([[1, 2], [3, 4]], { requiresGrad: true })
const w: Tensor = tensor([[1]])

// Correct calls, positional and with an attrs object; each returns the engine's tensor.
const calls: Tensor[] = [
  x.sum(), x.sum(1), x.sum([0, 1]), x.sum([1], true), x.sum({ dims: [1], keepdim: true }),
  x.add(w), x.add(2), x.mul([1, 2]), x.pow(2), x.exp(),
  x.reshape([4]), x.reshape({ shape: [4] }), x.transpose(0, 1), x.permute([1, 0]),
  x.slice(0, 0, 1), x.slice(0, 0, 2, 2), x.index(0), x.max(1, true), x.clamp(0, 1),
  x.softmax(-1), x.conv2d(w), x.conv2d(w, w), x.conv2d(w, { padding: 1 }), x.conv2d(w, w, 1, 0),
  x.linear(w), x.linear(w, w), x.maxPool2d(2), x.maxPool2d({ kernelSize: 2, stride: 1 }),
]
void calls

// @ts-expect-error: dims takes numbers
x.sum('not dims')
// @ts-expect-error: keepdim is a boolean
x.sum([1], 1)
// @ts-expect-error: no attr named nonsense
x.sum({ nonsense: true })
// @ts-expect-error: sum takes two positional attrs
x.sum([1], true, 3)
// @ts-expect-error: reshape's shape is required
x.reshape()
// @ts-expect-error: reshape's attrs object needs shape
x.reshape({})
// @ts-expect-error: exp takes no argument
x.exp(2)
// @ts-expect-error: add takes one other tensor
x.add()
// @ts-expect-error: add takes no attrs
x.add(w, { alpha: 2 })
// @ts-expect-error: transpose's dims are numbers
x.transpose('a', 'b')
// @ts-expect-error: conv2d's stride is a number
x.conv2d(w, { stride: '1' })
// @ts-expect-error: conv2d takes at most a weight and a bias
x.conv2d(w, w, w)
// @ts-expect-error: unreduce is a helper of the rules, not an op
x.unreduce(w, [2, 2], undefined, false)
// @ts-expect-error: conv2dInputGrad is an internal helper op: no method
x.conv2dInputGrad(w, { inputSize: [2, 2] })
// @ts-expect-error: cat is a list op: cat([a, b]), not a method
x.cat(w)
// @ts-expect-error: sumTo is a helper, not an op
x.sumTo([1])

// The same methods on the forward engine's values, returning them.
const d: Dual | CoreTensor = forwardTensor([1, 2])
const core: CoreTensor = (d as CoreTensor).sum([0], true)
void core
// @ts-expect-error: keepdim is a boolean, on core tensors too
;(d as CoreTensor).sum([0], 'yes')
declare const dual: Dual
const dualSum: Dual = dual.sum(0)
void dualSum
// @ts-expect-error: on duals too
dual.mean({ dim: 0 })

// PyTorch's order where it differs from the free function, stated in the declaration:
// gather(x, index, { dim }) is x.gather(dim, index).
const gather = defineOp({
  name: 'typeTestGather',
  arity: 2,
  attrs: { dim: attr.int(), sparse: attr.bool().default(false) },
  positional: ['dim'],
  methodOrder: ['dim', 1],
  shape: ([, s]) => s,
  primal: ([, i]) => i,
  domain: () => ({ args: [], attrs: {} }),
  tex: '0',
})
declare const gatherMethod: OpMethod<typeof gather, Tensor>
const gathered: Tensor = gatherMethod(1, w)
void gathered
gatherMethod(1, w, { sparse: true })
// @ts-expect-error: the dim comes first
gatherMethod(w, 1)
// @ts-expect-error: the index is required
gatherMethod(1)

// Every exported op keeps its declaration's types on its function (a builder returning a
// bare `OpFunction<S>` would make its method take anything): this names any that does not.
import type { UntypedOps } from '@ad/core'
const everyMethodTyped: [UntypedOps] extends [never] ? true : UntypedOps = true
void everyMethodTyped
