import { mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { openEmbeddedStore } from '../sql'

const dirs: string[] = []
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true })
})

describe('the embedded store syncs the log segments a commit wrote', () => {
  it('finds them from the position a statement selected, also across a segment switch', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'recforge-wal-'))
    dirs.push(dir)
    const store = await openEmbeddedStore(path.join(dir, 'eventlog'))
    expect(store.walPosition).toBeDefined()
    const probe = await open(path.join(dir, 'probe'), 'w')
    const proto = Object.getPrototypeOf(probe) as { datasync: () => Promise<void>; sync: () => Promise<void> }
    await probe.close()
    const datasync = vi.spyOn(proto, 'datasync')
    const dirSync = vi.spyOn(proto, 'sync')
    const segment = async () => (await store.query<{ f: string }>('SELECT pg_walfile_name(pg_current_wal_insert_lsn()) AS f'))[0]!.f
    try {
      const first = await segment()
      const perSync: { datasyncs: number; dirSyncs: number; segment: string }[] = []
      // about 4 MB of log a statement: a 16 MB segment fills within a few
      for (let round = 0; round < 12; round++) {
        datasync.mockClear()
        dirSync.mockClear()
        const rows = await store.query<{ wal: string }>(
          `INSERT INTO recforge_events (kind, user_id, info, origin) SELECT 'feedback', 'u' || g, repeat(md5(g::text), 60), 'test' FROM generate_series(1, 2000) g RETURNING ${store.walPosition} AS wal`,
        )
        await store.sync(rows.at(-1)!.wal)
        perSync.push({ datasyncs: datasync.mock.calls.length, dirSyncs: dirSync.mock.calls.length, segment: await segment() })
        if (perSync.length >= 2 && perSync.at(-2)!.segment !== first) break
      }
      const switched = perSync.findIndex((s) => s.segment !== first)
      expect(switched).toBeGreaterThan(0)
      // before the switch one file a sync; at it the old segment (its last commit may end there) and the new one, and the folder
      expect(perSync.slice(0, switched).every((s) => s.datasyncs === 1 && s.dirSyncs === 0)).toBe(true)
      expect(perSync[switched]!.datasyncs).toBe(2)
      expect(perSync[switched]!.dirSyncs).toBe(1)
      expect(perSync[switched + 1]).toMatchObject({ datasyncs: 1, dirSyncs: 0 })
      // without a position the store asks for it, with the same result
      datasync.mockClear()
      await store.sync()
      expect(datasync).toHaveBeenCalledTimes(1)
    } finally {
      datasync.mockRestore()
      dirSync.mockRestore()
      await store.close()
    }
  })
})
