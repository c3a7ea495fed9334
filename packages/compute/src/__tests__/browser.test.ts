import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { bundleWorker, repositoryRoot } from '@recforge/codegen'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createPool, toShared } from '../index'
import { testKernels } from './fixtures/kernels'
import { kernelsWorker } from './fixtures/kernels.worker.generated'

/** Debian's Chromium (see scripts/ensure-chromium.mjs); RECFORGE_CHROMIUM overrides the path, RECFORGE_SKIP_BROWSER=1 skips. */
const executablePath = process.env.RECFORGE_CHROMIUM ?? '/usr/bin/chromium'
const skip = process.env.RECFORGE_SKIP_BROWSER === '1'

type PageResult = { isolated: boolean; shared: boolean; threads: number; where: string[]; out: number[]; failure: string }

describe.skipIf(skip)('KernelPool in Chromium (Web Workers from a Blob URL)', () => {
  let browser: Browser
  let server: Server
  let base: string

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(`Chromium not found at ${executablePath}: run \`node scripts/ensure-chromium.mjs\`, set RECFORGE_CHROMIUM, or RECFORGE_SKIP_BROWSER=1 to skip this test`)
    }
    const entry = fileURLToPath(new URL('./fixtures/browserPage.ts', import.meta.url))
    const script = await bundleWorker(entry, repositoryRoot(fileURLToPath(new URL('.', import.meta.url))))
    const html = '<!doctype html><meta charset="utf-8"><script src="/page.js"></script>'
    server = createServer((req, res) => {
      // only /isolated.html gets the headers that make a page crossOriginIsolated
      const isolation: Record<string, string> = req.url === '/isolated.html' ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}
      if (req.url === '/page.js') res.writeHead(200, { 'Content-Type': 'text/javascript', 'Cross-Origin-Resource-Policy': 'same-origin' }).end(script)
      else res.writeHead(200, { 'Content-Type': 'text/html', ...isolation }).end(html)
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await new Promise((resolve) => server?.close(resolve))
  })

  async function run(pagePath: string): Promise<PageResult> {
    const page = await browser.newPage()
    try {
      await page.goto(base + pagePath)
      return await page.evaluate(() => (globalThis as unknown as { runPool: () => Promise<PageResult> }).runPool())
    } finally {
      await page.close()
    }
  }

  it('runs on a worker of a cross-origin isolated page and on one thread elsewhere, with the same results, and names a failing kernel', async () => {
    const isolated = await run('/isolated.html')
    expect(isolated).toMatchObject({ isolated: true, shared: true, threads: 2, where: ['caller', 'worker'] })
    expect(isolated.failure).toMatch(/^BACKEND_UNAVAILABLE: kernel "fail" failed on worker thread 1 .*browser boom/)
    const plain = await run('/plain.html')
    expect(plain).toMatchObject({ isolated: false, shared: false, threads: 1, where: ['caller', 'caller'], failure: '' })
    // the same kernels give the same bits on one thread and on two
    expect(plain.out).toEqual(isolated.out)
    // and what Node gives, up to the last bits of Chromium's Math.log and Math.cos
    const pool = await createPool({ kernels: testKernels, script: kernelsWorker, threads: 1 })
    const out = toShared(new Float64Array(8), false)
    await pool.run('fill', [{ out, start: 0, end: 4, seed: 3, factor: 1 }, { out, start: 4, end: 8, seed: 3, factor: 1 }])
    isolated.out.forEach((v, i) => expect(v).toBeCloseTo(out[i]!, 12))
  }, 30_000)
})
