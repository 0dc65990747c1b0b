/**
 * The op registry, tensor storage and kernels of ad.
 *
 * @packageDocumentation
 * @module @ad/core
 */
export * from '@ad/core'
