import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestCluster } from '../../../../scripts/pg-test-cluster.mjs'
import { openService, runTrain } from '../commands'
import { erasureHash, Erasures, runForget, withoutErased } from '../erasure'
import { MemoryEventLog, SqlEventLog, type EventLog, type LogRecord } from '../eventlog'
import { readGeneration } from '../generations'
import { startServing, type Serving } from '../serve'
import { openEmbeddedStore, openServerStore, type SqlStore } from '../sql'
import { getJson, postJson, runCli, smallData, testRegistry, writeTestGeneration } from './helpers'
import type { Interactions } from '@recforge/core'

const data = smallData()
const items = data.items.ids()
const admin = { 'x-api-key': 'admin-key' }
/** Ids no table file can hold by chance. */
const FRESH = 'Erased.Fresh-Person-ZZ9'
const KEPT = 'Kept.Person-ZZ8'
const cluster = await startTestCluster()
const skipped = 'skipped' in cluster ? cluster.skipped : undefined
let root: string
const stores: SqlStore[] = []

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'recforge-erasure-'))
})
afterAll(async () => {
  for (const s of stores) await s.close()
  await rm(root, { recursive: true, force: true })
  if (!('skipped' in cluster)) await cluster.stop()
})

/** The interactions as a CSV file's text (user,item,rating). */
function toCsv(d: Interactions): string {
  const lines = ['user,item,rating']
  for (let u = 0; u < d.users.size; u++) for (let k = d.indptr[u]!; k < d.indptr[u + 1]!; k++) lines.push(`${d.users.id(u)},${d.items.id(d.indices[k]!)},${d.values[k]}`)
  return lines.join('\n') + '\n'
}

/** Files under `dir` (recursively) whose bytes contain one of `needles`. */
async function filesHolding(dir: string, needles: readonly string[]): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue
    const bytes = await readFile(path.join(e.parentPath, e.name))
    for (const n of needles) if (bytes.includes(Buffer.from(n))) out.push(path.join(e.parentPath, e.name))
  }
  return out
}

const start = (dir: string) => startServing({ registry: testRegistry(), modelDir: dir, port: 0, bandit: 'none', apiKey: 'admin-key', security: { writesPerMinute: 0, readsPerMinute: 0 } })
const erase = (url: string, user: string, headers: Record<string, string> = admin) => fetch(`${url}users/${encodeURIComponent(user)}`, { method: 'DELETE', headers }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }))
const status = async (url: string) => (await fetch(url)).status

/** Every user id the event store of a model folder holds, by reading it directly. */
async function loggedUsers(dir: string): Promise<string[]> {
  const store = await openEmbeddedStore(path.join(dir, 'eventlog'))
  try {
    return (await store.query<{ u: string }>('SELECT DISTINCT user_id AS u FROM recforge_events ORDER BY 1')).map((r) => r.u)
  } finally {
    await store.close()
  }
}

async function retrain(s: Serving): Promise<string> {
  const r = await postJson(`${s.url}admin/retrain?wait=true`, {}, admin)
  expect(r.status, JSON.stringify(r.body)).toBe(200)
  return r.body.generation as string
}

