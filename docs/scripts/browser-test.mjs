// The browser test of the built site (run `pnpm docs:build` first): serves
// docs/.vitepress/dist on localhost and drives Debian's Chromium with playwright-core.
// Every page must load with no console error, no uncaught exception and no KaTeX error; the
// playground must give the gradient of sin(x*y) + x^2 at (0.5, 2) from all three methods,
// step backward node by node, and report a broken expression.
//   node scripts/browser-test.mjs [--screenshots DIR]
import { mkdtemp, readdir, rm, mkdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import { serve } from './serve.mjs'

const dist = fileURLToPath(new URL('../.vitepress/dist', import.meta.url))
const shotsAt = process.argv.indexOf('--screenshots')
const shots = shotsAt > 0 ? process.argv[shotsAt + 1] : null
const failures = []
const fail = (msg) => {
  failures.push(msg)
  console.error(`FAIL ${msg}`)
}

/** Every page of the site, as a clean URL path. */
async function pagesOf(dir) {
  const out = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name)
    if (e.isDirectory()) {
      if (e.name !== 'assets') out.push(...(await pagesOf(path)))
    } else if (e.name.endsWith('.html') && e.name !== '404.html') {
      const rel = relative(dist, path).replace(/\\/g, '/')
      out.push('/' + (rel.endsWith('index.html') ? rel.slice(0, -'index.html'.length) : rel.slice(0, -'.html'.length)))
    }
  }
  return out
}

const site = await serve(dist)
const profile = await mkdtemp(join(tmpdir(), 'ad-docs-chromium-'))
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
})
const started = Date.now()
try {
  const page = browser.pages()[0] ?? (await browser.newPage())
  let current = ''
  page.on('console', (m) => {
    if (m.type() === 'error') fail(`${current}: console error: ${m.text()}`)
  })
  page.on('response', (r) => {
    if (r.status() >= 400) fail(`${current}: HTTP ${r.status()} for ${r.url()}`)
  })
  page.on('pageerror', (e) => fail(`${current}: uncaught ${e.message}`))
  // Navigating away aborts VitePress's prefetches of linked pages: not a failure of the page.
  page.on('requestfailed', (r) => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') fail(`${current}: request failed: ${r.url()} (${r.failure()?.errorText})`)
  })

  const pages = await pagesOf(dist)
  for (const path of pages) {
    current = path
    const res = await page.goto(site.url + path, { waitUntil: 'load' })
    if (!res || res.status() !== 200) fail(`${path}: HTTP ${res?.status()}`)
    const katexErrors = await page.locator('.katex-error').count()
    if (katexErrors > 0) fail(`${path}: ${katexErrors} KaTeX error(s)`)
    if (path === '/guide/forward-or-reverse') {
      await page.locator('[data-testid="jac-chart"] svg').first().waitFor({ timeout: 10_000 })
    }
  }
  console.log(`visited ${pages.length} pages`)

  // The playground.
  current = '/playground'
  await page.goto(site.url + '/playground', { waitUntil: 'load' })
  const byId = (id) => page.locator(`[data-testid="${id}"]`)
  await byId('pg-expr').fill('sin(x*y) + x^2')
  await byId('pg-point').fill('x = 0.5, y = 2')
  const expected = [2 * Math.cos(1) + 1, 0.5 * Math.cos(1)]
  // Engines agree with the closed form to rounding; central differences (Richardson-extrapolated,
  // step ~1e-5) to about 1e-9 here, so 1e-7 leaves room and still catches any wrong rule.
  for (const [id, tol] of [['pg-grad-forward', 1e-12], ['pg-grad-reverse', 1e-12], ['pg-grad-fd', 1e-7]]) {
    const text = (await byId(id).textContent()) ?? ''
    const got = [...text.matchAll(/([A-Za-z_]\w*)\s*=\s*(-?[\d.e+-]+)/g)].map((m) => [m[1], Number(m[2])])
    if (got.length !== 2 || got[0][0] !== 'x' || got[1][0] !== 'y') fail(`${id}: expected "x = ..., y = ...", got "${text}"`)
    else got.forEach(([name, v], i) => {
      if (!(Math.abs(v - expected[i]) <= tol)) fail(`${id}: ${name} = ${v}, expected ${expected[i]}`)
    })
  }
  const value = Number(await byId('pg-value').textContent())
  if (!(Math.abs(value - (Math.sin(1) + 0.25)) < 1e-12)) fail(`pg-value: ${value}, expected ${Math.sin(1) + 0.25}`)

  const nodes = page.locator('[data-testid="pg-graph"] [data-node]')
  const total = await nodes.count()
  if (total !== 6) fail(`pg-graph: ${total} nodes, expected 6 (x, y, mul, sin, pow, add)`)
  const withGrad = () => page.locator('[data-testid="pg-graph"] [data-grad]').count()
  if ((await withGrad()) !== 0) fail('pg-graph: gradients shown before any step')
  for (let k = 1; k <= total; k++) {
    await byId('pg-step').click()
    const n = await withGrad()
    if (n !== k) fail(`pg-step: after ${k} steps ${n} nodes carry data-grad`)
  }
  const outputGrad = await page.locator('[data-testid="pg-graph"] [data-node="n0"]').getAttribute('data-grad')
  if (outputGrad !== '1') fail(`pg-graph: the output's gradient is ${outputGrad}, expected 1`)
  if (shots) {
    await mkdir(shots, { recursive: true })
    await page.screenshot({ path: join(shots, 'playground.png'), fullPage: true })
  }

  await byId('pg-expr').fill('sin(x*')
  const error = ((await byId('pg-error').textContent()) ?? '').trim()
  if (!/position 7/.test(error)) fail(`pg-error: "${error}" should say where (position 7)`)
  await byId('pg-expr').fill('sin(x*y) + x^2')
  if ((await byId('pg-error').count()) !== 0) fail('pg-error: still shown after the expression was fixed')

  if (shots) {
    await page.goto(site.url + '/', { waitUntil: 'load' })
    await page.screenshot({ path: join(shots, 'home.png'), fullPage: true })
    await page.goto(site.url + '/tutorials/perceptron', { waitUntil: 'load' })
    await page.screenshot({ path: join(shots, 'tutorial.png'), fullPage: false })
    await page.goto(site.url + '/reference/ops', { waitUntil: 'load' })
    await page.screenshot({ path: join(shots, 'ops.png'), fullPage: false })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.goto(site.url + '/guide/compile', { waitUntil: 'load' })
    await page.screenshot({ path: join(shots, 'compile-dark.png'), fullPage: false })
    await page.emulateMedia({ colorScheme: 'light' })
    await page.goto(site.url + '/guide/forward-or-reverse', { waitUntil: 'load' })
    await page.locator('[data-testid="jac-chart"] svg').first().waitFor()
    await page.screenshot({ path: join(shots, 'chart.png'), fullPage: true })
  }
} finally {
  await browser.close()
  await site.close()
  await rm(profile, { recursive: true, force: true })
}
console.log(`browser test: ${failures.length} failure(s) in ${((Date.now() - started) / 1000).toFixed(1)} s`)
process.exit(failures.length === 0 ? 0 : 1)
