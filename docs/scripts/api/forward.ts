/**
 * Forward-mode automatic differentiation with dual numbers.
 *
 * @packageDocumentation
 * @module @ad/forward
 */
export * from '@ad/forward'
