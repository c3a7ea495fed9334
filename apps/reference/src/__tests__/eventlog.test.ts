import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startTestCluster } from '../../../../scripts/pg-test-cluster.mjs'
import { DuplicateUserError, MemoryEventLog, SqlEventLog, type EventLog, type LogRecord } from '../eventlog'
import { openEmbeddedStore, openServerStore, type SqlStore } from '../sql'

// the server driver runs on a throwaway cluster (scripts/pg-test-cluster.mjs); without one its
// tests are reported as skipped, with the reason printed
const cluster = await startTestCluster()
const skipped = 'skipped' in cluster ? cluster.skipped : undefined
if (skipped) process.stderr.write(`event log tests on a PostgreSQL server skipped: ${skipped}\n`)

const dirs: string[] = []
const stores: SqlStore[] = []
afterAll(async () => {
  for (const s of stores) await s.close()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
  if (!('skipped' in cluster)) await cluster.stop()
})

/** `standard_conforming_strings`, where the log must not depend on it. */
type Conforming = 'on' | 'off'

async function embedded(conforming: Conforming = 'on'): Promise<EventLog> {
  const dir = await mkdtemp(path.join(tmpdir(), 'recforge-log-'))
  dirs.push(dir)
  const store = await openEmbeddedStore(path.join(dir, 'eventlog'))
  stores.push(store)
  await store.query(`SET standard_conforming_strings = ${conforming}`)
  return new SqlEventLog(store)
}

let databases = 0
/** A log in a database of its own on the test cluster, whose every connection has `standard_conforming_strings` as given. */
async function server(conforming: Conforming = 'on'): Promise<EventLog> {
  if ('skipped' in cluster) throw new Error(cluster.skipped)
  const admin = await openServerStore(cluster.url, { max: 1 })
  stores.push(admin)
  const name = `log_${++databases}`
  await admin.query(`CREATE DATABASE ${name}`)
  await admin.query(`ALTER DATABASE ${name} SET standard_conforming_strings = ${conforming}`)
  const store = await openServerStore(cluster.url.replace(/\/postgres$/, `/${name}`))
  stores.push(store)
  return new SqlEventLog(store)
}

const click = (user: string, item: string): LogRecord => ({ kind: 'feedback', user, item, value: 2, event: 'click', timestamp: 1_700_000_000 })

const drivers: [string, (conforming?: Conforming) => Promise<EventLog>][] = [
  ['in memory', async () => new MemoryEventLog()],
  ['embedded PGlite', embedded],
]
if (skipped) describe('event log on a PostgreSQL server', () => it.skip(`skipped: ${skipped}`, () => {}))
else drivers.push(['on a PostgreSQL server', server])

describe.each(drivers)('event log %s', (_name, open) => {
  it('stores concurrent appends in order, each all or nothing, and one failing write fails only itself', async () => {
    const log = await open()
    const writes = [
      log.append([click('a', '1'), click('a', '2')]),
      log.append([{ kind: 'user', user: 'new-1', text: 'likes films' }, click('new-1', '3')]),
      log.append([{ kind: 'user', user: 'new-1' }, click('new-1', '4')]),
      log.append([click('b', '5')]),
    ]
    const results = await Promise.allSettled(writes)
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect((results[2] as PromiseRejectedResult).reason).toBeInstanceOf(DuplicateUserError)
    const seqs = results.flatMap((r) => (r.status === 'fulfilled' ? r.value.map((x) => x.seq) : []))
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y))
    expect(new Set(seqs).size).toBe(5)
    await log.flush()
    const all = await log.read(0, 100)
    expect(all.map((r) => (r.kind === 'feedback' ? `${r.user}:${r.item}` : `+${r.user}`))).toEqual(['a:1', 'a:2', '+new-1', 'new-1:3', 'b:5'])
    expect(all[2]).toMatchObject({ kind: 'user', user: 'new-1', text: 'likes films', origin: log.origin })
    expect(all[0]).toMatchObject({ value: 2, event: 'click', timestamp: 1_700_000_000 })
    expect(await log.countFeedback()).toBe(4)
    expect(await log.snapshot()).toBe(all.at(-1)!.seq)
    expect((await log.read(all[1]!.seq, 2)).map((r) => r.seq)).toEqual([all[2]!.seq, all[3]!.seq])
  }, 60_000)

  it.each(['on', 'off'] as const)('stores ids and text with quotes, backslashes and any Unicode exactly (standard_conforming_strings %s)', async (conforming) => {
    const log = await open(conforming)
    const odd = ["o'brien", 'back\\slash', "\\'", "'\\", '\\', "''", '"quoted"', 'naïve 映画 🎬', "'); DROP TABLE recforge_events; --", "\\'); DROP TABLE recforge_events; --", 'E\'x\'', '$$dollar$$', 'tab\there\nnewline\r']
    await log.append(odd.map((u, j) => click(u, odd[(j + 1) % odd.length]!)))
    await log.append([{ kind: 'user', user: 'texty', text: "it's \\n not a newline \\\\ \\" }])
    const all = await log.read(0, 100)
    expect(all).toHaveLength(odd.length + 1)
    expect(all.slice(0, odd.length).map((r) => (r.kind === 'feedback' ? [r.user, r.item] : []))).toEqual(odd.map((u, j) => [u, odd[(j + 1) % odd.length]]))
    expect(all[odd.length]).toMatchObject({ kind: 'user', user: 'texty', text: "it's \\n not a newline \\\\ \\" })
    expect(await log.countFeedback()).toBe(odd.length)
  }, 60_000)

  it('refuses NUL in text, and numbers that are not finite, storing nothing of the request', async () => {
    const log = await open()
    await expect(log.append([click('a', '1'), click('nul\0user', '2')])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(log.append([{ kind: 'feedback', user: 'a', item: '1', value: Number.NaN }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await log.append([click('a', '3')])
    expect((await log.read(0, 100)).map((r) => (r.kind === 'feedback' ? r.item : ''))).toEqual(['3'])
  }, 60_000)

  it('commits a burst of appends in a few batches and acknowledges every one', async () => {
    const log = await open()
    const acks = await Promise.all(Array.from({ length: 500 }, (_, j) => log.append([click(`u${j % 7}`, String(j))])))
    expect(acks.flat()).toHaveLength(500)
    expect(await log.countFeedback()).toBe(500)
  }, 60_000)
})
