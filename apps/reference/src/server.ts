import { createHash, timingSafeEqual } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import cors from '@fastify/cors'
import rateLimit from '@fastify/rate-limit'
import { z } from 'zod'
import { isRecForgeError, RecForgeError, type RecForgeErrorCode } from '@recforge/core'
import { RequestError } from './errors'
import { EVENT_WEIGHTS, type RecService } from './service'
import type { TrainStatus } from './retrain'
import type { ErasureResult } from './erasure'
import { renderPage } from './page'
import { registerExploreRoutes } from './explore'
import { registerDeviceRoutes } from './device'
import { VERSION } from './version'
import { securityHeaders } from './headers'

/** What the page and `GET /metrics` show besides live counters: the comparison from the last evaluation. */
export interface ReportData {
  dataset: string
  protocol: string
  rows: readonly { model: string; metrics: Record<string, number>; timing: { fitSeconds: number; evalSeconds: number } }[]
  /** Per-model training curves (loss or metric per epoch). */
  curves?: Record<string, { epoch: number; [metric: string]: number }[]>
}

/** Keys, limits and headers of the HTTP layer. */
export interface SecurityOptions {
  /** Key that `POST /feedback` and `POST /users` need in the `x-api-key` header (the admin key works too). Defaults to `RECFORGE_WRITE_KEY`; without one, writes need no key. */
  writeKey?: string
  /** Write requests per minute per client (`0`: no limit). Defaults to `1200`. */
  writesPerMinute?: number
  /** Read requests per minute per client (`0`: no limit). Defaults to `6000`. */
  readsPerMinute?: number
  /** Origins that may call the API from a browser (CORS). Defaults to none: CORS off. */
  corsOrigins?: readonly string[]
  /** Host header values the server answers (names, with or without port). Defaults to any. */
  allowedHosts?: readonly string[]
  /** Take the client address from `X-Forwarded-For` (behind a proxy), for rate limits. Defaults to `false`. */
  trustProxy?: boolean
}

export interface ServerOptions {
  service: RecService
  /** API key for admin routes; without one they answer 403. Defaults to `RECFORGE_API_KEY`. */
  apiKey?: string
  security?: SecurityOptions
  /** Starts a retrain of the served models (admin route). */
  retrain?: () => Promise<{ status: TrainStatus; done: Promise<TrainStatus> }>
  /** The running retrain, or one by id. */
  trainStatus?: (id?: string) => TrainStatus | undefined
  /** Reloads the current generation from the model folder (admin route). */
  reload?: () => Promise<void>
  /** Erases a user: their events leave the log, they leave every answer and the next generation's training data (admin route `DELETE /users/:id`). */
  erase?: (user: string) => Promise<ErasureResult>
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

/** The one limit on user and item ids, on every route. */
export const MAX_ID_LENGTH = 200

/** Where fastify's own request errors point, by error code. */
const FASTIFY_FIELDS: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'body',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'headers.content-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'headers.content-length',
  FST_ERR_CTP_INVALID_TYPE: 'headers.content-type',
}

/** Text PostgreSQL stores as it arrived: no NUL, no lone UTF-16 surrogate (which UTF-8 would turn into U+FFFD). */
const storable = (s: string) => !s.includes('\0') && !/[\uD800-\uDFFF]/u.test(s)
const STORABLE = 'cannot contain the NUL character or a lone UTF-16 surrogate'
const id = z.string().min(1).max(MAX_ID_LENGTH).refine(storable, STORABLE)
const kParam = z.coerce.number().int().min(1).max(1000).optional()
const RecQuery = z.object({ k: kParam, model: z.string().min(1).optional(), explain: z.enum(['true', 'false']).optional() })
const SimilarQuery = z.object({ k: kParam, model: z.string().min(1).optional() })
const IdParams = z.object({ id })
const Event = z
  .object({
    user: id,
    item: id,
    value: z.number().finite().optional(),
    event: z.enum(Object.keys(EVENT_WEIGHTS) as [keyof typeof EVENT_WEIGHTS, ...(keyof typeof EVENT_WEIGHTS)[]]).optional(),
    timestamp: z.number().finite().optional(),
  })
  .strict()
