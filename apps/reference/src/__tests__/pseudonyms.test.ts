import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { generateSynthetic } from '@recforge/data'
import { openService, runTrain } from '../commands'
import { readGeneration } from '../generations'
import { PSEUDONYM_KEY_ENV } from '../privacy'
import { startServing } from '../serve'
import { getJson, postJson, testRegistry } from './helpers'

const KEY = 'a long random token for the tests, 0123456789'
const base = generateSynthetic({ users: 120, items: 80, interactions: 2400, seed: 3 }).interactions
/** Raw ids that no pseudonym, number or item id can contain by chance. */
const rawId = (u: number) => `Raw.Person-${String(u).padStart(4, '0')}@example.org`
const items = base.items.ids()
const admin = { 'x-api-key': 'admin-key' }
let root: string
let csv: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'recforge-pseudonyms-'))
  csv = path.join(root, 'ratings.csv')
  const lines = ['user,item,rating']
  for (let u = 0; u < base.users.size; u++) for (let k = base.indptr[u]!; k < base.indptr[u + 1]!; k++) lines.push(`${rawId(u)},${items[base.indices[k]!]},${base.values[k]}`)
  await writeFile(csv, lines.join('\n') + '\n')
})
afterEach(() => {
  delete process.env[PSEUDONYM_KEY_ENV]
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) out.push(...(await filesUnder(p)))
    else if (e.isFile()) out.push(p)
  }
  return out
}

/** The files under `dir` whose bytes contain one of `needles` (UTF-8), with the needle. */
async function filesHolding(dir: string, needles: readonly string[]): Promise<string[]> {
  const hits: string[] = []
  const encoded = needles.map((n) => [n, Buffer.from(n, 'utf8')] as const)
  for (const f of await filesUnder(dir)) {
    const bytes = await readFile(f)
    for (const [n, b] of encoded) if (bytes.includes(b)) hits.push(`${path.relative(dir, f)}: ${n}`)
  }
  return hits
}

const train = (dir: string) => runTrain({ data: `csv:${csv}`, models: ['pop', 'itemknn'], seed: 1, modelDir: dir, quiet: true, pseudonymize: true }, testRegistry())
const start = (dir: string) => startServing({ registry: testRegistry(), modelDir: dir, port: 0, bandit: 'none', apiKey: 'admin-key', security: { writesPerMinute: 0, readsPerMinute: 0 } })

describe('pseudonymised user ids', () => {
  it('train --pseudonymize needs the key from the environment', async () => {
    await expect(train(path.join(root, 'nokey'))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining(PSEUDONYM_KEY_ENV) })
  })

  it('no raw id reaches the model folder or the event store, while the API takes and gives raw ids', async () => {
    process.env[PSEUDONYM_KEY_ENV] = KEY
    const dir = path.join(root, 'served')
    const manifest = await train(dir)
    expect(manifest.pseudonyms).toMatchObject({ scheme: 'hmac-sha256', context: 'user' })
    const gen = await readGeneration(dir, testRegistry())
    expect(gen.data.users.size).toBe(base.users.size)
    expect(gen.data.users.ids().every((id) => /^[A-Za-z0-9_-]{43}$/.test(id))).toBe(true)

    const s = await start(dir)
    const newcomer = 'Raw.Newcomer@example.org'
    const erased = rawId(7)
    try {
      const recs = await getJson<{ user: string; strategy: string; items: unknown[] }>(`${s.url}recommendations/${encodeURIComponent(rawId(3))}?k=5`)
      expect(recs).toMatchObject({ user: rawId(3), strategy: 'model' })
      expect(recs.items).toHaveLength(5)
      const history = await getJson<{ user: string; items: unknown[] }>(`${s.url}users/${encodeURIComponent(rawId(3))}/history`)
      expect(history.user).toBe(rawId(3))
      expect(history.items).toHaveLength(base.indptr[4]! - base.indptr[3]!)
      const fb = await postJson(`${s.url}feedback`, { events: [{ user: rawId(3), item: items[0] }, { user: rawId(4), item: items[1] }] })
      expect(fb.status).toBe(202)
      const created = await postJson(`${s.url}users`, { id: newcomer, likes: [items[2], items[3]] })
      expect(created.status).toBe(201)
      expect(created.body).toMatchObject({ id: newcomer, created: true, recommendations: { user: newcomer } })
      expect((await postJson(`${s.url}users`, { id: newcomer })).body.message).toContain(newcomer)
      // an unknown id is named as it was sent, not by its pseudonym
      const unknown = await fetch(`${s.url}recommendations/Raw.Stranger`)
      expect(unknown.status).toBe(404)
      expect(((await unknown.json()) as { message: string }).message).toContain('"Raw.Stranger"')
      // erasure works on the raw id too
      const gone = await fetch(`${s.url}users/${encodeURIComponent(erased)}`, { method: 'DELETE', headers: admin })
      expect(await gone.json()).toMatchObject({ user: erased, erased: true })
      expect((await fetch(`${s.url}recommendations/${encodeURIComponent(erased)}`)).status).toBe(404)
      // the listing holds pseudonyms only
      const listed = await getJson<{ users: string[] }>(`${s.url}users?limit=1000`)
      expect(listed.users.some((u) => u.startsWith('Raw.'))).toBe(false)
      // a retrain writes the live events under their pseudonyms
      const r = await postJson(`${s.url}admin/retrain?wait=true`, {}, admin)
      expect(r.status, JSON.stringify(r.body)).toBe(200)
      expect((await getJson<{ items: unknown[] }>(`${s.url}users/${encodeURIComponent(newcomer)}/history`)).items).toHaveLength(2)
      expect((await readGeneration(dir, testRegistry())).manifest.pseudonyms).toEqual(manifest.pseudonyms)
    } finally {
      await s.close()
    }
    const needles = [...Array.from({ length: base.users.size }, (_, u) => rawId(u)), newcomer, 'Raw.Stranger', 'Raw.']
    expect(await filesHolding(dir, needles)).toEqual([])
    // the same search finds a raw id where one is (the check itself works)
    expect((await filesHolding(root, [rawId(3)])).map((h) => path.basename(h.split(':')[0]!))).toEqual(['ratings.csv'])

    // offline answers map the raw id with the same key
    const offline = await openService(testRegistry(), dir)
    try {
      expect(offline.service.recommend(await offline.users.map(rawId(3)), { k: 3 }).items).toHaveLength(3)
    } finally {
      await offline.close()
    }
  }, 120_000)

  it('serving a pseudonymised generation without the key, or with another key, fails naming the variable', async () => {
    process.env[PSEUDONYM_KEY_ENV] = KEY
    const dir = path.join(root, 'keys')
    await train(dir)
    delete process.env[PSEUDONYM_KEY_ENV]
    await expect(start(dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: `generation g-000001 holds pseudonymised user ids; set ${PSEUDONYM_KEY_ENV} to the secret it was trained with` })
    process.env[PSEUDONYM_KEY_ENV] = 'another long random token, 9876543210'
    await expect(start(dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('pseudonymised with another key') })
    await expect(openService(testRegistry(), dir)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })
})
