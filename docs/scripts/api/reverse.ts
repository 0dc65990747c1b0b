/**
 * Reverse-mode automatic differentiation with a PyTorch-shaped tensor API.
 *
 * @packageDocumentation
 * @module @ad/reverse
 */
export * from '@ad/reverse'
