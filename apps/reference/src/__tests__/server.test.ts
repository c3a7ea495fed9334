import autocannon from 'autocannon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { itemCounts } from '@recforge/core'
import { prepareSplits, type PreparedSplits } from '../evaluate'
import { createPolicy } from '@recforge/rl'
import { startServing } from '../serve'
import { createServer } from '../server'
import { RecService, stableHash, type ServedModel } from '../service'
import { testRegistry } from './helpers'

const registry = testRegistry()
let prepared: PreparedSplits
let service: RecService
let app: FastifyInstance

async function fitServed(names: string[]): Promise<ServedModel[]> {
  const train = prepared.splits[0]!.train
  const out: ServedModel[] = []
  for (const name of names) {
    const { model, params } = registry.create(name)
    await model.fit(train, { seed: 1 })
    out.push({ name, model, params, trainedAt: new Date().toISOString() })
  }
  return out
}

beforeAll(async () => {
  prepared = await prepareSplits({ data: 'synthetic:small', model: 'pop', protocol: 'holdout-full', seed: 1 })
  service = new RecService({ data: prepared.splits[0]!.train, ...(prepared.itemInfo ? { itemInfo: prepared.itemInfo } : {}), models: await fitServed(['itemknn', 'pop']), ab: { a: 'itemknn', b: 'pop' } })
  app = createServer({ service, apiKey: 'secret-key' })
  await app.ready()
}, 120_000)
afterAll(async () => {
  await app.close()
})

const firstUser = () => prepared.splits[0]!.train.users.id(0)
const firstItem = () => prepared.splits[0]!.train.items.id(0)

