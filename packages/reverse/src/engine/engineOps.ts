import { AdError, broadcastShapes, expand, expandTo, shapeOf, sumTo, zeros, type MaybeZero, type Op, type Shape, type Tensor, type Value } from '@ad/core'

/**
 * The engine's own ops, which are not in the registry (like PyTorch's AccumulateGrad): they
 * exist so that an engine feature (a transform's variable, `clone`, `copy_`, `zero_`,
 * `checkpoint`) is recorded as an ordinary node, named in `gradFn.name` and in graph
 * drawings. Their rules are written with core ops, so they differentiate again.
 */
export interface InternalSpec {
  name: string
  arity: number | 'list'
  shape(shapes: readonly Shape[], attrs: any): Shape
  primal(args: readonly Tensor[], attrs: any, outShape: Shape): Tensor
  jvp(ctx: { args: readonly Value[]; out: Value; attrs: any }, tangents: readonly MaybeZero[]): MaybeZero
  vjp(ctx: { args: readonly Value[]; out: Value; attrs: any }, g: Value, needs: readonly boolean[]): MaybeZero[]
}

/** An op object with the fields of a registry op, in the registry's order (one hidden class for the engine). */
export function internalOp(spec: InternalSpec): Op {
  return {
    name: spec.name,
    arity: spec.arity,
    attrs: {},
    positional: undefined,
    constantArgs: undefined,
    elementwise: undefined,
    scalar: undefined,
    partials: undefined,
    shape: spec.shape,
    primal: spec.primal,
    jvp: spec.jvp,
    vjp: spec.vjp,
    domain: () => {
      throw new AdError('INVALID_ARGUMENT', `${spec.name} is internal to the reverse engine and has no domain.`)
    },
    edges: undefined,
    differentiable: true,
    id: -1,
    parseAttrs: (attrs: object | undefined) => attrs ?? {},
  } as unknown as Op
}

/** The identity, as a node: a transform's variable standing for a tensor of an outer graph. */
export const aliasOp = internalOp({
  name: 'alias',
  arity: 1,
  shape: ([s]) => s as Shape,
  primal: ([x]) => x as Tensor,
  jvp: (_ctx, [t]) => t ?? null,
  vjp: (_ctx, g) => [g],
})

/** `x.clone()`: a copy with its own storage; the gradient passes through unchanged. */
export const cloneOp = internalOp({
  name: 'clone',
  arity: 1,
  shape: ([s]) => s as Shape,
  primal: ([x]) => (x as Tensor).clone(),
  jvp: (_ctx, [t]) => t ?? null,
  vjp: (_ctx, g) => [g],
})

/**
 * `self.copy_(src)` computed out of place: `src` broadcast to self's shape. Self's old
 * values do not matter (no gradient); src gets the cotangent summed back to its shape.
 */
export const copyOp = internalOp({
  name: 'copy',
  arity: 2,
  shape: ([s, src]) => {
    const out = broadcastShapes('copy_', s as Shape, src as Shape)
    if (out.length !== (s as Shape).length || out.some((d, i) => d !== (s as Shape)[i])) {
      throw new AdError(
        'SHAPE_MISMATCH',
        `copy_: cannot copy a tensor of shape [${(src as Shape).join(',')}] into one of shape [${(s as Shape).join(',')}]; the source must broadcast to it.`,
      )
    }
    return s as Shape
  },
  primal: ([, src], _attrs, shape) => (expand(src as Tensor, { shape: [...shape] }) as Tensor).clone(),
  jvp: ({ out }, [, t]) => (t === null || t === undefined ? null : expandTo(t, shapeOf(out))),
  vjp: ({ args }, g, needs) => [null, needs[1] ? sumTo(g, shapeOf(args[1] as Value)) : null],
})

/** `self.zero_()` computed out of place: zeros; self's old values get no gradient. */
export const zeroOp = internalOp({
  name: 'zero',
  arity: 1,
  shape: ([s]) => s as Shape,
  primal: ([x], _attrs, shape) => zeros([...shape], { dtype: (x as Tensor).dtype }),
  jvp: () => null,
  vjp: () => [null],
})
