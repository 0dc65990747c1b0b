import { AdError, Tensor as CoreTensor, type MaybeZero, type Op, type Value } from '@ad/core'
import { TRACE, type Interpreter } from '@ad/core/internal'
import type { Node } from './node.js'
import { Tensor } from '../api/tensor.js'

/**
 * Saved tensors changed in place (`MODIFIED_AFTER_SAVE`). A node remembers the storage
 * version of each tensor it keeps; when one differs at backward time, its rule runs with a
 * stand-in for that tensor which has its shape and dtype but refuses to be computed with:
 * the error names the node and the tensor. A rule that reads only the shape
 * (add's, slice's) is unaffected, so only changes that would make gradients wrong are
 * errors, as in PyTorch (where add saves no tensor and mul saves its inputs).
 */
export interface StaleTensor extends Tensor {
  staleNode: Node
  role: string
}

function staleError(s: StaleTensor): AdError {
  return new AdError(
    'MODIFIED_AFTER_SAVE',
    `${s.staleNode.name} needs its ${s.role} (a tensor of shape [${s.shape.join(',')}], ${s.dtype}) to compute ` +
      'gradients, but that tensor (or a view of its storage) was modified in place after it was saved. Clone it ' +
      'before modifying it in place (y = x.clone(); y.add_(...)), or use the ' +
      'out-of-place op; an update under noGrad (an optimizer step) must come after backward.',
  )
}

/** Above every interpreter, so any op applied to a stand-in lands here first. */
const staleInterpreter: Interpreter = {
  level: Number.MAX_SAFE_INTEGER,
  apply(_op: unknown, args: readonly Value[]): Value {
    for (const a of args) if (isStale(a)) throw staleError(a)
    throw new AdError('MODIFIED_AFTER_SAVE', 'a tensor saved for backward was modified in place.')
  },
}

function isStale(a: unknown): a is StaleTensor {
  return a instanceof Tensor && (a as unknown as Partial<StaleTensor>).staleNode !== undefined
}

function standIn(t: CoreTensor, node: Node, role: string): StaleTensor {
  // A reverse tensor whose own TRACE sends every op applied to it to staleInterpreter, and
  // whose storage refuses to hand out its data (rules may read a constant argument's values
  // directly, crossEntropy's targets for instance); shape and dtype still read as before.
  const s = new Tensor(t.storage, t.shape, t.strides, t.offset) as StaleTensor
  const dtype = t.dtype
  const storage = {
    version: t.storage.version,
    get data(): never {
      throw staleError(s)
    },
  }
  Object.defineProperty(s, TRACE, { value: staleInterpreter })
  Object.defineProperty(s, 'storage', { value: storage })
  Object.defineProperty(s, 'dtype', { value: dtype })
  s.staleNode = node
  s.role = role
  return s
}

/** Runs a node's rule with stand-ins for the tensors that changed since they were saved. */
export function runWithStandIns(node: Node, g: Value): MaybeZero[] {
  const op = node.op as Op
  const args = (node.inputs as readonly unknown[]).map((x, i) => (x instanceof CoreTensor && node.changed(x) ? standIn(x, node, `input ${i}`) : x))
  const out = node.out as Tensor
  const ctxOut = node.changed(out) ? standIn(out, node, 'output') : out
  return (op.vjp as NonNullable<Op['vjp']>)({ args: args as Value[], out: ctxOut, attrs: node.attrs as never }, g, node.needs)
}
