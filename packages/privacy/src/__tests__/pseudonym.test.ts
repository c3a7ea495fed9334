import { createHmac, hkdfSync } from 'node:crypto'
import { InteractionsBuilder, RecForgeError } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { createPseudonymiser, pseudonymiseUsers } from '../index'

const SECRET = 'k3y-from-the-environment-0123456789'

describe('Pseudonymiser', () => {
  it('is HMAC-SHA-256 under an HKDF-SHA-256 key, in URL-safe base64 (checked against node:crypto)', async () => {
    const p = await createPseudonymiser(SECRET)
    const key = Buffer.from(hkdfSync('sha256', SECRET, 'recforge/pseudonym/v1', 'user', 32))
    const want = createHmac('sha256', key).update('alice').digest('base64url')
    expect(await p.pseudonymise('alice')).toBe(want)
  })

  it('gives the same pseudonym for the same key, another for another key or context', async () => {
    const a = await createPseudonymiser(SECRET)
    const b = await createPseudonymiser(SECRET)
    const other = await createPseudonymiser(`${SECRET}!`)
    const sessions = await createPseudonymiser(SECRET, { context: 'session' })
    const x = await a.pseudonymise('user-42')
    expect(await b.pseudonymise('user-42')).toBe(x)
    expect(await other.pseudonymise('user-42')).not.toBe(x)
    expect(await sessions.pseudonymise('user-42')).not.toBe(x)
    expect(await a.pseudonymise('user-43')).not.toBe(x)
  })

  it('has a constant length, URL-safe characters and no trace of the raw id', async () => {
    const p = await createPseudonymiser(SECRET)
    const short = await createPseudonymiser(SECRET, { bytes: 16, prefix: 'p_' })
    expect(p.length).toBe(43)
    expect(short.length).toBe(24)
    for (const id of ['', 'a', 'alice', 'ünïcødé 用户', 'x'.repeat(10_000), '42']) {
      const s = await p.pseudonymise(id)
      expect(s).toHaveLength(43)
      expect(s).toMatch(/^[A-Za-z0-9_-]+$/)
      if (id.length >= 2) expect(s.includes(id)).toBe(false)
      const t = await short.pseudonymise(id)
      expect(t).toHaveLength(24)
      expect(t.startsWith('p_')).toBe(true)
      // the truncated pseudonym is the first 16 bytes of the full one
      expect(Buffer.from(t.slice(2), 'base64url')).toEqual(Buffer.from(s, 'base64url').subarray(0, 16))
    }
  })

  it('maps many ids in order, each distinct id once', async () => {
    const p = await createPseudonymiser(SECRET)
    const out = await p.pseudonymiseAll(['b', 'a', 'b'])
    expect(out).toEqual([await p.pseudonymise('b'), await p.pseudonymise('a'), await p.pseudonymise('b')])
  })

  it('replaces the user vocabulary of interactions and shares the arrays', async () => {
    const b = new InteractionsBuilder()
    b.push('alice', 'i1', 5)
    b.push('bob', 'i2', 3)
    const data = b.build()
    const p = await createPseudonymiser(SECRET)
    const safe = await pseudonymiseUsers(data, p)
    expect(safe.users.ids()).toEqual([await p.pseudonymise('alice'), await p.pseudonymise('bob')])
    expect(safe.items).toBe(data.items)
    expect(safe.indices).toBe(data.indices)
    expect(safe.values).toBe(data.values)
    expect(JSON.stringify(safe.users.ids())).not.toMatch(/alice|bob/)
  })

  it('rejects short secrets and bad sizes', async () => {
    await expect(createPseudonymiser('short')).rejects.toThrow(/at least 16 bytes \(a long random token\); got 5/)
    await expect(createPseudonymiser(SECRET, { bytes: 8 })).rejects.toThrow(RecForgeError)
  })
})
