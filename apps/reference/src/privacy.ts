import { readFile } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { RecForgeError, type Interactions } from '@recforge/core'
import { createPseudonymiser, pseudonymiseUsers, type Pseudonymiser } from '@recforge/privacy'
import { erasuresOf, withoutErased } from './erasure'
import { currentGeneration, type GenerationSource } from './generations'

/** The environment variable holding the secret user ids are pseudonymised with. */
export const PSEUDONYM_KEY_ENV = 'RECFORGE_PSEUDONYM_KEY'

/** What a generation's manifest records about pseudonymised user ids (never the key). */
export interface PseudonymInfo {
  /** HMAC-SHA-256 under an HKDF-derived key, as `@recforge/privacy`'s pseudonymiser computes it. */
  scheme: 'hmac-sha256'
  context: 'user'
  /** The pseudonym of a fixed text that no user id can be: tells the right key from a wrong one. */
  check: string
}

// a user id can never contain NUL (every route refuses it), so this is nobody's pseudonym
const CHECK_TEXT = '\0recforge pseudonym key check'

/**
 * The user-id pseudonymiser with the secret from `RECFORGE_PSEUDONYM_KEY` (or `secret`).
 *
 * @throws RecForgeError INVALID_ARGUMENT when there is no secret or it is under 16 bytes.
 */
export async function pseudonymiserFromEnv(secret = process.env[PSEUDONYM_KEY_ENV]): Promise<Pseudonymiser> {
  if (secret === undefined || secret === '') {
    throw new RecForgeError('INVALID_ARGUMENT', `pseudonymised user ids need a secret: set ${PSEUDONYM_KEY_ENV} to a long random token (at least 16 bytes), the same for training and serving`)
  }
  return createPseudonymiser(secret, { context: 'user' })
}

/** The manifest record of a pseudonymiser. */
export async function pseudonymInfo(p: Pseudonymiser): Promise<PseudonymInfo> {
  return { scheme: 'hmac-sha256', context: 'user', check: await p.pseudonymise(CHECK_TEXT) }
}

/**
 * The pseudonymiser a generation's user ids were made with, from the environment, checked against
 * the manifest; undefined for a generation with raw ids.
 *
 * @throws RecForgeError INVALID_ARGUMENT without the key, or with another key than the one the generation was trained with.
 */
export async function pseudonymiserFor(source: GenerationSource, generation: string, given?: Pseudonymiser): Promise<Pseudonymiser | undefined> {
  const info = source.pseudonyms
  if (!info) return undefined
  if (info.scheme !== 'hmac-sha256' || info.context !== 'user' || typeof info.check !== 'string') {
    throw new RecForgeError('PARSE_ERROR', `generation ${generation} records pseudonyms of an unknown kind (${JSON.stringify(info).slice(0, 120)})`)
  }
  if (!given && !process.env[PSEUDONYM_KEY_ENV]) {
    throw new RecForgeError('INVALID_ARGUMENT', `generation ${generation} holds pseudonymised user ids; set ${PSEUDONYM_KEY_ENV} to the secret it was trained with`)
  }
  const p = given ?? (await pseudonymiserFromEnv())
  if ((await p.pseudonymise(CHECK_TEXT)) !== info.check) {
    throw new RecForgeError('INVALID_ARGUMENT', `generation ${generation} was pseudonymised with another key than ${given ? 'the one given' : PSEUDONYM_KEY_ENV}; every user id would map to a stranger's`)
  }
  return p
}

/**
 * Refuses to switch from one generation to another whose user ids are of another kind (raw against
 * pseudonyms, or pseudonyms under another key): the ids the server maps would no longer match.
 *
 * @throws RecForgeError INVALID_ARGUMENT naming the generation.
 */
export function samePseudonyms(served: GenerationSource, next: GenerationSource, name: string): void {
  if (served.pseudonyms?.check === next.pseudonyms?.check) return
  const kind = (s: GenerationSource) => (s.pseudonyms ? 'pseudonymised user ids' : 'raw user ids')
  const what = served.pseudonyms && next.pseudonyms ? 'user ids pseudonymised with another key' : kind(next)
  throw new RecForgeError('INVALID_ARGUMENT', `generation ${name} holds ${what}, the served one ${kind(served)}; restart the server to serve it`)
}

/**
 * The training data of a new generation: the users erased from this model folder left out, and
 * with `pseudonymize` every user id replaced by its keyed HMAC (the key from
 * `RECFORGE_PSEUDONYM_KEY`), so that no file or log written from it holds a raw id. Returns the
 * source fields to record in the manifest.
 */
