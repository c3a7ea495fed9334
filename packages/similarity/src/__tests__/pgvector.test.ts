import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { clusteredVectors } from '@recforge/core/testing'
import { RecForgeError } from '@recforge/core'
import { ExactIndex } from '../exact'
import { PgVectorStore, openPglite } from '../adapters/pgvector'

describe('PgVectorStore on PGlite with pgvector', () => {
  const d = 8
  const n = 400
  const data = clusteredVectors(n, d, 13)
  const keys = Int32Array.from({ length: n }, (_, i) => i + 1)
  const genres = ['drama', 'comedy', 'horror']
  const meta = Array.from({ length: n }, (_, i) => ({ genre: genres[i % 3]!, year: 1980 + (i % 40), tags: { i } }))
  let db: Awaited<ReturnType<typeof openPglite>>
  let dataDir: string
  const stores: Record<string, PgVectorStore> = {}

  beforeAll(async () => {
    // on disk, so the last test can close the database and open it again
    dataDir = await mkdtemp(path.join(tmpdir(), 'rf-pgvector-'))
    db = await openPglite({ dataDir })
    for (const metric of ['cosine', 'ip', 'l2'] as const) {
      const store = await PgVectorStore.open({ client: db, dimensions: d, metric, table: `items_${metric}`, metadata: { genre: 'text', year: 'integer', tags: 'jsonb' }, efSearch: 100 })
      await store.upsert(keys, data, meta)
      stores[metric] = store
    }
  }, 60_000)
  afterAll(async () => {
    await db?.close()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('answers like ExactIndex for every metric, with distances in RecForge conventions', async () => {
    const queries = clusteredVectors(10, d, 31)
    for (const metric of ['cosine', 'ip', 'l2'] as const) {
      const exact = new ExactIndex({ dimensions: d, metric })
      exact.add(keys, data)
      let found = 0
      for (let i = 0; i < 10; i++) {
        const q = queries.subarray(i * d, i * d + d)
        const want = exact.search(q, 10)
        const got = await stores[metric]!.search(q, 10)
        expect(got.keys.length).toBe(10)
        const truth = new Set(want.keys)
        for (const key of got.keys) if (truth.has(key)) found++
        expect(got.distances[0]).toBeCloseTo(want.distances[0]!, 3)
      }
      expect(found / 100).toBeGreaterThanOrEqual(0.95)
    }
  })

  it('filters on metadata, excluded keys and allow-lists', async () => {
    const store = stores['cosine']!
    const q = data.subarray(0, d)
    const res = await store.search(q, 10, { where: { genre: 'comedy', year: { gte: 1990, lt: 2010 } }, exclude: new Int32Array([2, 5]) })
    expect(res.keys.length).toBe(10)
    for (const key of res.keys) {
      const m = meta[key - 1]!
      expect(m.genre).toBe('comedy')
      expect(m.year).toBeGreaterThanOrEqual(1990)
      expect(m.year).toBeLessThan(2010)
      expect([2, 5]).not.toContain(key)
    }
    const exact = new ExactIndex({ dimensions: d, metric: 'cosine' })
    exact.add(keys, data)
    const want = exact.search(q, 10, (key) => meta[key - 1]!.genre === 'comedy' && meta[key - 1]!.year >= 1990 && meta[key - 1]!.year < 2010 && key !== 2 && key !== 5)
    expect(Array.from(res.keys)).toEqual(Array.from(want.keys))
    const allowed = await store.search(q, 10, { allow: new Int32Array([7, 8, 9]), where: { genre: ['drama', 'horror'] } })
    expect(Array.from(allowed.keys).sort()).toEqual([7, 9])
  })

  it('upserts replace vectors and metadata; delete removes rows', async () => {
    const store = await PgVectorStore.open({ client: db, dimensions: 2, metric: 'l2', table: 'small', metadata: { genre: 'text' } })
    await store.upsert(new Int32Array([1, 2, 3]), new Float32Array([0, 0, 1, 0, 5, 5]), [{ genre: 'a' }, { genre: 'b' }, { genre: 'a' }])
    expect(await store.size()).toBe(3)
    await store.upsert(new Int32Array([3]), new Float32Array([0, 1]), [{ genre: 'b' }])
    expect(await store.size()).toBe(3)
    const r = await store.search(new Float32Array([0, 0]), 3)
    expect(Array.from(r.keys)).toEqual([1, 2, 3].slice(0, 1).concat(r.keys[1] === 2 ? [2, 3] : [3, 2]))
    expect(Array.from(r.distances)).toEqual([0, 1, 1])
    expect(Array.from((await store.search(new Float32Array([0, 0]), 3, { where: { genre: 'b' } })).keys).sort()).toEqual([2, 3])
    await store.delete(new Int32Array([1, 99]))
    expect(await store.size()).toBe(2)
    expect(Array.from((await store.search(new Float32Array([0, 0]), 3)).keys)).not.toContain(1)
  })

  it('rejects bad input with RecForgeError', async () => {
    const store = stores['l2']!
    await expect(store.search(new Float32Array(d + 1), 3)).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' })
    const bad = new Float32Array(d)
    bad[0] = Number.NaN
    await expect(store.search(bad, 3)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(store.upsert(new Int32Array([1]), new Float32Array(d - 1))).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' })
    await expect(store.upsert(new Int32Array([1]), bad)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(store.search(data.subarray(0, d), -1)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    await expect(store.search(data.subarray(0, d), 3, { where: { nope: 1 } })).rejects.toThrow(/unknown metadata column "nope"/)
    await expect(PgVectorStore.open({ client: db, dimensions: 2, table: 'Bad-Name' })).rejects.toBeInstanceOf(RecForgeError)
    await expect(PgVectorStore.open({ client: db, dimensions: 2, table: 'ok', metadata: { genre: 'varchar' as never } })).rejects.toThrow(/expected one of/)
  })

  it('keeps vectors, metadata and the HNSW index across closing and reopening the database', async () => {
    const queries = clusteredVectors(5, d, 41)
    const before = []
    for (let i = 0; i < 5; i++) before.push(await stores['cosine']!.search(queries.subarray(i * d, i * d + d), 10, { where: { genre: 'drama' } }))
    await db.close()
    db = await openPglite({ dataDir })
    const store = await PgVectorStore.open({ client: db, dimensions: d, metric: 'cosine', table: 'items_cosine', metadata: { genre: 'text', year: 'integer', tags: 'jsonb' }, efSearch: 100 })
    expect(await store.size()).toBe(n)
    const indexes = await db.query(`SELECT indexname FROM pg_indexes WHERE tablename = 'items_cosine'`)
    expect(indexes.rows.map((r) => r['indexname'])).toContain('items_cosine_embedding_hnsw')
    for (let i = 0; i < 5; i++) {
      const after = await store.search(queries.subarray(i * d, i * d + d), 10, { where: { genre: 'drama' } })
      expect(Array.from(after.keys)).toEqual(Array.from(before[i]!.keys))
      for (let j = 0; j < 10; j++) expect(after.distances[j]).toBeCloseTo(before[i]!.distances[j]!, 6)
    }
  })
})
