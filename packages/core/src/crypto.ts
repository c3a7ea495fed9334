import { RecForgeError } from './errors'

/**
 * A key for {@link encryptBytes} and {@link decryptBytes}:
 * - a `Uint8Array` of 32 bytes: a raw AES-256 key, used as it is;
 * - `{ secret }`: a high-entropy secret of at least 16 bytes (a random token from the
 *   environment, say), stretched to a per-file AES-256 key by HKDF-SHA-256 with a random salt;
 * - `{ passphrase, iterations }`: a passphrase a person chose, stretched by PBKDF2-HMAC-SHA-256
 *   with a random salt and `iterations` rounds (default {@link DEFAULT_PBKDF2_ITERATIONS}).
 */
export type EncryptionKey = Uint8Array | { readonly secret: string | Uint8Array } | { readonly passphrase: string; readonly iterations?: number }

/** PBKDF2-HMAC-SHA-256 rounds used for a passphrase when none are given (OWASP's 2023 figure for this hash). */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000

// layout: magic "RFEN" | version u8 | key kind u8 | reserved u16 | PBKDF2 rounds u32 LE | salt 16 | nonce 12 | ciphertext + 16-byte tag.
// The 40 header bytes are the AES-GCM additional data, so changing any of them fails authentication too.
const MAGIC = [0x52, 0x46, 0x45, 0x4e] as const
const VERSION = 1
const SALT_BYTES = 16
const NONCE_BYTES = 12
const TAG_BYTES = 16
const HEADER_BYTES = 12 + SALT_BYTES + NONCE_BYTES
const MIN_SECRET_BYTES = 16
const HKDF_INFO = new TextEncoder().encode('recforge/encrypt/v1')

const KIND_NAMES = ['a raw 256-bit key', 'a secret', 'a passphrase'] as const
type KeyKind = 0 | 1 | 2

/** A copy of `bytes` on its own `ArrayBuffer`, the form WebCrypto takes. */
function own(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.byteLength)
  out.set(bytes)
  return out
}

function subtle(): SubtleCrypto {
  const s = globalThis.crypto?.subtle
  if (!s) throw new RecForgeError('BACKEND_UNAVAILABLE', 'encryption needs WebCrypto (globalThis.crypto.subtle): Node 20 or later, or a browser page served over HTTPS')
  return s
}

function kindOf(key: EncryptionKey): KeyKind {
  if (key instanceof Uint8Array) {
    if (key.length !== 32) throw new RecForgeError('INVALID_ARGUMENT', `a raw encryption key must be 32 bytes (AES-256); got ${key.length} bytes`)
    return 0
  }
  if (typeof key === 'object' && key !== null && 'secret' in key) {
    const n = typeof key.secret === 'string' ? new TextEncoder().encode(key.secret).length : key.secret instanceof Uint8Array ? key.secret.length : -1
    if (n < 0) throw new RecForgeError('INVALID_ARGUMENT', 'an encryption secret must be a string or a Uint8Array')
    if (n < MIN_SECRET_BYTES) throw new RecForgeError('INVALID_ARGUMENT', `an encryption secret must be at least ${MIN_SECRET_BYTES} bytes; got ${n}. Use a long random token, or { passphrase } for a phrase a person types`)
    return 1
  }
  if (typeof key === 'object' && key !== null && 'passphrase' in key) {
    if (typeof key.passphrase !== 'string' || key.passphrase.length === 0) throw new RecForgeError('INVALID_ARGUMENT', 'an encryption passphrase must be a non-empty string')
    return 2
  }
  throw new RecForgeError('INVALID_ARGUMENT', 'an encryption key must be a 32-byte Uint8Array, { secret }, or { passphrase }')
}

function iterationsOf(key: EncryptionKey): number {
  const it = (key as { iterations?: number }).iterations ?? DEFAULT_PBKDF2_ITERATIONS
  if (!Number.isInteger(it) || it < 1000 || it > 0xffffffff) throw new RecForgeError('INVALID_ARGUMENT', `PBKDF2 iterations must be an integer from 1000 to 4294967295; got ${String(it)}`)
  return it
}

async function deriveKey(key: EncryptionKey, kind: KeyKind, salt: Uint8Array<ArrayBuffer>, iterations: number, usage: KeyUsage): Promise<CryptoKey> {
  const s = subtle()
  const aes = { name: 'AES-GCM', length: 256 }
  if (kind === 0) return s.importKey('raw', own(key as Uint8Array), aes, false, [usage])
  if (kind === 1) {
    const secret = (key as { secret: string | Uint8Array }).secret
    const ikm = await s.importKey('raw', own(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret), 'HKDF', false, ['deriveKey'])
    return s.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt, info: own(HKDF_INFO) }, ikm, aes, false, [usage])
  }
  const pass = await s.importKey('raw', own(new TextEncoder().encode((key as { passphrase: string }).passphrase)), 'PBKDF2', false, ['deriveKey'])
  return s.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, pass, aes, false, [usage])
}

