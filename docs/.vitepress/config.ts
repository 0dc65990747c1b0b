import { katex } from '@mdit/plugin-katex'
import { defineConfig } from 'vitepress'
import { mathmlTags } from './mathml'

// KaTeX runs at build time: pages ship HTML and KaTeX's stylesheet, no math script.
// A formula KaTeX cannot parse fails the build instead of showing red text on the page.
const strictKatex = {
  throwOnError: true,
  logger: () => 'error' as const,
}

export default defineConfig({
  title: 'ad',
  description: 'Automatic differentiation for TypeScript: forward and reverse mode from one op registry',
  cleanUrls: true,
  head: [['link', { rel: 'icon', type: 'image/svg+xml', href: '/favicon.svg' }]],
  lastUpdated: false,
  // The generated API pages are written by TypeDoc before each build; README files are not pages.
  srcExclude: ['**/README.md', 'scripts/**', 'test/**', 'playground/**'],
  markdown: {
    config: (md) => {
      md.use(katex, strictKatex)
    },
  },
  vue: {
    template: {
      // KaTeX writes MathML beside its HTML (for screen readers); Vue must leave those tags alone.
      compilerOptions: { isCustomElement: (tag) => mathmlTags.has(tag) },
    },
  },
  vite: {
    // The site runs ad from its TypeScript sources (the packages' "source" export condition),
    // so the docs always show the code of this commit without a prior `pnpm build`.
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] }, noExternal: [/^@ad\//] },
  },
  themeConfig: {
    search: { provider: 'local' },
    outline: [2, 3],
    nav: [
      { text: 'Tutorials', link: '/tutorials/' },
      { text: 'Guide', link: '/guide/forward-or-reverse' },
      { text: 'Reference', link: '/reference/ops' },
      { text: 'Playground', link: '/playground' },
    ],
    sidebar: [
      {
        text: 'Tutorials',
        items: [
          { text: 'Overview', link: '/tutorials/' },
          { text: '1. Gradient descent by hand', link: '/tutorials/gradient-descent' },
          { text: '2. Dual numbers and partials', link: '/tutorials/dual-numbers' },
          { text: '3. Vectors, cotangents, Jacobians', link: '/tutorials/vector-outputs' },
          { text: '4. Chains and turning tracking off', link: '/tutorials/chains' },
          { text: '5. Perceptrons and graphs', link: '/tutorials/perceptron' },
        ],
      },
      {
        text: 'Guide',
        items: [
          { text: 'Forward or reverse?', link: '/guide/forward-or-reverse' },
          { text: 'Coming from PyTorch', link: '/guide/pytorch' },
          { text: 'Checking gradients', link: '/guide/checking' },
          { text: 'Training with @ad/nn', link: '/guide/nn' },
          { text: 'Compiling', link: '/guide/compile' },
        ],
      },
      {
        text: 'Reference',
        items: [
          { text: 'Ops', link: '/reference/ops' },
          { text: 'API', link: '/reference/api/' },
          { text: 'Gradients at the edges', link: '/edges' },
          { text: 'Architecture', link: '/architecture' },
          { text: 'Inside @ad/compile', link: '/compile' },
        ],
      },
      { text: 'Playground', link: '/playground' },
    ],
    logo: '/favicon.svg',
  },
})