describe('HTTP API contract', () => {
  it('GET /health and /models', async () => {
    const h = await app.inject('/health')
    expect(h.statusCode).toBe(200)
    expect(h.json()).toMatchObject({ status: 'ok', models: ['itemknn', 'pop'] })
    const m = await app.inject('/models')
    expect(m.json().default).toBe('itemknn')
  })

  it('GET /recommendations/:user returns k unseen items with explanations, by model', async () => {
    const u = firstUser()
    const r = await app.inject(`/recommendations/${u}?k=5&model=itemknn`)
    expect(r.statusCode).toBe(200)
    const body = r.json()
    expect(body.items).toHaveLength(5)
    expect(body.strategy).toBe('model')
    const seen = new Set(service.history(u).items.map((i) => prepared.splits[0]!.train.items.id(i)))
    for (const it of body.items) {
      expect(seen.has(it.id)).toBe(false)
      expect(it.because?.id).toBeDefined()
    }
    // popularity ranks the same for everyone: its items say how popular they are, not "because you liked"
    const pop = (await app.inject(`/recommendations/${u}?k=3&model=pop`)).json().items
    expect(pop).toHaveLength(3)
    const counts = itemCounts(prepared.splits[0]!.train)
    for (const it of pop) {
      expect(it.because).toBeUndefined()
      expect(it.popularity).toBe(counts[prepared.splits[0]!.train.items.index(it.id)!])
    }
    expect(pop[0].popularity).toBeGreaterThanOrEqual(pop[2].popularity)
  })

  it('answers 4xx with a reason for bad requests, never 500', async () => {
    const bad: [string, number, RegExp][] = [
      ['/recommendations/nobody-here', 404, /unknown user/],
      [`/recommendations/${firstUser()}?k=0`, 400, /k/],
      [`/recommendations/${firstUser()}?k=abc`, 400, /k/],
      [`/recommendations/${firstUser()}?model=nosuch`, 404, /unknown model/],
      ['/similar/not-an-item', 404, /unknown item/],
      ['/no/such/route', 404, /no route/],
    ]
    for (const [url, code, re] of bad) {
      const r = await app.inject(url)
      expect(r.statusCode, url).toBe(code)
      expect(r.json().message).toMatch(re)
    }
    const posts: [string, unknown, number][] = [
      ['/feedback', { user: 'x' }, 400],
      ['/feedback', { user: 'x', item: firstItem(), value: 'high' }, 400],
      ['/feedback', { user: 'x', item: 'no-such-item' }, 404],
      ['/feedback', { events: [] }, 400],
      ['/users', { likes: [firstItem()] }, 400],
      ['/users', { id: 'z', likes: ['no-such-item'] }, 404],
    ]
    for (const [url, body, code] of posts) {
      const r = await app.inject({ method: 'POST', url, payload: body as object })
      expect(r.statusCode, JSON.stringify(body)).toBe(code)
      expect(typeof r.json().message).toBe('string')
    }
    const malformed = await app.inject({ method: 'POST', url: '/feedback', payload: '{"user": ', headers: { 'content-type': 'application/json' } })
    expect(malformed.statusCode).toBe(400)
  })

  it('GET /similar/:item lists other items', async () => {
    const r = await app.inject(`/similar/${firstItem()}?k=4&model=itemknn`)
    expect(r.statusCode).toBe(200)
    expect(r.json().items).toHaveLength(4)
    expect(r.json().items.map((x: { id: string }) => x.id)).not.toContain(firstItem())
  })

  it('POST /feedback records events and removes them from later recommendations', async () => {
    const u = firstUser()
    const before = (await app.inject(`/recommendations/${u}?k=3&model=itemknn`)).json().items.map((x: { id: string }) => x.id)
    const r = await app.inject({ method: 'POST', url: '/feedback', payload: { user: u, item: before[0], event: 'buy' } })
    expect(r.statusCode).toBe(202)
    expect(r.json().accepted).toBe(1)
    const after = (await app.inject(`/recommendations/${u}?k=3&model=itemknn`)).json().items.map((x: { id: string }) => x.id)
    expect(after).not.toContain(before[0])
  })

  it('POST /users cold-starts a new user from likes, once', async () => {
    const r = await app.inject({ method: 'POST', url: '/users', payload: { id: 'brand-new', likes: [firstItem()] } })
    expect(r.statusCode).toBe(201)
    const rec = r.json().recommendations
    expect(rec.items.length).toBe(10)
    expect(rec.items.map((x: { id: string }) => x.id)).not.toContain(firstItem())
    // an existing id is refused and its history stays as it was
    const again = await app.inject({ method: 'POST', url: '/users', payload: { id: 'brand-new', likes: [prepared.splits[0]!.train.items.id(1)] } })
    expect(again.statusCode).toBe(409)
    expect(again.json()).toMatchObject({ error: 'INVALID_ARGUMENT', field: 'body.id' })
    expect(service.history('brand-new').items).toEqual([0])
    const known = await app.inject({ method: 'POST', url: '/users', payload: { id: firstUser(), likes: [firstItem()] } })
    expect(known.statusCode).toBe(409)
  })

  it('A/B mode splits users by a stable hash and counts clicks per arm', async () => {
    const users = prepared.splits[0]!.train.users.ids().slice(0, 20)
    const before = (await app.inject('/metrics')).json().ab
    for (const u of users) {
      const r = (await app.inject(`/recommendations/${u}?k=5`)).json()
      expect(r.arm).toBe(stableHash(u) % 2 === 0 ? 'a' : 'b')
      expect(r.model).toBe(r.arm === 'a' ? 'itemknn' : 'pop')
      await app.inject({ method: 'POST', url: '/feedback', payload: { user: u, item: r.items[0].id, event: 'click' } })
    }
    const ab = (await app.inject('/metrics')).json().ab
    expect(ab.a.impressions + ab.b.impressions - before.a.impressions - before.b.impressions).toBe(20)
    expect(ab.a.clicks + ab.b.clicks - before.a.clicks - before.b.clicks).toBe(20)
    expect(ab.a.ctr).toBeCloseTo(ab.a.clicks / ab.a.impressions, 10)
  })

  it('admin routes need the API key', async () => {
    expect((await app.inject({ method: 'POST', url: '/admin/retrain' })).statusCode).toBe(401)
    expect((await app.inject({ method: 'POST', url: '/admin/retrain', headers: { 'x-api-key': 'wrong-key!' } })).statusCode).toBe(401)
    // without a model folder there is nothing to retrain into
    expect((await app.inject({ method: 'POST', url: '/admin/retrain', headers: { 'x-api-key': 'secret-key' } })).statusCode).toBe(501)
    const noKey = createServer({ service })
    expect((await noKey.inject({ method: 'POST', url: '/admin/reload' })).statusCode).toBe(403)
  })

  it('serves the web page', async () => {
    const r = await app.inject('/')
    expect(r.statusCode).toBe(200)
    expect(r.headers['content-type']).toMatch(/text\/html/)
    expect(r.body).toContain('Recommendations by model')
  })
})

