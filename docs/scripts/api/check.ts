/**
 * Gradient checks for ad: checkOp (an op's declared domain, forward against reverse against finite differences) and checkGrads (any function, as PyTorch's gradcheck and JAX's check_grads).
 *
 * @packageDocumentation
 * @module @ad/check
 */
export * from '@ad/check'
