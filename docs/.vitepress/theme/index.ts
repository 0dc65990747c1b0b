import DefaultTheme from 'vitepress/theme'
import type { Theme } from 'vitepress'
import 'katex/dist/katex.min.css'
import './style.css'
import CompileTable from './components/CompileTable.vue'
import JacChart from './components/JacChart.vue'
import Playground from './components/Playground.vue'

export default {
  extends: DefaultTheme,
  enhanceApp({ app }) {
    app.component('CompileTable', CompileTable)
    app.component('JacChart', JacChart)
    app.component('Playground', Playground)
  },
} satisfies Theme
