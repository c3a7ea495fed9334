import autocannon from 'autocannon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { itemCounts } from '@recforge/core'
import { prepareSplits, type PreparedSplits } from '../evaluate'
import { createRegistry } from '../models'
import { retrainService } from '../serve'
import { createServer } from '../server'
import { RecService, stableHash, type ServedModel } from '../service'

const registry = createRegistry()
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
  app = createServer({ service, apiKey: 'secret-key', retrain: async () => void (await retrainService(service, registry, 1)) })
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

  it('POST /users cold-starts a new user from likes', async () => {
    const r = await app.inject({ method: 'POST', url: '/users', payload: { id: 'brand-new', likes: [firstItem()] } })
    expect(r.statusCode).toBe(201)
    const rec = r.json().recommendations
    expect(rec.items.length).toBe(10)
    expect(rec.items.map((x: { id: string }) => x.id)).not.toContain(firstItem())
    const again = await app.inject({ method: 'POST', url: '/users', payload: { id: 'brand-new' } })
    expect(again.statusCode).toBe(200)
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
    const ok = await app.inject({ method: 'POST', url: '/admin/retrain', headers: { 'x-api-key': 'secret-key' } })
    expect(ok.statusCode, ok.body).toBe(200)
    // the new user from the cold-start test is now part of the training data
    expect((await app.inject('/recommendations/brand-new?k=3&model=itemknn')).json().strategy).toBe('model')
    const noKey = createServer({ service })
    expect((await noKey.inject({ method: 'POST', url: '/admin/reload' })).statusCode).toBe(403)
  }, 60_000)

  it('serves the web page', async () => {
    const r = await app.inject('/')
    expect(r.statusCode).toBe(200)
    expect(r.headers['content-type']).toMatch(/text\/html/)
    expect(r.body).toContain('Recommendations by model')
  })
})

describe('feedback under concurrent load', () => {
  it('counts every event sent by 50 concurrent connections', async () => {
    const srv = createServer({ service })
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