describe('bandit served beside the models', () => {
  let bService: RecService
  let bApp: FastifyInstance
  beforeAll(async () => {
    bService = new RecService({
      data: prepared.splits[0]!.train,
      models: await fitServed(['itemknn', 'pop']),
      bandit: { policy: createPolicy('thompson', { seed: 3 }), candidates: 30 },
    })
    bApp = createServer({ service: bService, apiKey: 'secret-key' })
    await bApp.ready()
  }, 120_000)
  afterAll(async () => {
    await bApp.close()
  })

  it('is listed as a model and picks k distinct unseen items among the base model top candidates', async () => {
    const models = (await bApp.inject('/models')).json().models
    expect(models.map((m: { name: string }) => m.name)).toEqual(['itemknn', 'pop', 'bandit'])
    expect(models[2]).toMatchObject({ bandit: { policy: 'thompson', base: 'itemknn' }, incremental: true })
    const u = firstUser()
    const base = new Set((await bApp.inject(`/recommendations/${u}?k=30&model=itemknn`)).json().items.map((x: { id: string }) => x.id))
    const r = await bApp.inject(`/recommendations/${u}?k=8&model=bandit`)
    expect(r.statusCode, r.body).toBe(200)
    const body = r.json()
    expect(body.model).toBe('bandit')
    const ids = body.items.map((x: { id: string }) => x.id)
    expect(ids).toHaveLength(8)
    expect(new Set(ids).size).toBe(8)
    for (const id of ids) expect(base.has(id)).toBe(true)
    // explanations come from the base model
    expect(body.items[0].because?.id).toBeDefined()
  })

  it('learns from feedback: reward 1 on a clicked item, 0 for the rest of the list at the next request', async () => {
    const u = prepared.splits[0]!.train.users.id(1)
    const first = (await bApp.inject(`/recommendations/${u}?k=5&model=bandit`)).json().items
    const before = (await bApp.inject('/metrics')).json().bandit
    await bApp.inject({ method: 'POST', url: '/feedback', payload: { user: u, item: first[2].id, event: 'click' } })
    const mid = (await bApp.inject('/metrics')).json().bandit
    expect(mid.clicks - before.clicks).toBe(1)
    expect(mid.updates - before.updates).toBe(1)
    // a second click on the same item is feedback, but no longer a reward for that list
    await bApp.inject({ method: 'POST', url: '/feedback', payload: { user: u, item: first[2].id, event: 'click' } })
    expect((await bApp.inject('/metrics')).json().bandit.updates).toBe(mid.updates)
    await bApp.inject(`/recommendations/${u}?k=5&model=bandit`)
    const after = (await bApp.inject('/metrics')).json().bandit
    expect(after.updates - mid.updates).toBe(4)
    expect(after.impressions - before.impressions).toBe(5)
    expect(after.ctr).toBeCloseTo(after.clicks / after.impressions, 10)
  })

  it('shows an item that users keep clicking more and more often', async () => {
    // over popularity's candidates, which are the same for everyone (less what each has seen)
    const train = prepared.splits[0]!.train
    const svc = new RecService({ data: train, models: await fitServed(['pop']), bandit: { policy: createPolicy('thompson', { seed: 5 }), candidates: 30 } })
    // the 21st most popular item: in the 30 candidates of every user who has not seen it
    const counts = itemCounts(train)
    const t = Array.from(counts.keys()).sort((x, y) => counts[y]! - counts[x]! || x - y)[20]!
    const target = train.items.id(t)
    const users = train.users.ids().filter((_, u) => !svc.history(train.users.id(u)).items.includes(t))
    // each user gets one list (a clicked item joins their history and is not shown again); as the
    // target's clicks pile up, later users see it more often
    const shownTo: number[] = []
    for (const u of users) {
      const ids = svc.recommend(u, { k: 5, model: 'bandit', explain: false }).items.map((x) => x.id)
      if (ids.includes(target)) await svc.feedback([{ user: u, item: target, event: 'click' }])
      shownTo.push(ids.includes(target) ? 1 : 0)
    }
    const third = Math.floor(users.length / 3)
    const share = (xs: number[]) => xs.reduce((x: number, y) => x + y, 0) / xs.length
    expect(users.length).toBeGreaterThanOrEqual(60)
    // before any click it is one of 30 candidates for 5 places (1 in 6); after, nearly always shown
    expect(share(shownTo.slice(0, 10))).toBeLessThanOrEqual(0.3)
    expect(share(shownTo.slice(-third))).toBeGreaterThan(0.9)
    expect(svc.stats().bandit!.clicks).toBe(shownTo.reduce((x, y) => x + y, 0))
  }, 60_000)

  it('reports a bandit named like a model', () => {
    expect(() => new RecService({ data: prepared.splits[0]!.train, models: bService.modelNames().map((n) => bService.model(n)), bandit: { name: 'pop', policy: createPolicy('random') } })).toThrow(/already a model/)
  })

  it('keeps what the bandit learned across a restart (and sets a corrupt file aside, naming it)', async () => {
    const { mkdtemp, readdir, rm, writeFile } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const dir = await mkdtemp(join(tmpdir(), 'recforge-bandit-'))
    const file = join(dir, 'bandit.rfa')
    const logs: string[] = []
    const start = async () => startServing({ registry, data: prepared.splits[0]!.train, models: await fitServed(['pop']), port: 0, banditStateFile: file, log: (m) => logs.push(m) })
    try {
      const first = await start()
      const u = firstUser()
      const list = (await (await fetch(`${first.url}recommendations/${u}?k=5&model=bandit`)).json()) as { items: { id: string }[] }
      await fetch(`${first.url}feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user: u, item: list.items[1]!.id, event: 'click' }) })
      const learned = first.service.banditState()!
      await first.close()
      const second = await start()
      try {
        expect(logs.some((l) => l.startsWith('bandit: restored thompson'))).toBe(true)
        const m = (await (await fetch(`${second.url}metrics`)).json()) as { bandit: { clicks: number; updates: number; impressions: number } }
        expect(m.bandit).toMatchObject({ clicks: 1, updates: 1, impressions: 5 })
        const again = second.service.banditState()!
        for (const k of Object.keys(learned.tensors)) expect(Array.from(again.tensors[k]!)).toEqual(Array.from(learned.tensors[k]!))
      } finally {
        await second.close()
      }
      await writeFile(file, 'not a bandit state')
      const third = await start()
      try {
        const line = logs.find((l) => l.startsWith(`bandit: not restoring ${file}`))
        expect(line).toMatch(/moved it to .*bandit\.rfa\.corrupt-/)
        expect(third.service.stats().bandit!.updates).toBe(0)
        expect((await readdir(dir)).filter((f) => f.startsWith('bandit.rfa.corrupt-'))).toHaveLength(1)
      } finally {
        await third.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  }, 60_000)

  it('startServing builds linear policies on vectors fitted from the served data', async () => {
    const started = await startServing({ registry, data: prepared.splits[0]!.train, models: await fitServed(['pop']), port: 0, bandit: 'linucb' })
    try {
      const r = await fetch(`${started.url}recommendations/${firstUser()}?k=4&model=bandit`)
      expect(r.status).toBe(200)
      expect(((await r.json()) as { items: unknown[] }).items).toHaveLength(4)
      const m = (await (await fetch(`${started.url}models`)).json()) as { models: { name: string; bandit?: { policy: string } }[] }
      expect(m.models.find((x) => x.name === 'bandit')?.bandit?.policy).toBe('linucb')
    } finally {
      await started.close()
    }
  }, 60_000)
})

describe('feedback under concurrent load', () => {
  it('counts every event sent by 50 concurrent connections', async () => {
    const srv = createServer({ service, security: { writesPerMinute: 0 } })
    await srv.listen({ host: '127.0.0.1', port: 0 })
    const port = (srv.server.address() as { port: number }).port
    const user = 'load-test-user'
    const before = service.stats().feedbackEvents
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/feedback`,
      method: 'POST',
      connections: 50,
      amount: 2000,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ user, item: firstItem(), event: 'view' }),
    })
    await srv.close()
    const ok = result['2xx']
    expect(result.non2xx).toBe(0)
    expect(result.errors).toBe(0)
    expect(ok).toBe(2000)
    expect(service.stats().feedbackEvents - before).toBe(2000)
    expect(service.history(user).items.length).toBe(2000)
  }, 60_000)
})
