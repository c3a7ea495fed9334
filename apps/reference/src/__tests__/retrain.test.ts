import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nnz } from '@recforge/core'
import { startServing, type Serving } from '../serve'
import { getJson, postJson, smallData, testRegistry, writeTestGeneration } from './helpers'

const data = smallData()
const items = data.items.ids()
const admin = { 'x-api-key': 'admin-key' }
let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'recforge-retrain-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

const start = (dir: string) => startServing({ registry: testRegistry(), modelDir: dir, port: 0, bandit: 'none', apiKey: 'admin-key', security: { writesPerMinute: 0, readsPerMinute: 0 } })

interface Status {
  id: string
  status: string
  generation?: string
  error?: string
}

/** The popularity pop shows for `item` (its list for user 0 covers the whole catalogue but the user's own items). */
async function popularity(url: string, item: string): Promise<number> {
  const list = await getJson<{ items: { id: string; popularity: number }[] }>(`${url}recommendations/${data.users.id(0)}?model=pop&k=200`)
  return list.items.find((x) => x.id === item)!.popularity
}

async function waitDone(s: Serving, id: string): Promise<Status> {
  for (;;) {
    const st = await getJson<Status>(`${s.url}admin/retrain?id=${id}`, admin)
    if (st.status !== 'running') return st
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('retraining that loses nothing and blocks nothing', () => {
  it('keeps events and new users that arrive while it runs, refuses a second one with 409, and serves the new generation', async () => {
    const dir = path.join(root, 'live')
    await writeTestGeneration(dir, data)
    const s = await start(dir)
    try {
      const hot = items[150]!
      const popBefore = await popularity(s.url, hot)
      // before the retrain: 30 users buy the hot item
      for (let u = 0; u < 30; u++) expect((await postJson(`${s.url}feedback`, { user: data.users.id(u + 10), item: hot, event: 'buy' })).status).toBe(202)
      const started = await postJson(`${s.url}admin/retrain`, {}, admin)
      expect(started.status).toBe(202)
      const id = started.body.id as string
      const second = await postJson(`${s.url}admin/retrain`, {}, admin)
      expect(second.status).toBe(409)
      expect(second.body).toMatchObject({ running: id })
      // while it runs: feedback, and a new user
      const during = await Promise.all(Array.from({ length: 25 }, (_, j) => postJson(`${s.url}feedback`, { user: 'during-1', item: items[j] })))
      expect(during.every((r) => r.status === 202)).toBe(true)
      expect((await postJson(`${s.url}users`, { id: 'during-new', likes: [items[3], items[4]] })).status).toBe(201)
      const done = await waitDone(s, id)
      expect(done, done.error).toMatchObject({ status: 'done', generation: 'g-000002' })
      expect((await getJson<{ generation: string }>(`${s.url}health`)).generation).toBe('g-000002')
      // nothing lost: the events sent during the retrain are still in the histories
      expect((await getJson<{ items: unknown[] }>(`${s.url}users/during-1/history`)).items).toHaveLength(25)
      expect((await getJson<{ items: { id: string }[] }>(`${s.url}users/during-new/history`)).items.map((x) => x.id)).toEqual([items[3], items[4]])
      const m = await getJson<{ feedbackEvents: number; eventsThrough: number; liveEvents: number }>(`${s.url}metrics`)
      expect(m.feedbackEvents).toBe(30 + 25 + 2)
      // the generation holds the events up to the retrain's snapshot; the rest stay live on top of it
      expect(m.eventsThrough).toBeGreaterThanOrEqual(30)
      expect(nnz(s.service.served.data) + m.liveEvents).toBe(nnz(data) + 57)
      // pop now counts the 30 buyers, and says the same after a restart
      expect(await popularity(s.url, hot)).toBe(popBefore + 30)
      await s.close()
      const again = await start(dir)
      try {
        expect(await popularity(again.url, hot)).toBe(popBefore + 30)
        expect(again.service.history('during-1').items).toHaveLength(25)
        expect(again.service.stats().feedbackEvents).toBe(57)
      } finally {
        await again.close()
      }
    } finally {
      await s.close()
    }
  }, 180_000)

  it('answers a reload of a corrupt model with a body naming the file, and keeps serving the old generation', async () => {
    const dir = path.join(root, 'corrupt')
    const first = await writeTestGeneration(dir, data)
    const s = await start(dir)
    try {
      const file = path.join(dir, 'generations', first.generation, 'itemknn.rfm')
      const bytes = await readFile(file)
      bytes[bytes.length - 20] = bytes[bytes.length - 20]! ^ 0xff
      await writeFile(file, bytes)
      const r = await postJson(`${s.url}admin/reload`, {}, admin)
      expect(r.status).toBe(500)
      expect(r.body).toMatchObject({ error: 'CHECKSUM_MISMATCH', file })
      expect(String(r.body.message)).toMatch(/reload failed, still serving generation g-000001: .*itemknn\.rfm/)
      const rec = await getJson<{ items: unknown[] }>(`${s.url}recommendations/${data.users.id(1)}?model=itemknn&k=3`)
      expect(rec.items).toHaveLength(3)
    } finally {
      await s.close()
    }
  }, 60_000)
})
