// A tiny static server for the built site (docs/.vitepress/dist), resolving clean URLs as
// VitePress's `cleanUrls` writes them: /guide/pytorch -> guide/pytorch.html, /tutorials/ -> tutorials/index.html.
import { createServer } from 'node:http'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize } from 'node:path'

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json',
  '.svg': 'image/svg+xml', '.woff2': 'font/woff2', '.woff': 'font/woff', '.ttf': 'font/ttf', '.png': 'image/png', '.wasm': 'application/wasm',
}

async function isFile(path) {
  try {
    return (await stat(path)).isFile()
  } catch {
    return false
  }
}

/** Serves `root` on 127.0.0.1 at a free port; resolves to { url, close }. */
export async function serve(root) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '')
    const candidates = path.endsWith('/') ? [join(root, path, 'index.html')] : [join(root, path), join(root, `${path}.html`), join(root, path, 'index.html')]
    for (const file of candidates) {
      if (await isFile(file)) {
        res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' })
        res.end(await readFile(file))
        return
      }
    }
    res.writeHead(404, { 'content-type': 'text/html' })
    res.end(await readFile(join(root, '404.html')).catch(() => 'not found'))
  })
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address()
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(resolve)) }
}