/** True when `bytes` start like the output of {@link encryptBytes} (its magic number). */
export function isEncryptedBytes(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.every((b, i) => bytes[i] === b)
}

/**
 * Encrypts and authenticates bytes with AES-256-GCM through WebCrypto (Node 20+ and browsers),
 * in a small self-describing format: magic `RFEN`, format version, key kind, PBKDF2 rounds, a
 * random 16-byte salt and 12-byte nonce, then the ciphertext and its 16-byte tag. The header is
 * authenticated too. Every call draws a new salt and nonce, so the same input encrypts
 * differently each time.
 *
 * @example
 * ```ts
 * const sealed = await encryptBytes(encodeArtifacts(await model.save()), { secret: process.env.MODEL_KEY! })
 * const plain = await decryptBytes(sealed, { secret: process.env.MODEL_KEY! }, { source: 'model.rfm' })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a raw key that is not 32 bytes, a secret under 16
 *   bytes, an empty passphrase or PBKDF2 rounds under 1000; BACKEND_UNAVAILABLE without WebCrypto.
 */
export async function encryptBytes(plain: Uint8Array, key: EncryptionKey): Promise<Uint8Array> {
  const kind = kindOf(key)
  const iterations = kind === 2 ? iterationsOf(key) : 0
  const header = new Uint8Array(HEADER_BYTES)
  header.set(MAGIC, 0)
  header[4] = VERSION
  header[5] = kind
  new DataView(header.buffer).setUint32(8, iterations, true)
  const salt = header.subarray(12, 12 + SALT_BYTES)
  if (kind !== 0) globalThis.crypto.getRandomValues(salt)
  const nonce = header.subarray(12 + SALT_BYTES, HEADER_BYTES)
  globalThis.crypto.getRandomValues(nonce)
  const aesKey = await deriveKey(key, kind, own(salt), iterations, 'encrypt')
  const sealed = await subtle().encrypt({ name: 'AES-GCM', iv: own(nonce), additionalData: header, tagLength: TAG_BYTES * 8 }, aesKey, own(plain))
  const out = new Uint8Array(HEADER_BYTES + sealed.byteLength)
  out.set(header, 0)
  out.set(new Uint8Array(sealed), HEADER_BYTES)
  return out
}

/**
 * Decrypts bytes written by {@link encryptBytes}, checking that they were not changed.
 *
 * @example
 * ```ts
 * const plain = await decryptBytes(await readFile(file), { passphrase }, { source: file })
 * ```
 * @throws RecForgeError CHECKSUM_MISMATCH when authentication fails: the key is wrong or the bytes
 *   were modified (AES-GCM cannot tell the two apart); INVALID_ARGUMENT for a key of another kind
 *   than the one the bytes were encrypted with; PARSE_ERROR for bytes that are not this format or
 *   are truncated; UNSUPPORTED_VERSION for a newer format. Messages name `source`.
 */
export async function decryptBytes(sealed: Uint8Array, key: EncryptionKey, opts: { source?: string } = {}): Promise<Uint8Array> {
  const source = opts.source ?? 'encrypted data'
  if (!isEncryptedBytes(sealed)) throw new RecForgeError('PARSE_ERROR', `${source} is not encrypted RecForge data (no RFEN magic number)`)
  if (sealed.length < HEADER_BYTES + TAG_BYTES) {
    throw new RecForgeError('PARSE_ERROR', `${source} is truncated: ${sealed.length} bytes; encrypted RecForge data is at least ${HEADER_BYTES + TAG_BYTES} bytes`)
  }
  const version = sealed[4]!
  if (version !== VERSION) throw new RecForgeError('UNSUPPORTED_VERSION', `${source} is encrypted in format version ${version}; this build reads version ${VERSION}`)
  const stored = sealed[5]!
  if (stored > 2) throw new RecForgeError('PARSE_ERROR', `${source} names an unknown key kind ${stored}`)
  const kind = kindOf(key)
  if (kind !== stored) {
    throw new RecForgeError('INVALID_ARGUMENT', `${source} was encrypted with ${KIND_NAMES[stored as KeyKind]}; got ${KIND_NAMES[kind]}`)
  }
  const header = own(sealed.subarray(0, HEADER_BYTES))
  const iterations = new DataView(header.buffer).getUint32(8, true)
  if (kind === 2 && iterations < 1000) throw new RecForgeError('PARSE_ERROR', `${source} records ${iterations} PBKDF2 rounds; at least 1000 are required`)
  const aesKey = await deriveKey(key, kind, header.slice(12, 12 + SALT_BYTES), iterations, 'decrypt')
  try {
    const plain = await subtle().decrypt({ name: 'AES-GCM', iv: header.slice(12 + SALT_BYTES), additionalData: header, tagLength: TAG_BYTES * 8 }, aesKey, own(sealed.subarray(HEADER_BYTES)))
    return new Uint8Array(plain)
  } catch (e) {
    throw new RecForgeError('CHECKSUM_MISMATCH', `${source} could not be decrypted: the key is wrong, or the bytes were changed after encryption (AES-GCM authentication failed)`, { cause: e })
  }
}
