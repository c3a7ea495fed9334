import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import pg from 'pg'
import { clusteredVectors } from '@recforge/core/testing'
import { ExactIndex } from '../exact'
import { PgVectorStore } from '../adapters/pgvector'
import { startTestCluster } from '../../../../scripts/pg-test-cluster.mjs'

// PgVectorStore against a real PostgreSQL server with pgvector (a throwaway cluster started by
// scripts/pg-test-cluster.mjs; scripts/ensure-postgres.mjs installs the server and builds
// pgvector). Without one, the suite shows a skipped test whose name gives the reason.
const cluster = await startTestCluster()
let skipped = 'skipped' in cluster ? cluster.skipped : undefined
let client: pg.Client | undefined
if (!('skipped' in cluster)) {
  client = new pg.Client(cluster.url)
  await client.connect()
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS vector')
  } catch (e) {
    skipped = `the server has no pgvector (${(e as Error).message}); run \`node scripts/ensure-postgres.mjs\` as root`
    if (process.env.RECFORGE_REQUIRE_POSTGRES === '1') throw new Error(skipped)
  }
}
if (skipped) process.stderr.write(`PgVectorStore server tests skipped: ${skipped}\n`)

afterAll(async () => {
  await client?.end()
  if (!('skipped' in cluster)) await cluster.stop()
})

if (skipped) describe('PgVectorStore on a PostgreSQL server', () => it.skip(`skipped: ${skipped}`, () => {}))
else
  describe('PgVectorStore on a PostgreSQL server with pgvector', () => {
    const d = 6
    const n = 300
    const vectors = clusteredVectors(n, d, 7)
    const keys = Int32Array.from({ length: n }, (_, i) => 10 + i)
    const kinds = ['book', 'film']
    const rows = Array.from({ length: n }, (_, i) => ({ kind: kinds[i % 2]!, year: 2000 + (i % 25) }))
    const exact = (metric: 'cosine' | 'ip' | 'l2') => {
      const e = new ExactIndex({ dimensions: d, metric })
      e.add(keys, vectors)
      return e
    }

    beforeAll(async () => {
      for (const metric of ['cosine', 'ip', 'l2'] as const) {
        const store = await PgVectorStore.open({ client: client!, dimensions: d, metric, table: `server_${metric}`, metadata: { kind: 'text', year: 'integer' } })
        await store.upsert(keys, vectors, rows)
      }
    })

    it('finds what exact search finds, for each metric, through the HNSW index', async () => {
      const queries = clusteredVectors(8, d, 99)
      for (const metric of ['cosine', 'ip', 'l2'] as const) {
        const store = await PgVectorStore.open({ client: client!, dimensions: d, metric, table: `server_${metric}`, metadata: { kind: 'text', year: 'integer' }, efSearch: 200 })
        const e = exact(metric)
        let hits = 0
        for (let q = 0; q < 8; q++) {
          const query = queries.subarray(q * d, (q + 1) * d)
          const got = await store.search(query, 10)
          const want = e.search(query, 10)
          const truth = new Set(want.keys)
          hits += Array.from(got.keys).filter((k) => truth.has(k)).length
          expect(got.distances[0]).toBeCloseTo(want.distances[0]!, 3)
        }
        expect(hits / 80, metric).toBeGreaterThanOrEqual(0.95)
      }
      // the planner would scan 300 rows; without that choice it must use the index the store built
      await client!.query('SET enable_seqscan = off')
      const plan = await client!.query("EXPLAIN SELECT id FROM server_l2 ORDER BY embedding <-> '[0,0,0,0,0,1]' LIMIT 5")
      await client!.query('SET enable_seqscan = on')
      expect(plan.rows.map((r) => String(r['QUERY PLAN'])).join(' ')).toMatch(/server_l2_embedding_hnsw/)
    })

    it('filters by metadata, exclusions and allow-lists exactly as the filter says', async () => {
      const store = await PgVectorStore.open({ client: client!, dimensions: d, metric: 'cosine', table: 'server_cosine', metadata: { kind: 'text', year: 'integer' } })
      const query = vectors.subarray(5 * d, 6 * d)
      const ok = (key: number) => rows[key - 10]!.kind === 'film' && rows[key - 10]!.year > 2010 && key !== 11
      const got = await store.search(query, 8, { where: { kind: 'film', year: { gt: 2010 } }, exclude: new Int32Array([11]) })
      expect(Array.from(got.keys)).toEqual(Array.from(exact('cosine').search(query, 8, ok).keys))
      const allow = await store.search(query, 5, { allow: new Int32Array([10, 11, 12, 13]), where: { kind: ['book'] } })
      expect(Array.from(allow.keys).sort()).toEqual([10, 12])
    })

    it('replaces on upsert and removes on delete', async () => {
      const store = await PgVectorStore.open({ client: client!, dimensions: 2, metric: 'l2', table: 'server_small', hnsw: false })
      await store.upsert(new Int32Array([1, 2]), new Float32Array([0, 0, 3, 4]))
      await store.upsert(new Int32Array([2]), new Float32Array([0, 2]))
      expect(await store.size()).toBe(2)
      const r = await store.search(new Float32Array([0, 0]), 2)
      expect(Array.from(r.keys)).toEqual([1, 2])
      expect(Array.from(r.distances)).toEqual([0, 4])
      await store.delete(new Int32Array([1]))
      expect(Array.from((await store.search(new Float32Array([0, 0]), 2)).keys)).toEqual([2])
    })

    it('is seen by a second connection (the data is on the server)', async () => {
      const other = new pg.Client((cluster as { url: string }).url)
      await other.connect()
      try {
        const store = await PgVectorStore.open({ client: other, dimensions: d, metric: 'ip', table: 'server_ip', metadata: { kind: 'text', year: 'integer' } })
        expect(await store.size()).toBe(n)
      } finally {
        await other.end()
      }
    })
  })
