import { existsSync, mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { prepareSplits } from '../evaluate'
import { createRegistry } from '../models'
import { startServing } from '../serve'
import type { ServedModel } from '../service'

/** Debian's Chromium (see scripts/ensure-chromium.mjs); RECFORGE_CHROMIUM overrides the path. */
const executablePath = process.env.RECFORGE_CHROMIUM ?? '/usr/bin/chromium'
const skip = process.env.RECFORGE_SKIP_BROWSER === '1'
const shotsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs')

describe.skipIf(skip)('web page in Chromium', () => {
  let browser: Browser
  let url: string
  let close: () => Promise<void>

  beforeAll(async () => {
    if (!existsSync(executablePath)) {
      throw new Error(`Chromium not found at ${executablePath}: run \`node scripts/ensure-chromium.mjs\` (installs Debian's chromium as root), set RECFORGE_CHROMIUM, or RECFORGE_SKIP_BROWSER=1 to skip this test`)
    }
    const registry = createRegistry()
    const prepared = await prepareSplits({ data: 'builtin', model: 'pop', protocol: 'holdout-full', seed: 42 })
    const models: ServedModel[] = []
    for (const name of ['itemknn', 'pop']) {
      const { model, params } = registry.create(name)
      await model.fit(prepared.splits[0]!.train, { seed: 42 })
      models.push({ name, model, params, trainedAt: new Date().toISOString() })
    }
    const rows = models.map((m, i) => ({ model: m.name, metrics: { 'ndcg@10': 0.1 + 0.05 * i, 'recall@10': 0.2 - 0.05 * i }, timing: { fitSeconds: 1, evalSeconds: 0.5 } }))
    const started = await startServing({
      registry,
      data: prepared.splits[0]!.train,
      ...(prepared.itemInfo ? { itemInfo: prepared.itemInfo } : {}),
      models,
      port: 0,
      report: { dataset: prepared.dataset, protocol: 'holdout-full', rows, curves: { itemknn: [{ epoch: 1, loss: 0.9 }, { epoch: 2, loss: 0.6 }, { epoch: 3, loss: 0.5 }] } },
    })
    url = started.url
    close = started.close
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await close?.()
  })

  it('shows a user history and each model side by side with explanations', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(url)
    await page.fill('#user', '1')
    await page.click('#show')
    await page.waitForSelector('[data-model="itemknn"] li')
    expect(await page.locator('[data-model="itemknn"] li').count()).toBe(10)
    expect(await page.locator('[data-model="pop"] li').count()).toBe(10)
    expect(await page.locator('#history').innerText()).toMatch(/Toy Story|Grumpier Old Men|Heat/)
    expect(await page.locator('[data-model="itemknn"] .why').first().innerText()).toMatch(/^because you liked /)
    await page.waitForSelector('#comparison')
    expect(await page.locator('#comparison tbody tr').count()).toBe(2)
    expect(await page.locator('#charts svg').count()).toBeGreaterThan(0)
    expect(await page.locator('#curves svg').count()).toBe(1)
    if (process.env.RECFORGE_SCREENSHOTS === '1') {
      mkdirSync(shotsDir, { recursive: true })
      await page.screenshot({ path: path.join(shotsDir, 'screenshot-recommendations.png'), fullPage: true })
    }
  }, 60_000)

  it('cold-starts a new user from typed titles', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    await page.goto(url)
    await page.fill('#likes-text', 'Toy Story, Lion King, Aladdin')
    await page.click('#coldstart')
    await page.waitForSelector('#cold-result li')
    expect(await page.locator('#cold-result').innerText()).toMatch(/Created new-\w+ with 3 likes/)
    expect(await page.locator('#cold-result li').count()).toBe(10)
    await page.waitForSelector('[data-model="itemknn"] li')
    expect(await page.locator('#history').innerText()).toMatch(/Toy Story/)
    if (process.env.RECFORGE_SCREENSHOTS === '1') await page.screenshot({ path: path.join(shotsDir, 'screenshot-cold-start.png'), fullPage: true })
  }, 60_000)
})