describe('erasure through the API, a restart and a retrain', () => {
  it('DELETE /users/:id drops the user from the log and every answer at once, after a restart, and from the next generation', async () => {
    const dir = path.join(root, 'api')
    await writeTestGeneration(dir, data)
    const trained = data.users.id(5) // in the training data and with live feedback
    const other = data.users.id(6)
    let s = await start(dir)
    try {
      for (const u of [trained, other]) expect((await postJson(`${s.url}feedback`, { events: [0, 1, 2].map((j) => ({ user: u, item: items[190 + j] })) })).status).toBe(202)
      expect((await postJson(`${s.url}users`, { id: FRESH, likes: [items[3], items[4]] })).status).toBe(201)
      expect((await postJson(`${s.url}users`, { id: KEPT, likes: [items[5]] })).status).toBe(201)
      expect(await status(`${s.url}recommendations/${trained}`)).toBe(200)

      expect((await erase(s.url, trained, {})).status).toBe(401)
      expect((await erase(s.url, 'nobody-at-all')).status).toBe(404)
      const done = await erase(s.url, trained)
      expect(done).toEqual({ status: 200, body: { user: trained, erased: true, events: 3, first: true } })
      expect(await erase(s.url, FRESH)).toEqual({ status: 200, body: { user: FRESH, erased: true, events: 3, first: true } })
      // at once: unknown to every read, refused for writes, not listed
      for (const u of [trained, FRESH]) {
        expect(await status(`${s.url}recommendations/${u}`)).toBe(404)
        expect(await status(`${s.url}users/${u}/history`)).toBe(404)
        expect((await postJson(`${s.url}feedback`, { user: u, item: items[0] })).status).toBe(410)
        expect((await postJson(`${s.url}users`, { id: u })).status).toBe(410)
      }
      const listed = await getJson<{ users: string[] }>(`${s.url}users?limit=1000`)
      expect(listed.users).not.toContain(trained)
      expect(listed.users).not.toContain(FRESH)
      expect(listed.users).toContain(other)
      expect(await erase(s.url, trained)).toEqual({ status: 200, body: { user: trained, erased: true, events: 0, first: false } })
      // the other user is untouched
      expect((await getJson<{ items: unknown[] }>(`${s.url}users/${other}/history`)).items.length).toBe(data.indptr[7]! - data.indptr[6]! + 3)
      await s.close()
      expect((await loggedUsers(dir)).sort()).toEqual([KEPT, other].sort())
      // nor do the table's files hold their bytes any more (the write-ahead log may, until reused)
      const tables = path.join(dir, 'eventlog', 'base')
      expect(await filesHolding(tables, [FRESH])).toEqual([])
      expect((await filesHolding(tables, [KEPT])).length).toBeGreaterThan(0)

      // after a restart: the generation still holds the trained user's ratings, the erasure list keeps them out
      s = await start(dir)
      expect(await status(`${s.url}recommendations/${trained}`)).toBe(404)
      expect(await status(`${s.url}users/${FRESH}/history`)).toBe(404)
      expect(await status(`${s.url}recommendations/${other}`)).toBe(200)

      // the next generation's training data leaves them out; the older generation that held them is removed
      const generation = await retrain(s)
      expect(generation).toBe('g-000002')
      const gen = await readGeneration(dir, testRegistry())
      expect(gen.data.users.index(trained)).toBeUndefined()
      expect(gen.data.users.index(FRESH)).toBeUndefined()
      expect(gen.data.users.size).toBe(data.users.size - 1 + 1) // the trained user out, the kept new user in
      const o = gen.data.users.index(other)!
      expect(gen.data.indptr[o + 1]! - gen.data.indptr[o]!).toBe(data.indptr[7]! - data.indptr[6]! + 3)
      expect(await readdir(path.join(dir, 'generations'))).toEqual(['g-000002'])
      expect(await status(`${s.url}recommendations/${trained}`)).toBe(404)
      expect(await status(`${s.url}recommendations/${other}`)).toBe(200)
    } finally {
      await s.close()
    }
  }, 120_000)

  it('recforge forget --user erases offline: gone after the next start, and from `recforge train` on the same folder', async () => {
    const dir = path.join(root, 'offline')
    await writeTestGeneration(dir, data)
    const user = data.users.id(9)
    let s = await start(dir)
    expect((await postJson(`${s.url}feedback`, { user, item: items[199] })).status).toBe(202)
    // the running server holds the embedded store: forget says to use the route instead
    await expect(runForget({ user, modelDir: dir })).rejects.toThrow(/in use by process .*DELETE \/users\/:id/s)
    await s.close()

    const out = await runCli(['forget', '--user', user, '--model-dir', dir, '--json'])
    expect(out.code, out.stderr).toBe(0)
    expect(JSON.parse(out.stdout)).toMatchObject({ user, erased: true, events: 1, first: true })
    expect(await loggedUsers(dir)).toEqual([])
    const offline = await openService(testRegistry(), dir)
    try {
      expect(() => offline.service.recommend(user)).toThrow(/unknown user/)
    } finally {
      await offline.close()
    }
    s = await start(dir)
    try {
      expect(await status(`${s.url}recommendations/${user}`)).toBe(404)
    } finally {
      await s.close()
    }
    // a fresh `recforge train` from a source that still has the user leaves them out too
    const csv = path.join(root, 'offline.csv')
    await writeFile(csv, toCsv(data))
    await runTrain({ data: `csv:${csv}`, models: ['pop'], seed: 1, modelDir: dir, quiet: true }, testRegistry())
    const gen = await readGeneration(dir, testRegistry())
    expect(gen.name).toBe('g-000002')
    expect(gen.data.users.size).toBe(data.users.size - 1)
    expect(gen.data.users.index(user)).toBeUndefined()
  }, 120_000)
})

const click = (user: string, item: string): LogRecord => ({ kind: 'feedback', user, item, value: 2, event: 'click', timestamp: 1_700_000_000 })

