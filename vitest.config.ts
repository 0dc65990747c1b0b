import { defineConfig } from 'vitest/config'

export default defineConfig({
  // Tests import each package's TypeScript source through the "source" export condition.
  resolve: { conditions: ['source'] },
  // Vite resolves modules for Node (vitest's 'ssr' environment) with its own conditions.
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    projects: [
      { extends: true, test: { name: 'core', include: ['packages/core/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'forward', include: ['packages/forward/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'compile', include: ['packages/compile/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'reverse', include: ['packages/reverse/src/**/*.test.ts'] } },
      { extends: true, test: { name: 'check', include: ['packages/check/src/**/*.test.ts'], testTimeout: 120_000 } },
      { extends: true, test: { name: 'nn', include: ['packages/nn/src/**/*.test.ts', 'packages/nn/test/**/*.test.ts'], testTimeout: 120_000 } },
      { extends: true, test: { name: 'crosscheck', include: ['test/src/**/*.test.ts'], testTimeout: 120_000 } },
      // A snippet runs as one test; the ResNet-18 step takes seconds alone, far longer on a loaded machine.
      { extends: true, test: { name: 'docs', include: ['docs/test/**/*.test.ts'], testTimeout: 300_000 } },
    ],
  },
})
