import { AdError } from '@ad/reverse'

export const invalid = (message: string): AdError => new AdError('INVALID_ARGUMENT', message)
export const shapeMismatch = (message: string): AdError => new AdError('SHAPE_MISMATCH', message)