const Batch = z.object({ events: z.array(Event).min(1).max(10_000) }).strict()
const UserBody = z
  .object({
    id,
    likes: z.array(id).max(1000).optional(),
    text: z.string().max(10_000).refine(storable, STORABLE).optional(),
  })
  .strict()

/** Validates a request part; a failure names the first field at fault (`body.events.1.value`) in the error. */
function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query' | 'path'): T {
  const r = schema.safeParse(value)
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ field: [where, ...i.path.map(String)].join('.'), message: i.message }))
    throw new RequestError('INVALID_ARGUMENT', `invalid ${where}: ${issues.map((i) => `${i.field}: ${i.message}`).join('; ')}`, { status: 400, field: issues[0]!.field })
  }
  return r.data
}

function sameKey(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** The answer body of an error: its code, message, and the field or file at fault. */
function errorBody(code: string, message: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { error: code, message, ...extra }
}

/** The content security policy of the page: its own inline script by hash, nothing from elsewhere. */
function pagePolicy(page: string): Record<string, string[]> {
  const hashes = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => `'sha256-${createHash('sha256').update(m[1]!).digest('base64')}'`)
  return {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", ...hashes],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", 'data:', 'https:'],
    connectSrc: ["'self'"],
    objectSrc: ["'none'"],
    baseUri: ["'self'"],
    frameAncestors: ["'none'"],
    formAction: ["'self'"],
  }
}

/**
 * The HTTP API: recommendations, similar items, feedback, cold-start users, models, metrics,
 * health, admin routes behind an API key, and the web page at `/`. Every error is a JSON
 * answer with a status, a code, a reason and (for validation) the field; no input can crash the
 * process. Writes can need a key; every route has a per-client rate limit; security headers are
 * set; CORS is off unless origins are configured; a Host allow-list is optional.
 */
