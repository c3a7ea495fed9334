import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadMovieLensLatest } from '@recforge/data'
import { initBackend } from '@recforge/tf'
import { fitAndRecommend, USERS, type AlsHnswResult } from './pages/alsHnsw'
import { gmfRun } from './pages/gmf'
import { portableRun } from './pages/portable'

/** Debian's Chromium (see scripts/ensure-chromium.mjs); RECFORGE_CHROMIUM overrides the path, RECFORGE_SKIP_BROWSER=1 skips. */
const executablePath = process.env.RECFORGE_CHROMIUM ?? '/usr/bin/chromium'
const skip = process.env.RECFORGE_SKIP_BROWSER === '1'

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, '../../../..')
/** The built-in dataset of the reference app. */
const mlDir = path.join(repoRoot, 'apps/reference/data/ml-latest-small')
const tfjsWasmDir = path.join(path.dirname(fileURLToPath(import.meta.resolve('@tensorflow/tfjs-backend-wasm/package.json'))), 'dist')

/**
 * Bundles a page as a user's app would for the browser: esbuild's browser platform (so the
 * `browser` export conditions apply), one classic script. `node:*` stays external: the compute
 * layer imports `node:os` and `node:worker_threads` lazily, only when running under Node.
 */
async function bundle(entry: string): Promise<string> {
  const out = await build({
    entryPoints: [path.join(here, 'pages', entry)],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    conditions: ['@recforge/source'],
    external: ['node:*'],
    logLevel: 'silent',
  })
  return out.outputFiles[0]!.text
}

type PageResult = AlsHnswResult & { isolated: boolean; sharedArrayBuffer: boolean; reports: { file: string; rowsKept: number }[]; seconds: number }
type PortableResult = Awaited<ReturnType<typeof portableRun>> & { isolated: boolean; seconds: number }
type GmfResult = Awaited<ReturnType<typeof gmfRun>> & { backend: string; tfBackend: string; isolated: boolean }

