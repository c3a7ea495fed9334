import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startTestCluster } from '../../../../scripts/pg-test-cluster.mjs'
import { getJson, postJson, smallData, spawnServe, writeTestGeneration, type ServeProcess } from './helpers'

// a throwaway PostgreSQL cluster (scripts/pg-test-cluster.mjs); without one these tests are
// reported as skipped, with the reason printed
const cluster = await startTestCluster()
const skipped = 'skipped' in cluster ? cluster.skipped : undefined
if (skipped) process.stderr.write(`scale-out tests skipped: ${skipped}\n`)

const data = smallData()
const items = data.items.ids()
const admin = { 'x-api-key': 'admin-key' }

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<{ value: T; after: number }> {
  const t0 = Date.now()
  for (;;) {
    const v = await fn()
    if (v !== undefined) return { value: v, after: Date.now() - t0 }
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

// without a server, the suite shows one skipped test whose name gives the reason
if (skipped) describe('scale-out on PostgreSQL', () => it.skip(`skipped: ${skipped}`, () => {}))
else describe('two serve processes on one PostgreSQL server', () => {
  const procs: ServeProcess[] = []
  let root: string
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL')
    if (root) await rm(root, { recursive: true, force: true })
    if (!('skipped' in cluster)) await cluster.stop()
  })

  it('share events within a second, and a retrain on one is picked up by the other', async () => {
    if ('skipped' in cluster) return
    root = await mkdtemp(path.join(tmpdir(), 'recforge-scale-'))
    const dir = path.join(root, 'models')
    await writeTestGeneration(dir, data)
    const env = { RECFORGE_API_KEY: 'admin-key' }
    const [a, b] = await Promise.all(
      ['a', 'b'].map((name) => spawnServe(['--model-dir', dir, '--database', cluster.url, '--bandit-state', path.join(root, `bandit-${name}.rfa`)], env)),
    )
    procs.push(a!, b!)
    // an event posted to one is in the other's history within one second
    expect((await postJson(`${a!.url}feedback`, { user: 'shared-1', item: items[7] })).status).toBe(202)
    const seen = await until('the event on b', async () => {
      const r = await fetch(`${b!.url}users/shared-1/history`)
      return r.ok ? ((await r.json()) as { items: { id: string }[] }) : undefined
    }, 1000)
    expect(seen.value.items.map((x) => x.id)).toEqual([items[7]])
    // both ways, for a new user too
    expect((await postJson(`${b!.url}users`, { id: 'shared-2', likes: [items[8]] })).status).toBe(201)
    await until('the new user on a', async () => ((await fetch(`${a!.url}users/shared-2/history`)).ok ? true : undefined), 1000)
    expect((await postJson(`${a!.url}users`, { id: 'shared-2' })).status).toBe(409)
    // a retrain on a: b serves the new generation, and both refuse a second retrain meanwhile
    const started = await postJson(`${a!.url}admin/retrain`, {}, admin)
    expect(started.status).toBe(202)
    const busy = await postJson(`${b!.url}admin/retrain`, {}, admin)
    expect(busy.status).toBe(409)
    expect(busy.body.running).toBe(started.body.id)
    const more = await Promise.all(Array.from({ length: 10 }, (_, j) => postJson(`${b!.url}feedback`, { user: 'shared-3', item: items[20 + j] })))
    expect(more.every((r) => r.status === 202)).toBe(true)
    const { value: generation } = await until('the new generation on b', async () => {
      const h = await getJson<{ generation: string }>(`${b!.url}health`)
      return h.generation === 'g-000002' ? h.generation : undefined
    }, 90_000)
    expect(generation).toBe('g-000002')
    expect((await getJson<{ generation: string }>(`${a!.url}health`)).generation).toBe('g-000002')
    for (const p of [a!, b!]) {
      expect((await getJson<{ items: unknown[] }>(`${p.url}users/shared-1/history`)).items).toHaveLength(1)
      expect((await getJson<{ items: unknown[] }>(`${p.url}users/shared-3/history`)).items).toHaveLength(10)
      expect((await getJson<{ feedbackEvents: number }>(`${p.url}metrics`)).feedbackEvents).toBe(12)
    }
    for (const p of [a!, b!]) p.child.kill('SIGTERM')
    for (const p of [a!, b!]) expect((await p.exited).code).toBe(0)
  }, 180_000)
})