export function createServer(opts: ServerOptions): FastifyInstance {
  const { service } = opts
  const sec = opts.security ?? {}
  const apiKey = opts.apiKey ?? process.env.RECFORGE_API_KEY
  const writeKey = sec.writeKey ?? process.env.RECFORGE_WRITE_KEY
  const page = renderPage()
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: 5 * 1024 * 1024,
    // ids are checked against MAX_ID_LENGTH after decoding; this only stops absurd URLs early
    routerOptions: { maxParamLength: MAX_ID_LENGTH * 3 + 100 },
    trustProxy: sec.trustProxy ?? false,
    forceCloseConnections: 'idle',
    // errors of the router itself (bad percent-encoding, absurd parameter lengths), in the same body shape
    frameworkErrors: (error, _req, reply) => {
      const code = (error as { code?: string }).code ?? ''
      const message = code === 'FST_ERR_MAX_PARAM_LENGTH' ? `an id is longer than ${MAX_ID_LENGTH} characters` : error.message.slice(0, 300)
      const status = (error as { statusCode?: number }).statusCode ?? 400
      void (reply as FastifyReply).code(status).send(errorBody('INVALID_ARGUMENT', `path: ${message}`, { field: 'path' }))
    },
  })

  app.setErrorHandler((err: unknown, _req, reply) => {
    if (err instanceof RequestError) return reply.status(err.status).send(errorBody(err.code, err.message, { ...(err.field ? { field: err.field } : {}), ...(err.details ?? {}) }))
    if (isRecForgeError(err)) return reply.status(STATUS[err.code] ?? 500).send(errorBody(err.code, err.message, err.location?.file ? { file: err.location.file } : {}))
    const e = err as { statusCode?: number; message?: string; code?: string }
    if (e.statusCode === 429) return reply.status(429).send(errorBody('RATE_LIMITED', e.message ?? 'too many requests'))
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      const field = FASTIFY_FIELDS[e.code ?? ''] ?? 'request'
      const code = e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ? 'PARSE_ERROR' : 'INVALID_ARGUMENT'
      return reply.status(e.statusCode).send(errorBody(code, `${field}: ${e.message ?? 'bad request'}`, { field }))
    }
    app.log.error(err)
    return reply.status(500).send(errorBody('INTERNAL', 'internal error; the server keeps running'))
  })
  app.setNotFoundHandler((req, reply) => reply.status(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.slice(0, 300)}`)))

  if (sec.allowedHosts?.length) {
    const allowed = new Set(sec.allowedHosts.map((h) => h.toLowerCase()))
    app.addHook('onRequest', async (req, reply) => {
      const host = (req.headers.host ?? '').toLowerCase()
      const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!
      if (!allowed.has(host) && !allowed.has(name)) return reply.status(403).send(errorBody('FORBIDDEN', `host ${JSON.stringify(host)} is not allowed; this server answers ${[...allowed].join(', ')}`, { field: 'headers.host' }))
    })
  }
  const headers = securityHeaders(pagePolicy(page))
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(headers)
    done()
  })
  if (sec.corsOrigins?.length) void app.register(cors, { origin: [...sec.corsOrigins] })
  void app.register(rateLimit, { global: false })
  const writes = sec.writesPerMinute ?? 1200
  const reads = sec.readsPerMinute ?? 6000
  const limit = (max: number) => (max > 0 ? { config: { rateLimit: { max, timeWindow: '1 minute' } } } : {})
  const read = limit(reads)
  const write = limit(writes)

  const requireKey = (req: FastifyRequest, reply: FastifyReply, keys: readonly (string | undefined)[], what: string): boolean => {
    const given = req.headers['x-api-key']
    if (typeof given === 'string' && keys.some((k) => k !== undefined && sameKey(given, k))) return true
    void reply.status(401).send(errorBody('UNAUTHORIZED', `missing or wrong x-api-key header: ${what} need the ${keys.length > 1 ? 'write or admin' : 'admin'} key`, { field: 'headers.x-api-key' }))
    return false
  }
  const requireAdmin = (req: FastifyRequest, reply: FastifyReply): boolean => {
    if (!apiKey) {
      void reply.status(403).send(errorBody('FORBIDDEN', 'admin routes are disabled: start the server with RECFORGE_API_KEY set'))
      return false
    }
    return requireKey(req, reply, [apiKey], 'admin routes')
  }
  const requireWriter = (req: FastifyRequest, reply: FastifyReply): boolean => !writeKey || requireKey(req, reply, [writeKey, apiKey], 'writes')

  // routes go in a plugin registered after the rate limiter, so it sees their limits
  void app.register(async (r) => {
    r.get('/health', read, async () => ({ status: 'ok', version: VERSION, models: service.listModels().map((m) => m.name), ...(service.served.generation ? { generation: service.served.generation } : {}) }))
    r.get('/models', read, async () => ({ default: service.defaultModel, models: service.listModels(), training: [...service.catalogue.training] }))
    r.get('/metrics', read, async () => ({ ...service.stats(), ...(opts.report ? { evaluation: opts.report } : {}) }))

    r.get('/recommendations/:id', read, async (req) => {
      const p = parse(IdParams, req.params, 'path')
      const q = parse(RecQuery, req.query, 'query')
      return service.recommend(p.id, { ...(q.k ? { k: q.k } : {}), ...(q.model ? { model: q.model } : {}), explain: q.explain !== 'false' })
    })

    r.get('/users/:id/history', read, async (req) => {
      const p = parse(IdParams, req.params, 'path')
      return { user: p.id, items: service.historyItems(p.id) }
    })

    r.get('/users', read, async (req) => {
      const q = parse(z.object({ q: z.string().max(MAX_ID_LENGTH).optional(), limit: kParam }), req.query, 'query')
      const ids = service.users.ids()
      const needle = q.q ?? ''
      const out: string[] = []
      for (const u of ids) {
        if (u.includes(needle) && !service.opts.erased?.(u)) out.push(u)
        if (out.length >= (q.limit ?? 50)) break
      }
      return { users: out, total: ids.length }
    })

    r.get('/items', read, async (req) => {
      const q = parse(z.object({ q: z.string().max(MAX_ID_LENGTH).default(''), limit: kParam }), req.query, 'query')
      return { items: service.searchItems(q.q, q.limit ?? 20) }
    })

    r.get('/similar/:id', read, async (req) => {
      const p = parse(IdParams, req.params, 'path')
      const q = parse(SimilarQuery, req.query, 'query')
      return service.similar(p.id, { ...(q.k ? { k: q.k } : {}), ...(q.model ? { model: q.model } : {}) })
    })

    r.post('/feedback', write, async (req, reply) => {
      if (!requireWriter(req, reply)) return reply
      const raw = req.body
      const batch = typeof raw === 'object' && raw !== null && 'events' in raw
      const events = batch ? parse(Batch, raw, 'body').events : [parse(Event, raw, 'body')]
      const res = await service.feedback(events, { batch })
      return reply.status(202).send(res)
    })

    r.post('/users', write, async (req, reply) => {
      if (!requireWriter(req, reply)) return reply
      const body = parse(UserBody, req.body, 'body')
      const created = await service.createUser(body.id, body.likes ?? [], body.text)
      return reply.status(201).send({ ...created, recommendations: service.recommend(body.id, { k: 10 }) })
    })

    r.delete('/users/:id', write, async (req, reply) => {
      if (!requireAdmin(req, reply)) return reply
      if (!opts.erase) return reply.status(501).send(errorBody('NOT_IMPLEMENTED', 'this server was started without an erasure list'))
      const p = parse(IdParams, req.params, 'path')
      if (service.users.index(p.id) === undefined && !service.opts.erased?.(p.id)) throw new RecForgeError('UNKNOWN_ID', `unknown user "${p.id}"; nothing to erase`)
      return opts.erase(p.id)
    })

    r.post('/admin/retrain', async (req, reply) => {
      if (!requireAdmin(req, reply)) return reply
      if (!opts.retrain) return reply.status(501).send(errorBody('NOT_IMPLEMENTED', 'this server was started without a model folder to retrain into'))
      const q = parse(z.object({ wait: z.enum(['true', 'false']).optional() }), req.query, 'query')
      const { status, done } = await opts.retrain()
      if (q.wait !== 'true') return reply.status(202).send(status)
      const finished = await done
      if (finished.status === 'failed') return reply.status(500).send(errorBody('RETRAIN_FAILED', finished.error ?? 'the retrain failed', { id: finished.id }))
      return reply.status(200).send({ ...finished, models: service.listModels() })
    })

    r.get('/admin/retrain', async (req, reply) => {
      if (!requireAdmin(req, reply)) return reply
      const q = parse(z.object({ id: z.string().max(100).optional() }), req.query, 'query')
      const s = opts.trainStatus?.(q.id)
      if (!s) return reply.status(404).send(errorBody('NOT_FOUND', q.id ? `no retrain ${q.id}` : 'no retrain is running'))
      return s
    })

    r.post('/admin/reload', async (req, reply) => {
      if (!requireAdmin(req, reply)) return reply
      if (!opts.reload) return reply.status(501).send(errorBody('NOT_IMPLEMENTED', 'this server was started without a model directory to reload from'))
      try {
        await opts.reload()
      } catch (e) {
        // the generation being served stays; say which file is at fault
        if (isRecForgeError(e)) return reply.status(500).send(errorBody(e.code, `reload failed, still serving generation ${service.served.generation ?? '(none)'}: ${e.message}`, e.location?.file ? { file: e.location.file } : {}))
        throw e
      }
      return { status: 'reloaded', generation: service.served.generation, models: service.listModels() }
    })

    registerExploreRoutes(app, service, read)
    registerDeviceRoutes(app, service, read)
    r.get('/', read, async (_req, reply) => reply.type('text/html; charset=utf-8').send(page))
    r.get('/report', read, async () => opts.report ?? { dataset: '', protocol: '', rows: [] })
  })

  return app
}