async function embeddedStore(): Promise<SqlStore> {
  const store = await openEmbeddedStore(path.join(await mkdtemp(path.join(root, 'store-')), 'eventlog'))
  stores.push(store)
  return store
}
let databases = 0
async function serverStore(): Promise<SqlStore> {
  if ('skipped' in cluster) throw new Error(cluster.skipped)
  const adminStore = await openServerStore(cluster.url, { max: 1 })
  stores.push(adminStore)
  const name = `erasure_${++databases}`
  await adminStore.query(`CREATE DATABASE ${name}`)
  const store = await openServerStore(cluster.url.replace(/\/postgres$/, `/${name}`))
  stores.push(store)
  return store
}

const drivers: [string, () => Promise<SqlStore>][] = [['embedded PGlite', embeddedStore]]
if (skipped) describe('erasure on a PostgreSQL server', () => it.skip(`skipped: ${skipped}`, () => {}))
else drivers.push(['a PostgreSQL server', serverStore])

describe.each(drivers)('erasure in the event log on %s', (_name, open) => {
  it('deletes one user’s records, keeps the list durable and hashed, and sweeps records the store computes the same hash for', async () => {
    const store = await open()
    const log: EventLog = new SqlEventLog(store)
    await log.append([{ kind: 'user', user: 'ann' }, click('ann', 'i1'), click('bob', 'i1'), click("o'neil ü", 'i2')])
    expect(await log.eraseUsers(['ann'])).toBe(2)
    expect((await log.read(0, 100)).map((r) => r.user)).toEqual(['bob', "o'neil ü"])
    // the creation went too: the id may be created again in the log
    await log.append([{ kind: 'user', user: 'ann' }])
    const erasures = await Erasures.open(store)
    expect(await erasures.record("o'neil ü", log.origin)).toBe(true)
    expect(await erasures.record("o'neil ü", log.origin)).toBe(false)
    const [row] = await store.query<{ user_hash: string }>('SELECT user_hash FROM recforge_erasures')
    expect(row!.user_hash).toBe(erasureHash("o'neil ü"))
    // a record of an erased user that arrived after the erasure (another instance, an interrupted erasure) is swept by hash in SQL
    expect(await erasures.sweep()).toBe(1)
    expect((await log.read(0, 100)).map((r) => r.user)).toEqual(['bob', 'ann'])
    const again = await Erasures.open(store)
    expect(again.has("o'neil ü")).toBe(true)
    expect(again.has('bob')).toBe(false)
  })
})

describe('erasure helpers', () => {
  it('the memory log deletes a user’s records and keeps sequence numbers increasing', async () => {
    const log = new MemoryEventLog()
    await log.append([click('a', 'x'), click('b', 'x'), click('a', 'y')])
    expect(await log.eraseUsers(['a'])).toBe(2)
    const [next] = await log.append([click('c', 'x')])
    expect(next!.seq).toBe(4)
    expect((await log.read(0, 10)).map((r) => [r.seq, r.user])).toEqual([[2, 'b'], [4, 'c']])
    expect((await log.read(2, 10)).map((r) => r.seq)).toEqual([4])
    expect(await log.snapshot()).toBe(4)
  })

  it('withoutErased drops exactly the erased users’ rows', async () => {
    const erasures = await Erasures.open()
    expect(withoutErased(data, erasures).data).toBe(data)
    await erasures.record(data.users.id(0), 'test')
    await erasures.record(data.users.id(2), 'test')
    const { data: kept, dropped } = withoutErased(data, erasures)
    expect(dropped).toBe(2)
    expect(kept.users.size).toBe(data.users.size - 2)
    expect(kept.users.id(0)).toBe(data.users.id(1))
    for (const u of [1, 3, 299]) {
      const k = kept.users.index(data.users.id(u))!
      expect(Array.from(kept.indices.subarray(kept.indptr[k]!, kept.indptr[k + 1]!))).toEqual(Array.from(data.indices.subarray(data.indptr[u]!, data.indptr[u + 1]!)))
      expect(Array.from(kept.values.subarray(kept.indptr[k]!, kept.indptr[k + 1]!))).toEqual(Array.from(data.values.subarray(data.indptr[u]!, data.indptr[u + 1]!)))
    }
    expect(kept.indptr[kept.users.size]).toBe(data.indptr[data.users.size]! - (data.indptr[1]! - data.indptr[0]!) - (data.indptr[3]! - data.indptr[2]!))
  })
})
