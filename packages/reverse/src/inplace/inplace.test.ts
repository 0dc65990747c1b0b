import { describe, expect, it } from 'vitest'
import { type Op } from '@ad/core'
import { mulberry32 } from '@ad/core'
import { apply, listOps } from '@ad/core/internal'
import { autograd, grad, incrementVersion, noGrad, ones, tensor, zeros, type Tensor } from '../index.js'
import { plain, relativeError, samplePoint } from '../testing.js'

const code = (c: string) => expect.objectContaining({ code: c })
const flat = (t: Tensor | null) => Array.from(t!.contiguousData())
const method = (t: Tensor, name: string) => (t as unknown as Record<string, (...a: unknown[]) => Tensor>)[name]!.bind(t)

describe('in-place ops', () => {
  it('add_ sub_ mul_ div_ zero_ copy_ change the values and return the tensor itself', () => {
    const x = tensor([1, 2, 3])
    expect(x.add_(1)).toBe(x)
    expect(x.tolist()).toEqual([2, 3, 4])
    expect(x.sub_(tensor([1, 1, 2]))).toBe(x)
    expect(x.mul_(2)).toBe(x)
    expect(x.div_(tensor(4))).toBe(x)
    expect(x.tolist()).toEqual([0.5, 1, 1])
    expect(x.copy_(tensor([7]))).toBe(x) // broadcast
    expect(x.tolist()).toEqual([7, 7, 7])
    expect(x.zero_()).toBe(x)
    expect(x.tolist()).toEqual([0, 0, 0])
    // Derived from the registry: every differentiable elementwise op has one.
    const y = tensor([0.5, 4])
    expect(method(y, 'sqrt_')().tolist()).toEqual([Math.sqrt(0.5), 2])
    expect(method(tensor([-2, 0.5, 3]), 'clamp_')(-1, 1).tolist()).toEqual([-1, 0.5, 1])
  })

  it('a float32 tensor stays float32; an in-place op cannot change its shape', () => {
    const x = tensor([1, 2], { dtype: 'float32' })
    x.add_(tensor([0.1, 0.2]))
    expect(x.dtype).toBe('float32')
    expect(x.tolist()).toEqual([Math.fround(1.1), Math.fround(2.2)])
    expect(() => tensor([1, 2]).add_(tensor([[1], [2]]))).toThrow(code('SHAPE_MISMATCH'))
    expect(() => tensor([1, 2]).copy_(tensor([1, 2, 3]))).toThrow(code('SHAPE_MISMATCH'))
    // An expanded view's elements share memory.
    expect(() => tensor([1]).expand([3]).add_(1)).toThrow(code('INVALID_ARGUMENT'))
  })

  it('bump the version counter, shared by a base and its views', () => {
    const x = tensor([[1, 2], [3, 4]])
    const row = x.index(1)
    const v0 = x.storage.version
    row.mul_(10)
    expect(x.tolist()).toEqual([[1, 2], [30, 40]])
    expect(row.storage).toBe(x.storage)
    expect(x.storage.version).toBeGreaterThan(v0)
    const v1 = x.storage.version
    x.transpose(0, 1).add_(1)
    expect(x.tolist()).toEqual([[2, 3], [31, 41]])
    expect(row.storage.version).toBeGreaterThan(v1)
    // 0-dim fast path (an optimizer step on a scalar) bumps too.
    const s = tensor(2)
    const v2 = s.storage.version
    s.sub_(0.5)
    expect(s.item()).toBe(1.5)
    expect(s.storage.version).toBeGreaterThan(v2)
  })

  it('every derived in-place op gives the out-of-place values and gradients (generic over the registry)', () => {
    const elementwise = listOps().filter((op) => op.elementwise === true && op.differentiable && op.arity !== 'list')
    expect(elementwise.length).toBeGreaterThan(20)
    for (const op of elementwise) {
      for (const seed of [1, 2, 3, 4]) {
        const point = samplePoint(op, seed)
        const attrs = op.parseAttrs(point.attrs)
        const [first, ...others] = point.args
        const outShape = (apply(op, point.args.map((a) => plain(a.shape, a.data)), attrs) as Tensor).shape
        if (outShape.join() !== first!.shape.join()) continue // the result must keep the first argument's shape
        const run = (inplace: boolean) => {
          const leaves = point.args.map((a) => tensor(a.data, { shape: a.shape, requiresGrad: !a.constant }))
          const x = leaves[0]!.mul(1) // a non-leaf on the tape
          const rest = leaves.slice(1).map((l, i) => (others[i]!.constant ? l.detach() : l))
          const y: Tensor = inplace ? inplaceCall(op, x, rest, point.attrs) : (apply(op, [x, ...rest], attrs) as Tensor)
          if (inplace) expect(y).toBe(x)
          const next = mulberry32(seed)
          y.mul(tensor(Float64Array.from(flat(y), () => next() - 0.5), { shape: [...y.shape] })).sum().backward()
          return { value: flat(y), grads: leaves.map((l) => (l.grad === null ? [] : flat(l.grad))) }
        }
        const expected = run(false)
        const got = run(true)
        const where = `${op.name}_ at seed ${seed}`
        expect(relativeError(got.value, expected.value), where).toBeLessThan(1e-15)
        got.grads.forEach((g, i) => expect(relativeError(g, expected.grads[i]!), `${where}, gradient ${i}`).toBeLessThan(1e-14))
      }
    }
  })

  it('rebase: the tensor\'s gradFn becomes the in-place node; gradients flow through its old value', () => {
    const w = tensor([1, 2], { requiresGrad: true })
    const y = w.mul(3)
    const before = y.gradFn
    y.add_(1).mul_(w) // y = (3w + 1)·w
    expect(y.gradFn).not.toBe(before)
    expect(y.gradFn?.name).toBe('MulBackward')
    expect(y.gradFn?.next[0]?.name).toBe('AddBackward')
    expect(y.isLeaf).toBe(false)
    y.sum().backward()
    expect(w.grad!.tolist()).toEqual([6 * 1 + 1, 6 * 2 + 1])
  })

  it('a constant tensor written from one that requires grad joins the graph (copy_, add_)', () => {
    const x = tensor([2, 3], { requiresGrad: true })
    const buf = zeros([2])
    buf.copy_(x.pow(2))
    expect(buf.requiresGrad).toBe(true)
    expect(buf.gradFn?.name).toBe('CopyBackward')
    buf.sum().backward()
    expect(x.grad!.tolist()).toEqual([4, 6])
    // A number source broadcasts; the old values get no gradient.
    const z = x.mul(1)
    z.copy_(5)
    expect(z.tolist()).toEqual([5, 5])
    x.grad = null
    z.mul(x).sum().backward()
    expect(x.grad!.tolist()).toEqual([5, 5])
  })

  it('zero_ on the tape: values 0, no gradient to the old value; tensor keeps requiring grad', () => {
    const x = tensor([2, 3], { requiresGrad: true })
    const y = x.mul(x)
    y.zero_()
    expect(y.requiresGrad).toBe(true)
    expect(y.gradFn?.name).toBe('ZeroBackward')
    y.add(x).sum().backward()
    expect(x.grad!.tolist()).toEqual([1, 1])
  })

  it('x.op_(x): the other argument is the old value', () => {
    const w = tensor([1.5, -2], { requiresGrad: true })
    const x = w.mul(1)
    x.mul_(x) // w²
    expect(x.tolist()).toEqual([2.25, 4])
    x.sum().backward()
    expect(w.grad!.tolist()).toEqual([3, -4])
  })

  it('a view changed in place rebases its base (values and gradients), and other views follow', () => {
    const w = tensor([1, 2, 3, 4], { requiresGrad: true })
    const k = tensor(5, { requiresGrad: true })
    const b = w.mul(2)
    const tail = b.slice(0, 2, 4)
    const head = b.slice(0, 0, 2)
    head.mul_(k) // b = [2w0·k, 2w1·k, 2w2, 2w3]
    expect(b.tolist()).toEqual([10, 20, 6, 8])
    expect(b.gradFn?.name).toBe('AddBackward')
    b.mul(tensor([1, 10, 100, 1000])).sum().backward(undefined, { retainGraph: true })
    expect(w.grad!.tolist()).toEqual([2 * 5, 20 * 5, 200, 2000])
    expect(k.grad!.item()).toBe(2 * 1 + 2 * 2 * 10)
    // tail is a view made before the change: its history is recomputed from the base.
    w.grad = null
    k.grad = null
    tail.sum().backward(undefined, { retainGraph: true })
    expect(w.grad!.tolist()).toEqual([0, 0, 2, 2])
    expect((k.grad as Tensor | null)?.item() ?? 0).toBe(0) // k reaches only the head: a zero gradient (as in PyTorch's CopySlices)
    // The view that was written: its values and gradient are those of head·k.
    w.grad = null
    head.sum().backward()
    expect(w.grad!.tolist()).toEqual([10, 10, 0, 0])
    expect(k.grad!.item()).toBe(2 + 4)
  })

  it('a base changed in place: views made before it see the new history', () => {
    const w = tensor([1, 2, 3], { requiresGrad: true })
    const b = w.mul(1)
    const v = b.index(1)
    b.mul_(w) // b = w²
    expect(v.item()).toBe(4)
    v.backward()
    expect(w.grad!.tolist()).toEqual([0, 4, 0])
  })

  it('writing into a view of a constant buffer (a row of a zeros tensor) from a tensor that requires grad', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const buf = zeros([2, 2])
    buf.index(1).copy_(x.mul(3))
    expect(buf.tolist()).toEqual([[0, 0], [3, 6]])
    expect(buf.requiresGrad).toBe(true)
    buf.mul(tensor([[1, 1], [1, 2]])).sum().backward()
    expect(x.grad!.tolist()).toEqual([3, 6])
  })

  it('double backward through an in-place op', () => {
    const w = tensor(1.5, { requiresGrad: true })
    const y = w.mul(1)
    y.mul_(w).mul_(w) // w³
    const [g] = autograd.grad(y, [w], { createGraph: true })
    expect(g!.item()).toBeCloseTo(3 * 1.5 ** 2, 14)
    const [h] = autograd.grad(g!, [w])
    expect(h!.item()).toBeCloseTo(6 * 1.5, 14)
  })
})

