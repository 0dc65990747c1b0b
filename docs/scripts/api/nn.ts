/**
 * Neural networks on @ad/reverse: modules, layers, losses, optimizers, schedulers, data loading, ResNet-18 and safetensors weights.
 *
 * @packageDocumentation
 * @module @ad/nn
 */
export * from '@ad/nn'