describe.skipIf(skip)('the portable packages in Chromium', () => {
  let browser: Browser
  let server: Server
  let base: string
  const requests: string[] = []

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(`Chromium not found at ${executablePath}: run \`node scripts/ensure-chromium.mjs\`, set RECFORGE_CHROMIUM, or RECFORGE_SKIP_BROWSER=1 to skip this test`)
    }
    const scripts: Record<string, string> = { '/als.js': await bundle('alsHnswPage.ts'), '/gmf.js': await bundle('gmfPage.ts'), '/por.js': await bundle('portablePage.ts') }
    // Cross-Origin-Opener-Policy / -Embedder-Policy only on /als-isolated.html: every other page is not cross-origin isolated
    server = createServer((req, res) => {
      const url = req.url ?? '/'
      requests.push(url)
      res.setHeader('Cross-Origin-Resource-Policy', 'same-origin')
      const file = /^\/ml\/(ratings|movies)\.csv$/.test(url) ? path.join(mlDir, url.slice(4)) : /^\/tfjs\/[\w-]+\.wasm$/.test(url) ? path.join(tfjsWasmDir, url.slice(6)) : undefined
      if (url === '/als-isolated.html') res.writeHead(200, { 'Content-Type': 'text/html', 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }).end('<!doctype html><meta charset="utf-8"><script src="/als.js"></script>')
      else if (scripts[url]) res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(scripts[url])
      else if (url === '/als.html' || url === '/gmf.html' || url === '/por.html') res.writeHead(200, { 'Content-Type': 'text/html' }).end(`<!doctype html><meta charset="utf-8"><script src="/${url.slice(1, 4)}.js"></script>`)
      else if (file && existsSync(file)) res.writeHead(200, { 'Content-Type': file.endsWith('.wasm') ? 'application/wasm' : 'text/csv' }).end(readFileSync(file))
      else res.writeHead(404).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  async function run<T>(page: string, fn: string): Promise<T> {
    const p = await browser.newPage()
    const errors: string[] = []
    p.on('pageerror', (e) => errors.push(e.message))
    try {
      await p.goto(base + page)
      return await p.evaluate(async (name) => (globalThis as unknown as Record<string, () => Promise<T>>)[name]!(), fn)
    } catch (e) {
      throw new Error(`${page}: ${(e as Error).message}${errors.length ? `; page errors: ${errors.join('; ')}` : ''}`)
    } finally {
      await p.close()
    }
  }

  it('loads ml-latest-small over HTTP, fits ALS and searches HNSW: not isolated on one thread, isolated on two Web Workers, with the top-10 lists of Node for the same seed', async () => {
    const inBrowser = await run<PageResult>('/als.html', 'runAlsHnsw')
    expect(inBrowser.isolated).toBe(false)
    expect(inBrowser.sharedArrayBuffer).toBe(false)
    expect(inBrowser.threads).toBe(1)
    expect(requests).toEqual(expect.arrayContaining(['/ml/ratings.csv', '/ml/movies.csv']))
    expect(inBrowser.reports).toEqual([
      { file: '/ml/movies.csv', rowsKept: 9742 },
      { file: '/ml/ratings.csv', rowsKept: 100_836 },
    ])
    expect(inBrowser.counts).toEqual({ users: 610, items: 9742, ratings: 100_836 })

    const ds = await loadMovieLensLatest(mlDir)
    // Node's default ALS runs the float32 WebAssembly SIMD kernel, whose module needs shared
    // memory; the page has none, so it runs the float64 TypeScript kernel, as Node does with wasm: false
    const inNode = await fitAndRecommend(ds)
    const inNodeTs = await fitAndRecommend(ds, { wasm: false })
    expect(inBrowser.lists.map((l) => l.user)).toEqual(USERS)
    for (let k = 0; k < USERS.length; k++) {
      const b = inBrowser.lists[k]!
      expect(b.items).toHaveLength(10)
      expect(b.items, `user ${b.user}`).toEqual(inNode.lists[k]!.items)
      b.scores.forEach((s, j) => expect(s).toBeCloseTo(inNode.lists[k]!.scores[j]!, 3))
    }
    // the same kernel gives the same bits in Chromium and in Node
    expect(inBrowser.lists).toEqual(inNodeTs.lists)
    expect(inBrowser.titles).toEqual(inNode.titles)
    expect(inBrowser.titles.every((t) => t.length > 0)).toBe(true)
    console.log(`ALS + HNSW page: ${inBrowser.seconds.toFixed(1)} s in the page`)

    // the same page cross-origin isolated: shared memory, so Web Workers and the WebAssembly kernel, as Node by default
    const isolated = await run<PageResult>('/als-isolated.html', 'runAlsHnsw')
    expect(isolated).toMatchObject({ isolated: true, sharedArrayBuffer: true, threads: 2 })
    expect(isolated.lists).toEqual(inNode.lists)
    console.log(`ALS + HNSW page, isolated: ${isolated.seconds.toFixed(1)} s in the page`)
  })

  it('runs data, baselines, BPR, metrics and bandits on one thread without cross-origin isolation, with the figures of Node', async () => {
    const inBrowser = await run<PortableResult>('/por.html', 'runPortable')
    expect(inBrowser.isolated).toBe(false)
    expect(inBrowser.interactions).toBe(50_000)
    // BPR's WebAssembly kernel needs shared memory; in the page it runs the TypeScript kernel on one thread
    const inNode = await portableRun({ wasm: false, threads: 1 })
    const { isolated: _i, seconds, ...figures } = inBrowser
    expect(Object.keys(figures.evaluated)).toEqual(['pop', 'itemknn', 'ease', 'bpr'])
    for (const m of Object.values(figures.evaluated)) expect(m.metrics['ndcg@10']).toBeGreaterThan(0)
    expect(figures.evaluated['ease']!.metrics['ndcg@10']).toBeGreaterThan(figures.evaluated['pop']!.metrics['ndcg@10']!)
    expect(figures.replay.eventsUsed).toBeGreaterThan(100)
    expect(figures).toEqual(inNode)
    console.log(`portable page: ${seconds.toFixed(1)} s in the page`)
  })

  it('trains GMF on the TensorFlow.js wasm backend (.wasm files from wasmPaths) with the losses and scores of Node on wasm', async () => {
    const started = performance.now()
    const inBrowser = await run<GmfResult>('/gmf.html', 'runGmf')
    const seconds = (performance.now() - started) / 1000
    expect(inBrowser).toMatchObject({ backend: 'tensorflow-wasm', tfBackend: 'wasm', fitBackend: 'tensorflow-wasm', isolated: false })
    expect(requests.some((r) => r.startsWith('/tfjs/') && r.endsWith('.wasm'))).toBe(true)
    expect(inBrowser.losses).toHaveLength(30)
    expect(inBrowser.losses[29]!).toBeLessThan(inBrowser.losses[0]! * 0.7)
    expect(inBrowser.heldOutFirst).toBeGreaterThanOrEqual(Math.ceil(0.9 * inBrowser.users))

    await initBackend({ backend: 'wasm' })
    const inNode = await gmfRun()
    expect(inNode.fitBackend).toBe('tensorflow-wasm')
    expect(inBrowser.heldOutFirst).toBe(inNode.heldOutFirst)
    // the same wasm kernels and seed: the same bits in Chromium and in Node
    expect(inBrowser.losses).toEqual(inNode.losses)
    expect(inBrowser.scores).toEqual(inNode.scores)
    console.log(`GMF page: ${seconds.toFixed(1)} s`)
  })
})
