import DefaultTheme from 'vitepress/theme'
import type { Theme } from 'vitepress'
import 'katex/dist/katex.min.css'
import './style.css'
import JacChart from './components/JacChart.vue'
import Playground from './components/Playground.vue'

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('JacChart', JacChart)
    app.component('Playground', Playground)
  },
} satisfies Theme
