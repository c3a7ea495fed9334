import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decryptBytes, encodeArtifacts, encryptBytes, isEncryptedBytes, RecForgeError, type EncryptionKey, type ModelArtifacts } from '../index'
import { loadArtifactsFile, saveArtifactsFile } from '../node'

const raw = Uint8Array.from({ length: 32 }, (_, i) => i * 7 + 3)
const secret = { secret: 'a-long-random-token-0123456789abcdef' }
const passphrase = { passphrase: 'correct horse battery staple', iterations: 1000 }
const plain = new TextEncoder().encode('ratings of user 42: 5, 3, 4')

async function failure(p: Promise<unknown>): Promise<RecForgeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e, 'expected a RecForgeError').toBeInstanceOf(RecForgeError)
  return e as RecForgeError
}

describe('encryptBytes / decryptBytes', () => {
  for (const [name, key] of [
    ['a raw 256-bit key', raw],
    ['a secret (HKDF)', secret],
    ['a passphrase (PBKDF2)', passphrase],
  ] as const) {
    it(`round-trips with ${name}, in the documented layout`, async () => {
      const sealed = await encryptBytes(plain, key)
      // 40 header bytes + ciphertext (as long as the input) + 16-byte tag
      expect(sealed.length).toBe(40 + plain.length + 16)
      expect(Array.from(sealed.subarray(0, 6))).toEqual([0x52, 0x46, 0x45, 0x4e, 1, name.startsWith('a raw') ? 0 : name.startsWith('a secret') ? 1 : 2])
      expect(new DataView(sealed.buffer).getUint32(8, true)).toBe(name.startsWith('a passphrase') ? 1000 : 0)
      expect(isEncryptedBytes(sealed)).toBe(true)
      expect(Buffer.from(sealed).includes(Buffer.from('user 42'))).toBe(false)
      expect(Array.from(await decryptBytes(sealed, key))).toEqual(Array.from(plain))
    })
  }

  it('draws a new nonce (and salt) every time, so equal inputs encrypt differently', async () => {
    const a = await encryptBytes(plain, secret)
    const b = await encryptBytes(plain, secret)
    expect(Buffer.from(a.subarray(12, 40)).equals(Buffer.from(b.subarray(12, 40)))).toBe(false)
    expect(Buffer.from(a.subarray(40)).equals(Buffer.from(b.subarray(40)))).toBe(false)
  })

  it('rejects a wrong key of each kind with CHECKSUM_MISMATCH naming the source', async () => {
    const other: [EncryptionKey, EncryptionKey][] = [
      [raw, raw.map((b, i) => (i === 0 ? b ^ 1 : b))],
      [secret, { secret: 'a-long-random-token-0123456789abcdeF' }],
      [passphrase, { passphrase: 'correct horse battery stapler', iterations: 1000 }],
    ]
    for (const [key, wrong] of other) {
      const e = await failure(decryptBytes(await encryptBytes(plain, key), wrong, { source: 'model file m.rfm' }))
      expect(e.code).toBe('CHECKSUM_MISMATCH')
      expect(e.message).toBe('model file m.rfm could not be decrypted: the key is wrong, or the bytes were changed after encryption (AES-GCM authentication failed)')
    }
  })

  it('detects a changed byte anywhere: ciphertext, tag, nonce, salt or PBKDF2 rounds', async () => {
    const sealed = await encryptBytes(plain, passphrase)
    for (const at of [40, sealed.length - 1, 30, 14, 8]) {
      const bad = sealed.slice()
      bad[at] = bad[at]! ^ 0x01
      const e = await failure(decryptBytes(bad, passphrase))
      expect(e.code, `byte ${at}`).toBe('CHECKSUM_MISMATCH')
    }
    // 1000 rounds are 0x03e8; flipping the low bit of the second byte leaves 744, below the minimum
    const fewer = sealed.slice()
    fewer[9] = fewer[9]! ^ 0x01
    expect((await failure(decryptBytes(fewer, passphrase))).message).toBe('encrypted data records 744 PBKDF2 rounds; at least 1000 are required')
  })

  it('names the key kind the data needs when another kind is given', async () => {
    const e = await failure(decryptBytes(await encryptBytes(plain, passphrase), raw, { source: 'x.rfm' }))
    expect(e.code).toBe('INVALID_ARGUMENT')
    expect(e.message).toBe('x.rfm was encrypted with a passphrase; got a raw 256-bit key')
  })

  it('rejects data that is not encrypted, is truncated, or comes from a newer format', async () => {
    expect((await failure(decryptBytes(plain, raw, { source: 'p.bin' }))).message).toBe('p.bin is not encrypted RecForge data (no RFEN magic number)')
    const sealed = await encryptBytes(plain, raw)
    const short = await failure(decryptBytes(sealed.subarray(0, 50), raw))
    expect(short.code).toBe('PARSE_ERROR')
    expect(short.message).toContain('truncated: 50 bytes')
    const newer = sealed.slice()
    newer[4] = 2
    expect((await failure(decryptBytes(newer, raw))).code).toBe('UNSUPPORTED_VERSION')
  })

  it('rejects malformed keys with INVALID_ARGUMENT', async () => {
    expect((await failure(encryptBytes(plain, new Uint8Array(16)))).message).toBe('a raw encryption key must be 32 bytes (AES-256); got 16 bytes')
    expect((await failure(encryptBytes(plain, { secret: 'short' }))).message).toContain('at least 16 bytes; got 5')
    expect((await failure(encryptBytes(plain, { passphrase: '' }))).code).toBe('INVALID_ARGUMENT')
    expect((await failure(encryptBytes(plain, { passphrase: 'p', iterations: 10 }))).message).toContain('got 10')
  })
})