export async function trainingData(
  data: Interactions,
  dir: string,
  opts: { pseudonymize: boolean; log?: (message: string) => void },
): Promise<{ data: Interactions; pseudonyms?: PseudonymInfo }> {
  let out = data
  let pseudonyms: PseudonymInfo | undefined
  if (opts.pseudonymize) {
    const p = await pseudonymiserFromEnv()
    out = await pseudonymiseUsers(out, p)
    pseudonyms = await pseudonymInfo(p)
    opts.log?.(`pseudonymised ${out.users.size} user ids (HMAC-SHA-256, key from ${PSEUDONYM_KEY_ENV})`)
  }
  const kept = withoutErased(out, await erasuresOf(dir, opts.log))
  if (kept.dropped) opts.log?.(`left out ${kept.dropped} erased user(s)`)
  return { data: kept.data, ...(pseudonyms ? { pseudonyms } : {}) }
}

/** Most raw ids whose pseudonyms are kept in memory (the HMAC is cheap; this saves the await). */
const CACHE_SIZE = 10_000

/** Maps raw user ids to pseudonyms, remembering the most recent ones (or leaves them as they are, without a pseudonymiser). */
export class UserIdMapper {
  private readonly cache = new Map<string, string>()

  constructor(readonly pseudonymiser?: Pseudonymiser) {}

  async map(raw: string): Promise<string> {
    if (!this.pseudonymiser) return raw
    const hit = this.cache.get(raw)
    if (hit !== undefined) return hit
    const p = await this.pseudonymiser.pseudonymise(raw)
    if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!)
    this.cache.set(raw, p)
    return p
  }
}

/**
 * How the current generation of a model folder names users: the mapper of its pseudonyms (key
 * from the environment, checked), or one that leaves raw ids as they are.
 *
 * @throws RecForgeError INVALID_ARGUMENT for a pseudonymised generation without the right key.
 */
export async function userIdMapperOf(dir: string): Promise<UserIdMapper> {
  const gen = await currentGeneration(dir)
  if (!gen) return new UserIdMapper()
  const file = path.join(dir, 'generations', gen, 'manifest.json')
  let manifest: GenerationSource
  try {
    manifest = JSON.parse(await readFile(file, 'utf8')) as GenerationSource
  } catch (e) {
    throw new RecForgeError('PARSE_ERROR', `${file}: cannot read the manifest (${(e as Error).message})`, { location: { file }, cause: e })
  }
  const p = await pseudonymiserFor(manifest, gen)
  return new UserIdMapper(p)
}

/** The raw ids a request named, by pseudonym, to put back into its answer. */
const named = new WeakMap<FastifyRequest, Map<string, string>>()

/** A raw id that the routes would accept (others are left for validation to refuse). */
const acceptable = (v: unknown, max: number): v is string => typeof v === 'string' && v.length > 0 && v.length <= max && !v.includes('\0')

/**
 * Makes the HTTP API take and give raw user ids while everything behind it holds pseudonyms:
 * before validation, the user ids a request names (path `:id` of the user routes, `user` of each
 * feedback event, `id` of a new user) are replaced by their pseudonyms; in the answer, the
 * pseudonyms of that request are put back as the raw ids it sent. Nothing maps a pseudonym the
 * request did not bring back to a raw id (`GET /users` lists pseudonyms).
 */
export function mapUserIdsOnTheFly(app: FastifyInstance, mapper: UserIdMapper, maxIdLength: number): void {
  app.addHook('preValidation', async (req) => {
    const url = req.routeOptions.url ?? ''
    const seen = new Map<string, string>()
    const swap = async (raw: unknown): Promise<unknown> => {
      if (!acceptable(raw, maxIdLength)) return raw
      const p = await mapper.map(raw)
      seen.set(p, raw)
      return p
    }
    const params = req.params as Record<string, unknown> | undefined
    if (params && (url === '/recommendations/:id' || url.startsWith('/users/:id'))) params.id = await swap(params.id)
    const body = req.body as Record<string, unknown> | null | undefined
    if (req.method === 'POST' && body && typeof body === 'object') {
      if (url === '/users') body.id = await swap(body.id)
      if (url === '/feedback') {
        if (Array.isArray(body.events)) {
          for (const e of body.events) if (e && typeof e === 'object') (e as Record<string, unknown>).user = await swap((e as Record<string, unknown>).user)
        } else body.user = await swap(body.user)
      }
    }
    if (seen.size) named.set(req, seen)
  })
  app.addHook('onSend', async (req, _reply, payload) => {
    const seen = named.get(req)
    if (!seen || typeof payload !== 'string') return payload
    let out = payload
    // pseudonyms are URL-safe base64, so they cannot occur by accident inside other JSON text
    for (const [p, raw] of seen) out = out.replaceAll(p, JSON.stringify(raw).slice(1, -1))
    return out
  })
}
