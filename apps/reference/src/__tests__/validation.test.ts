import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FastifyInstance } from 'fastify'
import { prepareSplits, type PreparedSplits } from '../evaluate'
import { createServer } from '../server'
import { RecService, type ServedModel } from '../service'
import { testRegistry } from './helpers'

const registry = testRegistry()
let prepared: PreparedSplits
let models: ServedModel[]

beforeAll(async () => {
  prepared = await prepareSplits({ data: 'synthetic:small', model: 'pop', protocol: 'holdout-full', seed: 1 })
  models = []
  for (const name of ['pop', 'itemknn']) {
    const { model, params } = registry.create(name)
    await model.fit(prepared.splits[0]!.train, { seed: 1 })
    models.push({ name, model, params, trainedAt: new Date().toISOString() })
  }
}, 60_000)

const train = () => prepared.splits[0]!.train
const newService = () => new RecService({ data: train(), models })
const post = (app: FastifyInstance, url: string, payload: unknown, headers: Record<string, string> = {}) => app.inject({ method: 'POST', url, payload: payload as object, headers })

describe('feedback values and batches', () => {
  let service: RecService
  let app: FastifyInstance
  beforeAll(async () => {
    service = newService()
    app = createServer({ service })
    await app.ready()
  })
  afterAll(() => app.close())

  it('refuses values that are not finite in float32, naming the field', async () => {
    const user = train().users.id(3)
    const before = service.history(user).items.length
    const r = await post(app, '/feedback', { user, item: train().items.id(2), value: 1e308 })
    expect(r.statusCode).toBe(400)
    expect(r.json()).toMatchObject({ error: 'INVALID_ARGUMENT', field: 'body.value' })
    expect(r.json().message).toMatch(/body\.value/)
    expect(service.history(user).items.length).toBe(before)
    // recommendations for the user still work
    expect((await app.inject(`/recommendations/${user}?model=itemknn`)).statusCode).toBe(200)
  })

  it('applies a batch with a bad event not at all', async () => {
    const user = train().users.id(4)
    const item = train().items.id(5)
    const before = service.history(user).items.length
    const eventsBefore = service.stats().feedbackEvents
    const r = await post(app, '/feedback', { events: [{ user, item, value: 1 }, { user, item, value: 1e308 }, { user, item, value: 2 }] })
    expect(r.statusCode).toBe(400)
    expect(r.json().field).toBe('body.events.1.value')
    expect(service.history(user).items.length).toBe(before)
    expect(service.stats().feedbackEvents).toBe(eventsBefore)
  })

  it('refuses values outside the configured range', async () => {
    const svc = new RecService({ data: train(), models, valueRange: { min: 0, max: 5 } })
    const a = createServer({ service: svc })
    const user = train().users.id(0)
    const item = train().items.id(0)
    expect((await post(a, '/feedback', { user, item, value: 5 })).statusCode).toBe(202)
    const r = await post(a, '/feedback', { user, item, value: 6 })
    expect(r.statusCode).toBe(400)
    expect(r.json().message).toMatch(/body\.value: expected a number in 0\.\.5/)
    expect((await post(app, '/feedback', { user, item, value: 1000 })).statusCode).toBe(400)
    await a.close()
  })
})

describe('ids and field names', () => {
  let app: FastifyInstance
  beforeAll(async () => {
    app = createServer({ service: newService() })
    await app.ready()
  })
  afterAll(() => app.close())

  it('has one id length limit for reads and writes, answered in the RecForgeError shape', async () => {
    const item = train().items.id(0)
    const ok = 'u'.repeat(200)
    const tooLong = 'u'.repeat(201)
    expect((await post(app, '/feedback', { user: ok, item })).statusCode).toBe(202)
    const read = await app.inject(`/users/${ok}/history`)
    expect(read.statusCode, read.body).toBe(200)
    expect(read.json().items).toHaveLength(1)
    expect((await app.inject(`/recommendations/${ok}`)).statusCode).toBe(200)
    const w = await post(app, '/feedback', { user: tooLong, item })
    expect(w.statusCode).toBe(400)
    expect(w.json()).toMatchObject({ error: 'INVALID_ARGUMENT', field: 'body.user' })
    for (const url of [`/recommendations/${tooLong}`, `/users/${tooLong}/history`, `/similar/${tooLong}`]) {
      const r = await app.inject(url)
      expect(r.statusCode, url).toBe(400)
      expect(r.json(), url).toMatchObject({ error: 'INVALID_ARGUMENT', field: 'path.id' })
    }
    // far too long for the router: still the same body shape
    const huge = await app.inject(`/recommendations/${'x'.repeat(5000)}`)
    expect(huge.statusCode).toBe(414)
    expect(huge.json()).toEqual({ error: 'INVALID_ARGUMENT', message: 'path: an id is longer than 200 characters', field: 'path' })
    const badUrl = await app.inject('/recommendations/%E0%A4%A')
    expect(badUrl.statusCode).toBe(400)
    expect(badUrl.json()).toMatchObject({ error: 'INVALID_ARGUMENT', field: 'path' })
  })

  it('refuses ids and text the log could not store as sent (NUL, lone surrogates), naming the field', async () => {
    const item = train().items.id(0)
    const cases: [string, unknown, string][] = [
      ['/feedback', { user: 'a\0b', item }, 'body.user'],
      ['/feedback', { user: 'ok', item: '\uD800x' }, 'body.item'],
      ['/feedback', { events: [{ user: 'ok', item }, { user: 'x\uDC00', item }] }, 'body.events.1.user'],
      ['/users', { id: 'n1', text: 'likes \0 films' }, 'body.text'],
      ['/users', { id: 'n2', likes: [item, 'a\0'] }, 'body.likes.1'],
    ]
    for (const [url, payload, field] of cases) {
      const r = await post(app, url, payload)
      expect(r.statusCode, JSON.stringify(payload)).toBe(400)
      expect(r.json(), JSON.stringify(payload)).toMatchObject({ error: 'INVALID_ARGUMENT', field })
    }
    // quotes, backslashes and paired surrogates are fine
    expect((await post(app, '/feedback', { user: "o'brien \\ 🎬", item })).statusCode).toBe(202)
  })

  it('names the field of every validation error, also for the framework’s own', async () => {
    const cases: [unknown, string][] = [
      [{ user: 'x' }, 'body.item'],
      [{ user: 'x', item: 'y', value: 'high' }, 'body.value'],
      [{ user: 'x', item: 'y', event: 'stare' }, 'body.event'],
      [{ user: 'x', item: 'y', extra: 1 }, 'body'],
      [{ events: [{ user: 'x', item: 'y' }, { user: 'x' }] }, 'body.events.1.item'],
      [{ events: [] }, 'body.events'],
    ]
    for (const [payload, field] of cases) {
      const r = await post(app, '/feedback', payload)
      expect(r.statusCode, JSON.stringify(payload)).toBe(400)
      expect(r.json().field, JSON.stringify(payload)).toBe(field)
      expect(r.json().message).toContain(field)
      expect(r.json().message).not.toMatch(/^invalid body: body: Invalid input$/)
    }
    const users = await post(app, '/users', { id: 'n', likes: ['ok', 5] })
    expect(users.json().field).toBe('body.likes.1')
    const q = await app.inject(`/recommendations/${train().users.id(0)}?k=abc`)
    expect(q.json()).toMatchObject({ error: 'INVALID_ARGUMENT', field: 'query.k' })
    const json = await app.inject({ method: 'POST', url: '/feedback', payload: '{"user": ', headers: { 'content-type': 'application/json' } })
    expect(json.statusCode).toBe(400)
    expect(json.json()).toMatchObject({ error: 'PARSE_ERROR', field: 'body' })
    const type = await app.inject({ method: 'POST', url: '/feedback', payload: 'user=x', headers: { 'content-type': 'text/csv' } })
    expect(type.statusCode).toBe(415)
    expect(type.json()).toMatchObject({ error: 'INVALID_ARGUMENT', field: 'headers.content-type' })
  })
})