describe('LEAF_INPLACE and noGrad', () => {
  it('a leaf that requires grad (or a view of one) cannot change in place outside noGrad', () => {
    const w = tensor([1, 2], { requiresGrad: true })
    expect(() => w.add_(1)).toThrow(code('LEAF_INPLACE'))
    expect(() => w.index(0).mul_(2)).toThrow(code('LEAF_INPLACE'))
    expect(() => w.zero_()).toThrow(code('LEAF_INPLACE'))
    expect(w.tolist()).toEqual([1, 2]) // unchanged
    try {
      w.mul_(3)
    } catch (e) {
      expect((e as Error).message).toMatch(/mul_.*leaf.*noGrad/)
    }
  })

  it('inside noGrad it can (an SGD step), and it stays a leaf that requires grad', () => {
    const w = tensor([1, -2], { requiresGrad: true })
    const lr = 0.1
    for (let step = 0; step < 3; step++) {
      w.pow(2).sum().backward()
      noGrad(() => w.sub_(w.grad!.mul(lr)))
      w.grad!.zero_()
    }
    expect(w.isLeaf).toBe(true)
    expect(w.requiresGrad).toBe(true)
    expect(relativeError(flat(w), [1 * 0.8 ** 3, -2 * 0.8 ** 3])).toBeLessThan(1e-15)
    // noGrad inside enableGrad... nesting restores the mode.
    expect(() => w.add_(1)).toThrow(code('LEAF_INPLACE'))
  })

  it('gradients accumulate until set to null or zeroed with zero_()', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    x.mul(3).sum().backward()
    x.mul(3).sum().backward()
    expect(x.grad!.tolist()).toEqual([6, 6])
    x.grad!.zero_()
    x.mul(x).sum().backward()
    expect(x.grad!.tolist()).toEqual([2, 4])
    x.grad = null
    x.sum().backward()
    expect(x.grad!.tolist()).toEqual([1, 1])
  })
})

