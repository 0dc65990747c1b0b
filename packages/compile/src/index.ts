// @ad/compile: trace functions of registry ops into a graph, differentiate the graph with the
// registry's own rules, and run it as fused generated code. Reads only @ad/core.

export { compile, explain, type CompileOptions, type Compiled, type CompiledFunction } from './compile.js'
export { grad, valueAndGrad, vjp, jvp, jacfwd, jacrev, hessian, type TransformOptions } from './transforms.js'
export { Symbolic } from './symbolic.js'
export type { Graph, Node } from './graph.js'