describe('writes that can be trusted', () => {
  it('needs the write key on write routes when one is set (the admin key works too)', async () => {
    const app = createServer({ service: newService(), apiKey: 'admin-key', security: { writeKey: 'write-key' } })
    const body = { user: 'w1', item: train().items.id(0) }
    const none = await post(app, '/feedback', body)
    expect(none.statusCode).toBe(401)
    expect(none.json()).toMatchObject({ error: 'UNAUTHORIZED', field: 'headers.x-api-key' })
    expect((await post(app, '/feedback', body, { 'x-api-key': 'wrong' })).statusCode).toBe(401)
    expect((await post(app, '/users', { id: 'w2' })).statusCode).toBe(401)
    expect((await post(app, '/feedback', body, { 'x-api-key': 'write-key' })).statusCode).toBe(202)
    expect((await post(app, '/users', { id: 'w2' }, { 'x-api-key': 'admin-key' })).statusCode).toBe(201)
    // reads need no key
    expect((await app.inject('/recommendations/w1')).statusCode).toBe(200)
    await app.close()
  })

  it('limits requests per client with 429', async () => {
    const app = createServer({ service: newService(), security: { writesPerMinute: 3, readsPerMinute: 5 } })
    const body = { user: 'r1', item: train().items.id(0) }
    const codes: number[] = []
    for (let j = 0; j < 5; j++) codes.push((await post(app, '/feedback', body)).statusCode)
    expect(codes).toEqual([202, 202, 202, 429, 429])
    const limited = await post(app, '/feedback', body)
    expect(limited.json()).toMatchObject({ error: 'RATE_LIMITED' })
    // another client is not limited by the first one's writes
    expect((await app.inject({ method: 'POST', url: '/feedback', payload: body, remoteAddress: '10.0.0.9' })).statusCode).toBe(202)
    const reads: number[] = []
    for (let j = 0; j < 6; j++) reads.push((await app.inject('/health')).statusCode)
    expect(reads).toEqual([200, 200, 200, 200, 200, 429])
    await app.close()
  })

  it('sets security headers, keeps CORS off unless configured, and answers only allowed hosts', async () => {
    const app = createServer({ service: newService() })
    const page = await app.inject('/')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect(page.headers['x-frame-options']).toBe('SAMEORIGIN')
    expect(String(page.headers['content-security-policy'])).toMatch(/script-src 'self' 'sha256-/)
    const cross = await app.inject({ url: '/health', headers: { origin: 'https://elsewhere.example' } })
    expect(cross.headers['access-control-allow-origin']).toBeUndefined()
    await app.close()
    const open = createServer({ service: newService(), security: { corsOrigins: ['https://shop.example'], allowedHosts: ['recs.example', 'localhost'] } })
    const allowed = await open.inject({ url: '/health', headers: { origin: 'https://shop.example', host: 'recs.example:8080' } })
    expect(allowed.statusCode).toBe(200)
    expect(allowed.headers['access-control-allow-origin']).toBe('https://shop.example')
    const badHost = await open.inject({ url: '/health', headers: { host: 'evil.example' } })
    expect(badHost.statusCode).toBe(403)
    expect(badHost.json()).toMatchObject({ error: 'FORBIDDEN', field: 'headers.host' })
    await open.close()
  })
})
