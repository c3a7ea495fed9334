import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { kmeans } from '@recforge/cluster'
import { ALS } from '@recforge/mf'
import { generateSynthetic, loadDataset } from '@recforge/data'
import { builtinDatasetSpec } from '../datasets'
import { buildItemMap, buildUserSegments, renderMapDocument } from '../explore'
import { startServing } from '../serve'
import { createRegistry } from '../models'
import { runCli } from './helpers'

const executablePath = process.env.RECFORGE_CHROMIUM ?? '/usr/bin/chromium'
const skipBrowser = process.env.RECFORGE_SKIP_BROWSER === '1'
const shotsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs')

const dataAttr = (html: string, attr: string) => [...html.matchAll(new RegExp(`<(\\w+) [^>]*${attr}="([^"]*)"`, 'g'))]

describe('recforge explore', () => {
  let dir: string
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'recforge-explore-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('writes a self-contained map of every item of the built-in dataset, listing each cluster with its typical titles', async () => {
    const out = path.join(dir, 'map.html')
    const r = await runCli(['explore', '--data', 'builtin', '--model', 'als', '--set', 'iterations=3', '--set', 'factors=16', '--clusters', '6', '--out', out, '--json'])
    expect(r.code, r.stderr).toBe(0)
    const summary = JSON.parse(r.stdout)
    expect(summary.file).toBe(out)
    expect(summary.model).toBe('als')
    expect(summary.dimensions).toBe(16)
    expect(summary.clusters).toHaveLength(6)
    const html = readFileSync(out, 'utf8')
    // self-contained: no scripts, links, imports, frames or URLs of any kind
    for (const banned of [/<script/i, /<link/i, /<iframe/i, /@import/i, /url\(/i, /\ssrc=/i, /\shref=/i, /https?:\/\//i]) expect(html).not.toMatch(banned)
    // every item of the dataset is a point, once, with its title to hover
    const ds = await loadDataset(builtinDatasetSpec())
    const points = dataAttr(html, 'data-item').filter((m) => m[1] === 'circle').map((m) => m[2])
    expect(points).toHaveLength(ds.interactions.items.size)
    expect(new Set(points)).toEqual(new Set(ds.interactions.items.ids()))
    expect(summary.items).toBe(ds.interactions.items.size)
    expect(html).toContain('<title>Toy Story (1995) (cluster ')
    // each cluster is listed with its size and its ten most typical titles, as the JSON says
    const listed = dataAttr(html, 'data-cluster')
    expect(listed.map((m) => m[2])).toEqual(['0', '1', '2', '3', '4', '5'])
    expect(summary.clusters.reduce((s: number, c: { size: number }) => s + c.size, 0)).toBe(ds.interactions.items.size)
    for (const c of summary.clusters as { size: number; typical: string[] }[]) {
      expect(c.typical).toHaveLength(Math.min(10, c.size))
      for (const t of c.typical) expect(html).toContain(`>${t.replace(/&/g, '&amp;').replace(/'/g, '&#39;').replace(/"/g, '&quot;')}</li>`)
    }
  }, 120_000)

  it('refuses a model without item vectors before loading anything, naming those that have them', async () => {
    const out = path.join(dir, 'none.html')
    const r = await runCli(['explore', '--data', 'builtin', '--model', 'pop', '--out', out])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/model "pop" has no item vectors \(it defines no itemVectors\(\)\), so there is nothing to map; models with item vectors: .*\bals\b.*\bbpr\b/)
    expect(r.stdout).toBe('')
    expect(existsSync(out)).toBe(false)
    const missing = await runCli(['explore', '--model', 'als'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/--data and --model are required/)
  }, 60_000)
})

describe('item maps and user segments', () => {
  const ds = generateSynthetic({ users: 120, items: 80, interactions: 2400, seed: 3 })
  const data = ds.interactions
  const als = new ALS({ factors: 8, iterations: 4 })
  const titles = Array.from({ length: data.items.size }, (_, i) => (i === 0 ? 'Fish & <Chips> "2"' : `item ${i}`))

  beforeAll(async () => {
    await als.fit(data, { seed: 1 })
  })

  it('places every item once, lists each cluster\'s members nearest its centre first, and escapes titles', () => {
    const map = buildItemMap(als, data, { model: 'als', itemInfo: { titles }, clusters: 4, seed: 5 })
    expect(map.ids).toHaveLength(data.items.size)
    expect(map.xy).toHaveLength(2 * data.items.size)
    expect(map.clusters.reduce((s, c) => s + c.size, 0)).toBe(data.items.size)
    const { vectors, dimensions: d } = als.itemVectors()
    map.clusters.forEach((c, k) => {
      expect(c.typical.length).toBe(Math.min(10, c.size))
      for (const i of c.typical) expect(map.labels[i]).toBe(k)
      // typical members come nearest first: their distance to the cluster's mean never decreases
      const mean = new Float64Array(d)
      for (let i = 0; i < map.labels.length; i++) if (map.labels[i] === k) for (let j = 0; j < d; j++) mean[j]! += vectors[i * d + j]! / c.size
      const dist = Array.from(c.typical, (i) => mean.reduce((s, m, j) => s + (vectors[i * d + j]! - m) ** 2, 0))
      for (let t = 1; t < dist.length; t++) expect(dist[t]!).toBeGreaterThanOrEqual(dist[t - 1]! - 1e-6)
    })
    const html = renderMapDocument(map)
    expect(html).toContain('Fish &amp; &lt;Chips&gt; &quot;2&quot;')
    expect(html).not.toContain('<Chips>')
    expect(() => buildItemMap(als, data, { model: 'als', clusters: data.items.size + 1 })).toThrow(/clusters must be an integer in 1\.\.80/)
  })

  it('segments users by their vectors: sizes add up and each segment lists the items its centre scores highest', () => {
    const seg = buildUserSegments(als, data, { model: 'als', segments: 3, seed: 2, top: 5 })
    expect(seg.users).toBe(data.users.size)
    expect(seg.segments).toHaveLength(3)
    expect(seg.segments.reduce((s, g) => s + g.size, 0)).toBe(data.users.size)
    for (const g of seg.segments) {
      expect(g.items).toHaveLength(5)
      for (let t = 1; t < 5; t++) expect(g.items[t]!.score).toBeLessThanOrEqual(g.items[t - 1]!.score)
    }
    // a segment's score of an item is its members' mean score: recompute segment 0's best item from the members
    const { vectors, dimensions: d } = als.itemVectors()
    const users = new Float32Array(data.users.size * d)
    for (let u = 0; u < data.users.size; u++) users.set(als.userVector(u), u * d)
    const labels = kmeans({ vectors: users, dimensions: d }, { k: 3, seed: 2 }).labels
    seg.segments.forEach((g, c) => {
      const members = [...labels.keys()].filter((u) => labels[u] === c)
      expect(members).toHaveLength(g.size)
      const mean = Array.from({ length: data.items.size }, (_, i) => members.reduce((s, u) => s + als.score(u, Int32Array.of(i))[0]!, 0) / members.length)
      const argmax = mean.indexOf(Math.max(...mean))
      expect(g.items[0]!.id).toBe(data.items.id(argmax))
      expect(g.items[0]!.score).toBeCloseTo(mean[argmax]!, 4)
      expect(vectors.length / d).toBe(data.items.size)
    })
  })
})

describe.skipIf(skipBrowser)('the page shows the map and the user segments (Chromium)', () => {
  let browser: Browser
  let url: string
  let close: () => Promise<void>
  let items = 0

  beforeAll(async () => {
    if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: run \`node scripts/ensure-chromium.mjs\`, set RECFORGE_CHROMIUM, or RECFORGE_SKIP_BROWSER=1 to skip this test`)
    const registry = createRegistry()
    const ds = await loadDataset(builtinDatasetSpec())
    items = ds.interactions.items.size
    const models = []
    for (const [name, set] of [['pop', {}], ['als', { factors: 16, iterations: 3 }]] as const) {
      const { model, params } = registry.create(name, set)
      await model.fit(ds.interactions, { seed: 42 })
      models.push({ name, model, params, trainedAt: new Date().toISOString() })
    }
    const started = await startServing({ registry, data: ds.interactions, ...(ds.itemInfo ? { itemInfo: ds.itemInfo } : {}), models, port: 0, bandit: 'none' })
    url = started.url
    close = started.close
    browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await close?.()
  })

  it('draws every item of the served model with item vectors, lists its clusters, and shows six user segments with their top items', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(url)
    await page.waitForSelector('#map svg circle')
    expect(await page.locator('#map svg circle').count()).toBe(items)
    expect(await page.locator('#map [data-cluster]').count()).toBe(8)
    expect(await page.locator('#map-model option').allInnerTexts()).toEqual(['als'])
    expect(await page.locator('#map svg circle title').first().textContent()).toMatch(/\(cluster \d\)$/)
    await page.waitForSelector('#segments [data-segment] li')
    expect(await page.locator('#segments [data-segment]').count()).toBe(6)
    for (let s = 0; s < 6; s++) expect(await page.locator(`#segments [data-segment="${s}"] li`).count()).toBe(10)
    expect(await page.locator('#segments [data-segment="0"] h3').innerText()).toMatch(/^Segment 1 \d+ users$/)
    if (process.env.RECFORGE_SCREENSHOTS === '1') await page.locator('#explore').screenshot({ path: path.join(shotsDir, 'screenshot-map.png') })
  }, 60_000)

  it('answers the routes with clear errors', async () => {
    const pop = await fetch(new URL('/explore/map?model=pop', url))
    expect(pop.status).toBe(400)
    expect((await pop.json()).message).toMatch(/model "pop" has no item vectors/)
    const bad = await fetch(new URL('/explore/map?clusters=0', url))
    expect(bad.status).toBe(400)
    expect((await bad.json()).message).toMatch(/clusters must be an integer in 1\.\.50; got "0"/)
    const seg = await fetch(new URL('/explore/segments?segments=3', url))
    expect(seg.status).toBe(200)
    const body = await seg.json()
    expect(body.segments.map((g: { size: number }) => g.size).reduce((a: number, b: number) => a + b, 0)).toBe(body.users)
  }, 30_000)
})