describe('MODIFIED_AFTER_SAVE', () => {
  it('a tensor saved for backward and then changed in place: backward throws, naming the op and shape', () => {
    const x = tensor([0.5, 1.5], { requiresGrad: true })
    const w = tensor([2, 3], { requiresGrad: true })
    const a = x.sin()
    const b = a.mul(w) // MulBackward saves a (w's gradient needs it)
    a.add_(1)
    let error: unknown
    try {
      b.sum().backward()
    } catch (e) {
      error = e
    }
    expect(error).toEqual(code('MODIFIED_AFTER_SAVE'))
    const message = (error as Error).message
    expect(message).toMatch(/MulBackward/)
    expect(message).toMatch(/\[2\]/)
    expect(message).toMatch(/[Cc]lone/)
  })

  it('an update under noGrad between forward and backward is caught (views share the counter)', () => {
    const w = tensor([[1, 2], [3, 4]], { requiresGrad: true })
    const y = w.matmul(w)
    noGrad(() => w.index(0).mul_(2))
    expect(() => y.sum().backward()).toThrow(code('MODIFIED_AFTER_SAVE'))
  })

  it('a write straight into the storage is caught once incrementVersion marks it, as PyTorch\'s increment_version', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.mul(x) // MulBackward saves x
    x.storage.data[0] = 5
    incrementVersion(x)
    expect(() => y.sum().backward()).toThrow(code('MODIFIED_AFTER_SAVE'))
    expect(() => incrementVersion([1, 2] as never)).toThrow(code('INVALID_ARGUMENT'))
  })

  it('a saved output changed through detach() is caught', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const y = x.exp() // ExpBackward reads its output
    y.detach().mul_(2)
    expect(() => y.sum().backward()).toThrow(code('MODIFIED_AFTER_SAVE'))
  })

  it('changes a rule does not read are fine, as in PyTorch (add saves nothing; mul by a constant reads only the constant)', () => {
    const x = tensor([1, 2], { requiresGrad: true })
    const a = x.mul(2)
    const b = a.add(1)
    const c = a.mul(3)
    a.detach().add_(100)
    b.sum().add(c.sum()).backward()
    expect(x.grad!.tolist()).toEqual([2 + 6, 2 + 6])
  })

  it('after clone() the original stays intact', () => {
    const x = tensor([0.5, 1.5], { requiresGrad: true })
    const a = x.sin()
    const b = a.mul(a)
    const c = a.clone()
    expect(c.gradFn?.name).toBe('CloneBackward')
    c.add_(1)
    b.add(c).sum().backward()
    expect(relativeError(flat(x.grad), [0.5, 1.5].map((v) => 2 * Math.sin(v) * Math.cos(v) + Math.cos(v)))).toBeLessThan(1e-15)
  })

  it('an in-place op on a tensor whose own op saved it keeps the old value for that op (exp then add_)', () => {
    const x = tensor([0.5, 1], { requiresGrad: true })
    const y = x.exp()
    y.add_(1)
    y.sum().backward()
    expect(relativeError(flat(x.grad), [0.5, 1].map(Math.exp))).toBeLessThan(1e-15)
  })

  it('for every op, a saved tensor changed before backward is caught, or the rule never reads it (generic)', () => {
    // The stand-ins only work if rules compute through ops: a rule reading a tensor's data
    // directly would see the new values silently. So: change each input (and the output) in
    // place after the forward pass; backward must throw MODIFIED_AFTER_SAVE or give exactly
    // the gradient of the unchanged computation.
    let caught = 0
    let harmless = 0
    for (const op of listOps().filter((o) => o.differentiable)) {
      const point = samplePoint(op, 5)
      const attrs = op.parseAttrs(point.attrs)
      const run = (change: number | 'output' | null) => {
        const leaves = point.args.map((a) => tensor(a.data, { shape: a.shape, requiresGrad: !a.constant }))
        const out = apply(op, leaves, attrs) as Tensor
        if (!out.requiresGrad) return null
        if (change === 'output') noGrad(() => out.add_(0.5))
        else if (change !== null) noGrad(() => leaves[change]!.add_(0.5))
        out.sum().backward()
        return leaves.map((l) => (l.grad === null ? [] : flat(l.grad)))
      }
      const expected = run(null)
      if (expected === null) continue
      for (const change of [...point.args.map((_, i) => i), 'output' as const]) {
        let got: number[][] | null
        try {
          got = run(change)
        } catch (e) {
          expect(e, `${op.name}, change ${change}`).toEqual(code('MODIFIED_AFTER_SAVE'))
          caught++
          continue
        }
        got!.forEach((g, i) => expect(g, `${op.name}, change ${change}, gradient ${i}`).toEqual(expected[i]))
        harmless++
      }
    }
    expect(caught).toBeGreaterThan(20)
    expect(harmless).toBeGreaterThan(20)
  })

  it('transforms see in-place ops too', () => {
    const f = (x: Tensor) => {
      const y = x.mul(1)
      y.mul_(x)
      return y.sum()
    }
    expect(flat(grad(f)(tensor([1, 2])) as Tensor)).toEqual([2, 4])
    expect(flat(grad(f)(ones([2])) as Tensor)).toEqual([2, 2])
  })
})

function inplaceCall(op: Op, x: Tensor, rest: Tensor[], attrs: Record<string, unknown>): Tensor {
  const args: unknown[] = [...rest]
  if (Object.keys(attrs).length > 0) args.push(attrs)
  return method(x, `${op.name}_`)(...args)
}
