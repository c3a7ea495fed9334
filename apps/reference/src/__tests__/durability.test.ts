import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startServing } from '../serve'
import { openEmbeddedStore } from '../sql'
import { getJson, postJson, smallData, spawnServe, testRegistry, writeTestGeneration } from './helpers'

const data = smallData()
const items = data.items.ids()
let root: string

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'recforge-durable-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

type History = { items: { id: string; value: number }[] }

describe('nothing acknowledged is lost', () => {
  it('keeps 20 acknowledged events and a new user across kill -9, and across SIGTERM (exit 0)', async () => {
    const dir = path.join(root, 'killed')
    await writeTestGeneration(dir, data)
    const first = await spawnServe(['--model-dir', dir, '--bandit', 'thompson'])
    const known = data.users.id(5)
    const before = (await getJson<History>(`${first.url}users/${known}/history`)).items.length
    const sent: string[] = []
    const acks = await Promise.all(
      Array.from({ length: 20 }, (_, j) => {
        sent.push(items[j]!)
        return postJson(`${first.url}feedback`, { user: 'durable-1', item: items[j], value: 1 + (j % 5) })
      }),
    )
    expect(acks.map((a) => a.status)).toEqual(Array(20).fill(202))
    expect((await postJson(`${first.url}feedback`, { user: known, item: items[30], event: 'buy' })).status).toBe(202)
    expect((await postJson(`${first.url}users`, { id: 'cold-1', likes: [items[40], items[41]], text: 'likes dragons' })).status).toBe(201)
    first.child.kill('SIGKILL')
    expect((await first.exited).signal).toBe('SIGKILL')

    const second = await spawnServe(['--model-dir', dir, '--bandit', 'thompson'])
    try {
      const h = await getJson<History>(`${second.url}users/durable-1/history`)
      expect(h.items.map((x) => x.id).sort()).toEqual([...sent].sort())
      expect(h.items.map((x) => x.value).reduce((a, b) => a + b, 0)).toBe(Array.from({ length: 20 }, (_, j) => 1 + (j % 5)).reduce((a, b) => a + b, 0))
      expect((await getJson<History>(`${second.url}users/${known}/history`)).items.length).toBe(before + 1)
      expect((await getJson<History>(`${second.url}users/cold-1/history`)).items.map((x) => x.id)).toEqual([items[40], items[41]])
      expect((await postJson(`${second.url}users`, { id: 'cold-1' })).status).toBe(409)
      expect((await getJson<{ feedbackEvents: number }>(`${second.url}metrics`)).feedbackEvents).toBe(23)

      // the bandit learns from a click; SIGTERM within the two-second save interval still keeps it
      const list = await getJson<{ items: { id: string }[] }>(`${second.url}recommendations/${known}?model=bandit&k=5`)
      const more = await Promise.all(Array.from({ length: 20 }, (_, j) => postJson(`${second.url}feedback`, { user: 'durable-2', item: items[50 + j] })))
      expect(more.every((a) => a.status === 202)).toBe(true)
      expect((await postJson(`${second.url}feedback`, { user: known, item: list.items[0]!.id, event: 'click' })).status).toBe(202)
      // an in-flight request finishes: a large batch posted just before the signal is answered and kept
      const batch = Array.from({ length: 5000 }, (_, j) => ({ user: `bulk-${j % 50}`, item: items[j % items.length]! }))
      const inFlight = postJson(`${second.url}feedback`, { events: batch })
      await new Promise((r) => setTimeout(r, 30))
      second.child.kill('SIGTERM')
      const ack = await inFlight
      expect(ack.status).toBe(202)
      const exit = await second.exited
      expect(exit, second.stderr()).toEqual({ code: 0, signal: null })
      expect(second.stderr()).toMatch(/SIGTERM: finishing in-flight requests/)
    } finally {
      if (second.child.exitCode === null) second.child.kill('SIGKILL')
    }

    // and once more, in this process
    const third = await startServing({ registry: testRegistry(), modelDir: dir, port: 0, bandit: 'thompson' })
    try {
      expect(third.service.history('durable-2').items).toHaveLength(20)
      expect(third.service.history('bulk-7').items).toHaveLength(100)
      const m = third.service.stats()
      expect(m.feedbackEvents).toBe(23 + 20 + 1 + 5000)
      expect(m.bandit).toMatchObject({ clicks: 1, updates: 1 })
    } finally {
      await third.close()
    }
  }, 240_000)

  it('stores exactly the acknowledged count of 30,000 events at concurrency 20, before and after a restart', async () => {
    const dir = path.join(root, 'load')
    await writeTestGeneration(dir, data)
    const registry = testRegistry()
    const start = () => startServing({ registry, modelDir: dir, port: 0, bandit: 'none', security: { writesPerMinute: 0, readsPerMinute: 0 } })
    const s = await start()
    const bodies = Array.from({ length: 40 }, (_, j) => JSON.stringify({ user: `load-${j % 40}`, item: items[j % items.length], event: 'view' }))
    let n = 0
    const result = await autocannon({
      url: `${s.url}feedback`,
      method: 'POST',
      connections: 20,
      amount: 30_000,
      headers: { 'content-type': 'application/json' },
      requests: [{ setupRequest: (req) => ({ ...req, body: bodies[n++ % bodies.length] }) }],
    })
    const acknowledged = result['2xx']
    expect(result.errors).toBe(0)
    expect(acknowledged).toBe(30_000)
    expect(s.service.stats().feedbackEvents).toBe(acknowledged)
    await s.close()
    const store = await openEmbeddedStore(path.join(dir, 'eventlog'))
    const [row] = await store.query<{ n: number }>("SELECT count(*)::float8 AS n FROM recforge_events WHERE kind = 'feedback'")
    await store.close()
    expect(row!.n).toBe(acknowledged)
    const again = await start()
    try {
      expect(again.service.stats().feedbackEvents).toBe(acknowledged)
      expect(again.service.stats().liveEvents).toBe(acknowledged)
      const users = Array.from({ length: 40 }, (_, j) => again.service.history(`load-${j}`).items.length)
      expect(users.reduce((a, b) => a + b, 0)).toBe(acknowledged)
    } finally {
      await again.close()
    }
  }, 120_000)
})
