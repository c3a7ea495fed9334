import { timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import { z } from 'zod'
import { isRecForgeError, RecForgeError, type RecForgeErrorCode } from '@recforge/core'
import { EVENT_WEIGHTS, type RecService } from './service'
import { renderPage } from './page'
import { VERSION } from './version'

/** What the page and `GET /metrics` show besides live counters: the comparison from the last evaluation. */
export interface ReportData {
  dataset: string
  protocol: string
  rows: readonly { model: string; metrics: Record<string, number>; timing: { fitSeconds: number; evalSeconds: number } }[]
  /** Per-model training curves (loss or metric per epoch). */
  curves?: Record<string, { epoch: number; [metric: string]: number }[]>
}

export interface ServerOptions {
  service: RecService
  /** API key for admin routes; without one they answer 403. Defaults to `RECFORGE_API_KEY`. */
  apiKey?: string
  /** Retrains every served model on training data plus feedback (admin route). */
  retrain?: () => Promise<void>
  /** Reloads the saved models from disk (admin route). */
  reload?: () => Promise<void>
  report?: ReportData
  /** Fastify logging. Defaults to `false`. */
  logger?: boolean
}

const STATUS: Partial<Record<RecForgeErrorCode, number>> = {
  INVALID_ARGUMENT: 400,
  PARSE_ERROR: 400,
  DIMENSION_MISMATCH: 400,
  EMPTY_INPUT: 400,
  UNKNOWN_ID: 404,
  NOT_FITTED: 503,
  ABORTED: 503,
}

const kParam = z.coerce.number().int().min(1).max(1000).optional()
const RecQuery = z.object({ k: kParam, model: z.string().min(1).optional(), explain: z.enum(['true', 'false']).optional() })
const SimilarQuery = z.object({ k: kParam, model: z.string().min(1).optional() })
const IdParams = z.object({ id: z.string().min(1).max(200) })
const Event = z
  .object({
    user: z.string().min(1).max(200),
    item: z.string().min(1).max(200),
    value: z.number().finite().optional(),
    event: z.enum(Object.keys(EVENT_WEIGHTS) as [keyof typeof EVENT_WEIGHTS, ...(keyof typeof EVENT_WEIGHTS)[]]).optional(),
    timestamp: z.number().finite().optional(),
  })
  .strict()
const FeedbackBody = z.union([Event, z.object({ events: z.array(Event).min(1).max(10_000) }).strict()])
const UserBody = z
  .object({
    id: z.string().min(1).max(200),
    likes: z.array(z.string().min(1).max(200)).max(1000).optional(),
    text: z.string().max(10_000).optional(),
  })
  .strict()

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value)
  if (!r.success) {
    const reasons = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : where}: ${i.message}`).join('; ')
    throw new RecForgeError('INVALID_ARGUMENT', `invalid ${where}: ${reasons}`)
  }
  return r.data
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/**
 * The HTTP API: recommendations, similar items, feedback, cold-start users, models, metrics,
 * health, admin routes behind an API key, and the web page at `/`. Every error is a JSON
 * answer with a status and a reason; no input can crash the process.
 */
export function createServer(opts: ServerOptions): FastifyInstance {
  const { service } = opts
  const apiKey = opts.apiKey ?? process.env.RECFORGE_API_KEY
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 5 * 1024 * 1024 })

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (isRecForgeError(err)) return reply.status(STATUS[err.code] ?? 500).send({ error: err.code, message: err.message })
    const e = err as { statusCode?: number; message?: string; code?: string }
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) return reply.status(e.statusCode).send({ error: e.code ?? 'BAD_REQUEST', message: e.message })
    app.log.error(err)
    return reply.status(500).send({ error: 'INTERNAL', message: 'internal error; the server keeps running' })
  })
  app.setNotFoundHandler((req, reply) => reply.status(404).send({ error: 'NOT_FOUND', message: `no route ${req.method} ${req.url}` }))

  const requireAdmin = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!apiKey) {
      void reply.status(403).send({ error: 'FORBIDDEN', message: 'admin routes are disabled: start the server with RECFORGE_API_KEY set' })
      return false
    }
    const given = req.headers['x-api-key']
    if (typeof given !== 'string' || !sameKey(given, apiKey)) {
      void reply.status(401).send({ error: 'UNAUTHORIZED', message: 'missing or wrong x-api-key header' })
      return false
    }
    return true
  }

  app.get('/health', async () => ({ status: 'ok', version: VERSION, models: service.listModels().map((m) => m.name) }))
  app.get('/models', async () => ({ default: service.defaultModel, models: service.listModels() }))
  app.get('/metrics', async () => ({ ...service.stats(), ...(opts.report ? { evaluation: opts.report } : {}) }))

  app.get('/recommendations/:id', async (req) => {
    const { id } = parse(IdParams, req.params, 'path')
    const q = parse(RecQuery, req.query, 'query')
    return service.recommend(id, { ...(q.k ? { k: q.k } : {}), ...(q.model ? { model: q.model } : {}), explain: q.explain !== 'false' })
  })

  app.get('/users/:id/history', async (req) => {
    const { id } = parse(IdParams, req.params, 'path')
    return { user: id, items: service.historyItems(id) }
  })

  app.get('/users', async (req) => {
    const q = parse(z.object({ q: z.string().max(200).optional(), limit: kParam }), req.query, 'query')
    const ids = service.users.ids()
    const needle = q.q ?? ''
    const out: string[] = []
    for (const id of ids) {
      if (id.includes(needle)) out.push(id)
      if (out.length >= (q.limit ?? 50)) break
    }
    return { users: out, total: ids.length }
  })

  app.get('/items', async (req) => {
    const q = parse(z.object({ q: z.string().max(200).default(''), limit: kParam }), req.query, 'query')
    return { items: service.searchItems(q.q, q.limit ?? 20) }
  })

  app.get('/similar/:id', async (req) => {
    const { id } = parse(IdParams, req.params, 'path')
    const q = parse(SimilarQuery, req.query, 'query')
    return service.similar(id, { ...(q.k ? { k: q.k } : {}), ...(q.model ? { model: q.model } : {}) })
  })

  app.post('/feedback', async (req, reply) => {
    const body = parse(FeedbackBody, req.body, 'body')
    const events = 'events' in body ? body.events : [body]
    const res = service.feedback(events)
    return reply.status(202).send(res)
  })

  app.post('/users', async (req, reply) => {
    const body = parse(UserBody, req.body, 'body')
    const created = service.createUser(body.id, body.likes ?? [], body.text)
    return reply.status(created.created ? 201 : 200).send({ ...created, recommendations: service.recommend(body.id, { k: 10 }) })
  })

  app.post('/admin/retrain', async (req, reply) => {
    if (!requireAdmin(req, reply)) return reply
    if (!opts.retrain) return reply.status(501).send({ error: 'NOT_IMPLEMENTED', message: 'this server was started without a retrain function' })
    await opts.retrain()
    return { status: 'retrained', models: service.listModels() }
  })

  app.post('/admin/reload', async (req, reply) => {
    if (!requireAdmin(req, reply)) return reply
    if (!opts.reload) return reply.status(501).send({ error: 'NOT_IMPLEMENTED', message: 'this server was started without a model directory to reload from' })
    await opts.reload()
    return { status: 'reloaded', models: service.listModels() }
  })

  app.get('/', async (_req, reply) => reply.type('text/html; charset=utf-8').send(renderPage()))
  app.get('/report', async () => opts.report ?? { dataset: '', protocol: '', rows: [] })

  return app
}
