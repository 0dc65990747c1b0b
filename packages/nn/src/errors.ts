import { AdError, describeValue, Tensor } from '@ad/reverse'

export const invalid = (message: string): AdError => new AdError('INVALID_ARGUMENT', message)
export const shapeMismatch = (message: string): AdError => new AdError('SHAPE_MISMATCH', message)

/**
 * What a layer reads the shape of must be a tensor (of either engine, core's, or a value an
 * engine traces through the layer, such as forward mode's duals): anything else is
 * INVALID_ARGUMENT, as PyTorch's "argument 'input' must be Tensor".
 */
export function expectTensor(who: string, x: unknown): Tensor {
  if (x instanceof Tensor || (typeof x === 'object' && x !== null && Array.isArray((x as Tensor).shape))) return x as Tensor
  throw invalid(`${who}: expected a tensor, got ${describeValue(x)}; wrap data with tensor().`)
}
