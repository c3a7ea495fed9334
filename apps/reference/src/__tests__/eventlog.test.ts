import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DuplicateUserError, MemoryEventLog, SqlEventLog, type EventLog, type LogRecord } from '../eventlog'
import { openEmbeddedStore, type SqlStore } from '../sql'

const dirs: string[] = []
const stores: SqlStore[] = []
afterAll(async () => {
  for (const s of stores) await s.close()
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

async function embedded(): Promise<EventLog> {
  const dir = await mkdtemp(path.join(tmpdir(), 'recforge-log-'))
  dirs.push(dir)
  const store = await openEmbeddedStore(path.join(dir, 'eventlog'))
  stores.push(store)
  return new SqlEventLog(store)
}

const click = (user: string, item: string): LogRecord => ({ kind: 'feedback', user, item, value: 2, event: 'click', timestamp: 1_700_000_000 })

describe.each([
  ['in memory', async () => new MemoryEventLog() as EventLog],
  ['embedded PGlite', embedded],
])('event log %s', (_name, open) => {
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

  it('commits a burst of appends in a few batches and acknowledges every one', async () => {
    const log = await open()
    const acks = await Promise.all(Array.from({ length: 500 }, (_, j) => log.append([click(`u${j % 7}`, String(j))])))
    expect(acks.flat()).toHaveLength(500)
    expect(await log.countFeedback()).toBe(500)
  }, 60_000)
})
