import { IdVocabulary, RecForgeError, type Interactions } from '@recforge/core'

/** Options of {@link createPseudonymiser}. */
export interface PseudonymiserOptions {
  /**
   * What the ids are (`user`, `session`, ...): one secret gives unrelated pseudonyms in different
   * contexts, so a user id and a session id that happen to be equal do not map alike. Defaults to `'user'`.
   */
  readonly context?: string
  /** Bytes of the HMAC kept, 16 to 32 (22 to 43 characters). Defaults to `32`. */
  readonly bytes?: number
  /** Text put before every pseudonym (e.g. `p_`), to tell pseudonyms from raw ids at a glance. Defaults to `''`. */
  readonly prefix?: string
}

const MIN_SECRET_BYTES = 16
const SALT = new TextEncoder().encode('recforge/pseudonym/v1')

function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.byteLength)
  out.set(bytes)
  return out
}

function base64Url(bytes: Uint8Array): string {
  let bin = ''
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!)
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

/**
 * Maps ids to stable pseudonyms with a keyed HMAC-SHA-256: the same secret and context always
 * give the same pseudonym, a different secret an unrelated one, and without the secret a
 * pseudonym cannot be traced back to its id (nor checked against a guessed id). Every pseudonym
 * has the same length ({@link Pseudonymiser.length}), URL-safe base64. Runs on WebCrypto (Node
 * 20+ and browsers). Create one with {@link createPseudonymiser}.
 */
export class Pseudonymiser {
  /** Characters in every pseudonym, prefix included. */
  readonly length: number

  private constructor(
    private readonly key: CryptoKey,
    private readonly bytes: number,
    private readonly prefix: string,
  ) {
    this.length = prefix.length + Math.ceil((bytes * 4) / 3)
  }

  /** @internal Use {@link createPseudonymiser}. */
  static async create(secret: string | Uint8Array, opts: PseudonymiserOptions = {}): Promise<Pseudonymiser> {
    const raw = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret instanceof Uint8Array ? secret : undefined
    if (!raw) throw new RecForgeError('INVALID_ARGUMENT', 'a pseudonymisation secret must be a string or a Uint8Array')
    if (raw.length < MIN_SECRET_BYTES) {
      throw new RecForgeError('INVALID_ARGUMENT', `a pseudonymisation secret must be at least ${MIN_SECRET_BYTES} bytes (a long random token); got ${raw.length}`)
    }
    const bytes = opts.bytes ?? 32
    if (!Number.isInteger(bytes) || bytes < 16 || bytes > 32) throw new RecForgeError('INVALID_ARGUMENT', `pseudonym bytes must be an integer from 16 to 32; got ${String(bytes)}`)
    const context = opts.context ?? 'user'
    const subtle = globalThis.crypto?.subtle
    if (!subtle) throw new RecForgeError('BACKEND_UNAVAILABLE', 'pseudonymisation needs WebCrypto (globalThis.crypto.subtle): Node 20 or later, or a browser page served over HTTPS')
    const ikm = await subtle.importKey('raw', own(raw), 'HKDF', false, ['deriveKey'])
    const key = await subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: own(SALT), info: own(new TextEncoder().encode(context)) },
      ikm,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    )
    return new Pseudonymiser(key, bytes, opts.prefix ?? '')
  }

  /**
   * The pseudonym of one id.
   *
   * @example
   * ```ts
   * await p.pseudonymise('alice') // e.g. 'Zr3c…' (43 characters), the same on every call
   * ```
   */
  async pseudonymise(id: string): Promise<string> {
    const mac = await globalThis.crypto.subtle.sign('HMAC', this.key, own(new TextEncoder().encode(id)))
    return this.prefix + base64Url(new Uint8Array(mac, 0, this.bytes))
  }

  /**
   * The pseudonyms of many ids, in order (each distinct id hashed once).
   *
   * @throws RecForgeError INVALID_ARGUMENT in the (astronomically unlikely) case that two distinct ids get the same pseudonym.
   */
  async pseudonymiseAll(ids: readonly string[]): Promise<string[]> {
    const distinct = [...new Set(ids)]
    const mapped = await Promise.all(distinct.map((id) => this.pseudonymise(id)))
    const of = new Map<string, string>()
    const seen = new Set<string>()
    for (let j = 0; j < distinct.length; j++) {
      if (seen.has(mapped[j]!)) throw new RecForgeError('INVALID_ARGUMENT', `two ids map to the same pseudonym; use more bytes (now ${this.bytes})`)
      seen.add(mapped[j]!)
      of.set(distinct[j]!, mapped[j]!)
    }
    return ids.map((id) => of.get(id)!)
  }
}

/**
 * A keyed pseudonymiser for ids. The secret (at least 16 bytes, e.g. a random token the app
 * reads from its environment) is stretched by HKDF-SHA-256 into an HMAC-SHA-256 key per `context`.
 * Keep the secret as safe as the raw ids: with it, anyone can recompute pseudonyms of guessed ids.
 *
 * @example
 * ```ts
 * const users = await createPseudonymiser(process.env.RECFORGE_PSEUDONYM_KEY!, { context: 'user' })
 * const p = await users.pseudonymise('alice') // stable, 43 characters, no trace of "alice"
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a secret under 16 bytes or `bytes` outside 16..32;
 *   BACKEND_UNAVAILABLE without WebCrypto.
 */
export function createPseudonymiser(secret: string | Uint8Array, opts: PseudonymiserOptions = {}): Promise<Pseudonymiser> {
  return Pseudonymiser.create(secret, opts)
}

/**
 * The same interactions with every user id replaced by its pseudonym (same order, same user
 * indices, the arrays shared, not copied): what a loader hands on so that models, files and
 * logs built from it never hold a raw user id.
 *
 * @example
 * ```ts
 * const safe = await pseudonymiseUsers(await loadDataset(spec), users)
 * ```
 */
export async function pseudonymiseUsers(data: Interactions, pseudonymiser: Pseudonymiser): Promise<Interactions> {
  const users = IdVocabulary.fromJSON(await pseudonymiser.pseudonymiseAll(data.users.ids()))
  return { ...data, users }
}
