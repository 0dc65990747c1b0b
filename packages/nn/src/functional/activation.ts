// The activations are the registry's ops (`gelu`, `silu`, `leakyRelu`), re-exported so that
// nn.functional holds every layer's computation in one place.
export { gelu, leakyRelu, silu } from '@ad/reverse'
