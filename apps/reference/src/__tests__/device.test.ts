import { existsSync } from 'node:fs'
import { chromium, type Browser, type Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ALS } from '@recforge/mf'
import { prepareSplits } from '../evaluate'
import { createRegistry } from '../models'
import { startServing } from '../serve'

/** Debian's Chromium (see scripts/ensure-chromium.mjs); RECFORGE_CHROMIUM overrides the path, RECFORGE_SKIP_BROWSER=1 skips. */
const executablePath = process.env.RECFORGE_CHROMIUM ?? '/usr/bin/chromium'
const skip = process.env.RECFORGE_SKIP_BROWSER === '1'

describe.skipIf(skip)('recommendations on the device (/device) in Chromium', () => {
  let browser: Browser
  let url: string
  let close: () => Promise<void>
  let model: ALS

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(`Chromium not found at ${executablePath}: run \`node scripts/ensure-chromium.mjs\` (installs Debian's chromium as root), set RECFORGE_CHROMIUM, or RECFORGE_SKIP_BROWSER=1 to skip this test`)
    }
    const registry = createRegistry()
    const prepared = await prepareSplits({ data: 'builtin', model: 'als', protocol: 'holdout-full', seed: 42 })
    const { model: als, params } = registry.create('als', { factors: 16, iterations: 4 })
    await als.fit(prepared.splits[0]!.train, { seed: 42 })
    model = als as unknown as typeof model
    const started = await startServing({
      registry,
      data: prepared.splits[0]!.train,
      ...(prepared.itemInfo ? { itemInfo: prepared.itemInfo } : {}),
      models: [{ name: 'als', model: als, params, trainedAt: new Date().toISOString() }],
      port: 0,
    })
    url = started.url.replace(/\/$/, '')
    close = started.close
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await close?.()
  })

  it('folds the likes in and ranks in the page, says so, and sends no request that carries them', async () => {
    const page = await browser.newPage()
    const requests: Request[] = []
    page.on('request', (r) => requests.push(r))
    await page.goto(`${url}/device`)
    await page.waitForSelector('body[data-ready="true"]', { timeout: 120_000 })
    expect(await page.locator('#privacy').innerText()).toMatch(/Your likes stay in this page.*never sent.*computed in this\s+browser/s)
    const loaded = requests.map((r) => `${r.method()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`)
    expect(loaded.sort()).toEqual(['GET /device', 'GET /device/app.js', 'GET /device/items', 'GET /device/model'])

    const liked: string[] = []
    for (const title of ['Toy Story (1995)', 'Aladdin (1992)', 'Lion King, The (1994)']) {
      await page.fill('#search', title.slice(0, 9))
      const row = page.locator('#results li', { hasText: title }).first()
      liked.push((await row.getAttribute('data-item'))!)
      await row.locator('button').click()
    }
    await page.waitForSelector('#recs li[data-score]')
    const recs = await page.locator('#recs li').evaluateAll((els) => els.map((e) => ({ id: (e as HTMLElement).dataset.item!, score: Number((e as HTMLElement).dataset.score) })))
    expect(await page.locator('#likes li').count()).toBe(3)

    // the page's list is the server model's fold-in for the same likes: the same @recforge/mf code
    const items = model.vocabularies.items
    const expected = model.recommendNewUser(Int32Array.from(liked, (id) => items.index(id)!), undefined, { k: 10 })
    expect(recs.map((r) => r.id)).toEqual(Array.from(expected.items, (i) => items.id(i)))
    recs.forEach((r, j) => expect(r.score).toBe(expected.scores[j]))
    expect(recs.some((r) => liked.includes(r.id))).toBe(false)

    // no request after loading (none at all while searching, liking and ranking), none with a body
    // or a query, and nothing kept where a later visit or the server could read it
    expect(requests.map((r) => `${r.method()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`).sort()).toEqual(loaded)
    for (const r of requests) {
      expect(r.postData()).toBeNull()
      expect(new URL(r.url()).search).toBe('')
    }
    expect(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie])).toEqual([0, 0, ''])
    await page.close()
  }, 180_000)

  it('sends no user of the served model to the page', async () => {
    const res = await fetch(`${url}/device/model`)
    expect(res.headers.get('content-type')).toBe('application/octet-stream')
    const { decodeArtifacts } = await import('@recforge/core')
    const a = decodeArtifacts(new Uint8Array(await res.arrayBuffer()))
    expect(a.meta?.users).toEqual([])
    expect(a.tensors.userFactors!.length).toBe(0)
    expect(a.tensors.seenIndices!.length).toBe(0)
    expect(a.tensors.itemFactors!.length).toBe(model.numItems * 16)
    const items = (await (await fetch(`${url}/device/items`)).json()) as { model: string; ids: string[]; titles: string[] }
    expect(items.model).toBe('als')
    expect(items.ids).toHaveLength(model.numItems)
    expect(items.titles[items.ids.indexOf('1')]).toBe('Toy Story (1995)')
    const bad = await fetch(`${url}/device/model?model=nope`)
    expect(bad.status).toBe(404)
  })
})
