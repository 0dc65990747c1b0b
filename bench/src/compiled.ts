// Helpers of the `compiled-…` variants (BENCH.md): the first call of a compiled function
// traces it and generates its code; it is timed apart, as compile_ms.

/** How long the first call takes (tracing, code generation and one run), in ms. */
export function firstCall(run: () => unknown): number {
  const start = performance.now()
  run()
  return performance.now() - start
}