describe('saveArtifactsFile / loadArtifactsFile with a key', () => {
  let dir: string
  const artifacts: ModelArtifacts = {
    model: 'pop',
    formatVersion: 1,
    config: { weighted: false },
    meta: { users: ['alice'], items: ['i1', 'i2'] },
    tensors: { popularity: Float64Array.of(3, 1) },
  }
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'recforge-crypto-'))
  })
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  it('writes an encrypted file atomically (no temporary left) that loads back with the key', async () => {
    const file = path.join(dir, 'model.rfm')
    await saveArtifactsFile(file, artifacts, { key: secret })
    expect(await readdir(dir)).toEqual(['model.rfm'])
    const bytes = new Uint8Array(await readFile(file))
    expect(isEncryptedBytes(bytes)).toBe(true)
    expect(Buffer.from(bytes).includes(Buffer.from('alice'))).toBe(false)
    const again = await loadArtifactsFile(file, { key: secret })
    expect(again.meta).toEqual(artifacts.meta)
    expect(Array.from(again.tensors.popularity!)).toEqual([3, 1])
  })

  it('fails clearly for a wrong key, a tampered file, a missing key, or a key for a plain file', async () => {
    const file = path.join(dir, 'sealed.rfm')
    await saveArtifactsFile(file, artifacts, { key: raw })
    const wrong = await failure(loadArtifactsFile(file, { key: new Uint8Array(32) }))
    expect(wrong.code).toBe('CHECKSUM_MISMATCH')
    expect(wrong.message).toContain(`model file ${file} could not be decrypted: the key is wrong`)

    const bytes = new Uint8Array(await readFile(file))
    bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0x80
    await writeFile(file, bytes)
    expect((await failure(loadArtifactsFile(file, { key: raw }))).code).toBe('CHECKSUM_MISMATCH')

    const none = await failure(loadArtifactsFile(file))
    expect(none.code).toBe('INVALID_ARGUMENT')
    expect(none.message).toBe(`model file ${file} is encrypted; load it with the key it was saved with`)

    const plainFile = path.join(dir, 'plain.rfm')
    await writeFile(plainFile, encodeArtifacts(artifacts))
    const keyed = await failure(loadArtifactsFile(plainFile, { key: raw }))
    expect(keyed.code).toBe('INVALID_ARGUMENT')
    expect(keyed.message).toContain('is not encrypted, but a key was given')
    expect((await loadArtifactsFile(plainFile)).model).toBe('pop')
  })
})
