/**
 * Traces functions of ad's registry ops into a graph, differentiates it with the same rules and runs it as fused generated code.
 *
 * @packageDocumentation
 * @module @ad/compile
 */
export * from '@ad/compile'
