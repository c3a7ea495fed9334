import { createHash } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { describeVectorIndex, clusteredVectors } from '@recforge/core/testing'
import { Random, RecForgeError } from '@recforge/core'
import { ExactIndex } from '../exact'
import { HnswIndex } from '../hnsw'
import { loadHnswIndexFile, saveIndexFile } from '../node'
import { excludeKeys } from '../filters'
import { simdAvailable } from '../internal/arena'

describeVectorIndex('HnswIndex (defaults)', {
  create: (dimensions, metric) => new HnswIndex({ dimensions, metric }),
  load: (bytes) => HnswIndex.load(bytes),
  metrics: ['cosine', 'l2'],
  minRecall: 0.95,
})

describeVectorIndex('HnswIndex (M 12, keepPrunedConnections)', {
  create: (dimensions, metric) => new HnswIndex({ dimensions, metric, M: 12, efConstruction: 100, efSearch: 64, keepPrunedConnections: true }),
  load: (bytes) => HnswIndex.load(bytes),
  minRecall: 0.95,
})

describeVectorIndex('HnswIndex (scalar kernels, no SIMD)', {
  create: (dimensions, metric) => new HnswIndex({ dimensions, metric, simd: false, efConstruction: 100 }),
  load: (bytes) => HnswIndex.load(bytes),
  metrics: ['l2'],
  minRecall: 0.95,
})

function recallAgainstExact(h: HnswIndex, e: ExactIndex, queries: Float32Array, d: number, k: number, filter?: (key: number) => boolean): number {
  let found = 0
  let total = 0
  for (let i = 0; i < queries.length / d; i++) {
    const q = queries.subarray(i * d, i * d + d)
    const truth = new Set(e.search(q, k, filter).keys)
    total += truth.size
    for (const key of h.search(q, k, filter).keys) if (truth.has(key)) found++
  }
  return found / total
}

describe('HnswIndex', () => {
  const d = 24
  const n = 3000
  const data = clusteredVectors(n, d, 5, 40)
  const keys = Int32Array.from({ length: n }, (_, i) => i * 3 - 1000)
  const queries = clusteredVectors(100, d, 77, 40)

  it('reaches recall@10 >= 0.95 against ExactIndex for every metric, with and without a filter', () => {
    for (const metric of ['cosine', 'ip', 'l2'] as const) {
      const h = new HnswIndex({ dimensions: d, metric, M: 16, efConstruction: 100, efSearch: 64 })
      const e = new ExactIndex({ dimensions: d, metric })
      h.add(keys, data)
      e.add(keys, data)
      expect(recallAgainstExact(h, e, queries, d, 10)).toBeGreaterThanOrEqual(0.95)
      const seen = excludeKeys(keys.filter((_, i) => i % 3 === 0))
      expect(recallAgainstExact(h, e, queries, d, 10, seen)).toBeGreaterThanOrEqual(0.95)
    }
  })

  it('mipsTransform lifts inner-product recall on matrix-factorisation item vectors, and round-trips', async () => {
    // rank-16 factors of the ml-latest-small ratings that ship with the reference app
    process.env['RECFORGE_DATA'] ??= path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../apps/reference/data')
    const { movielensFactors } = await import('../../bench/data')
    const f = movielensFactors(16, 2)
    const fd = f.d
    const fkeys = Int32Array.from({ length: f.vectors.length / fd }, (_, i) => i)
    const e = new ExactIndex({ dimensions: fd, metric: 'ip' })
    e.add(fkeys, f.vectors)
    const queries = f.queries.subarray(0, 200 * fd)
    const direct = new HnswIndex({ dimensions: fd, metric: 'ip', M: 16, efConstruction: 100, efSearch: 64 })
    const reduced = new HnswIndex({ dimensions: fd, metric: 'ip', M: 16, efConstruction: 100, efSearch: 64, mipsTransform: true })
    direct.add(fkeys, f.vectors)
    // in two batches, so the second raises R and rewrites the first batch's extra coordinate
    const half = Math.floor(fkeys.length / 2)
    reduced.add(fkeys.subarray(half), f.vectors.subarray(half * fd))
    reduced.add(fkeys.subarray(0, half), f.vectors.subarray(0, half * fd))
    const rDirect = recallAgainstExact(direct, e, queries, fd, 10)
    const rReduced = recallAgainstExact(reduced, e, queries, fd, 10)
    expect(rDirect).toBeLessThan(0.95)
    expect(rReduced).toBeGreaterThanOrEqual(0.98)
    // distances are the exact -q·x, nearest first
    const q = queries.subarray(0, fd)
    const got = reduced.search(q, 10)
    const want = e.search(q, 10)
    for (let j = 0; j < got.keys.length; j++) {
      const row = f.vectors.subarray(got.keys[j]! * fd, got.keys[j]! * fd + fd)
      let s = 0
      for (let c = 0; c < fd; c++) s += q[c]! * row[c]!
      expect(got.distances[j]!).toBeCloseTo(-s, 4)
      if (j) expect(got.distances[j]!).toBeGreaterThanOrEqual(got.distances[j - 1]!)
    }
    expect(got.distances[0]!).toBeCloseTo(want.distances[0]!, 4)
    const again = HnswIndex.fromBytes(reduced.toBytes())
    expect(again.mipsTransform).toBe(true)
    expect(Array.from(again.search(q, 10).keys)).toEqual(Array.from(got.keys))
    expect(recallAgainstExact(again, e, queries, fd, 10)).toBe(rReduced)
  }, 60_000)

  it('recall rises with efSearch', () => {
    const h = new HnswIndex({ dimensions: d, metric: 'l2', M: 4, efConstruction: 20, efSearch: 10 })
    const e = new ExactIndex({ dimensions: d, metric: 'l2' })
    h.add(keys, data)
    e.add(keys, data)
    const low = recallAgainstExact(h, e, queries, d, 10)
    h.efSearch = 200
    const high = recallAgainstExact(h, e, queries, d, 10)
    expect(high).toBeGreaterThan(low)
    expect(high).toBeGreaterThanOrEqual(0.85)
  })

  it('keeps recall after incremental adds and removals, and never returns removed keys', () => {
    const h = new HnswIndex({ dimensions: d, metric: 'cosine', M: 16, efConstruction: 100, capacity: 16 })
    const e = new ExactIndex({ dimensions: d, metric: 'cosine' })
    for (let s = 0; s < n; s += 500) {
      h.add(keys.subarray(s, s + 500), data.subarray(s * d, (s + 500) * d))
      e.add(keys.subarray(s, s + 500), data.subarray(s * d, (s + 500) * d))
    }
    const gone = keys.filter((_, i) => i % 4 === 1)
    h.remove(gone)
    e.remove(gone)
    expect(h.size).toBe(n - gone.length)
    expect(h.nodes).toBe(n)
    const goneSet = new Set(gone)
    for (let i = 0; i < 20; i++) for (const key of h.search(queries.subarray(i * d, i * d + d), 10).keys) expect(goneSet.has(key)).toBe(false)
    expect(recallAgainstExact(h, e, queries, d, 10)).toBeGreaterThanOrEqual(0.95)
  })

  it('builds the same graph from the same seed and answers identically after save → load → add', async () => {
    const a = new HnswIndex({ dimensions: d, metric: 'l2', M: 8, efConstruction: 50, seed: 3 })
    const b = new HnswIndex({ dimensions: d, metric: 'l2', M: 8, efConstruction: 50, seed: 3 })
    a.add(keys.subarray(0, 500), data.subarray(0, 500 * d))
    b.add(keys.subarray(0, 500), data.subarray(0, 500 * d))
    expect(await a.save()).toEqual(await b.save())
    const c = HnswIndex.fromBytes(a.toBytes())
    a.add(keys.subarray(500, 800), data.subarray(500 * d, 800 * d))
    c.add(keys.subarray(500, 800), data.subarray(500 * d, 800 * d))
    expect(c.size).toBe(800)
    const e = new ExactIndex({ dimensions: d, metric: 'l2' })
    e.add(keys.subarray(0, 800), data.subarray(0, 800 * d))
    expect(recallAgainstExact(c, e, queries, d, 10)).toBeGreaterThanOrEqual(0.95)
  })

  it('builds, in WebAssembly, the graph the TypeScript layer search built (pinned), and both searches answer alike', () => {
    // The layer-0 search runs in WebAssembly when there is no filter, in TypeScript with one; the
    // hashes are of graphs built before the WebAssembly search existed, on the same data.
    expect(simdAvailable()).toBe(true)
    const dd = 16
    const m = 1500
    const vecs = clusteredVectors(m, dd, 11, 30)
    const ids = Int32Array.from({ length: m }, (_, i) => i)
    const pinned = { cosine: '53b8add738911c01', l2: '92dc7ab46412803c', ip: '068314a1ce94bf3c' }
    const qs = clusteredVectors(50, dd, 12, 30)
    for (const metric of ['cosine', 'l2', 'ip'] as const) {
      const h = new HnswIndex({ dimensions: dd, metric, M: 8, efConstruction: 60, capacity: 64 })
      h.add(ids, vecs)
      expect(createHash('sha256').update(h.toBytes()).digest('hex').slice(0, 16)).toBe(pinned[metric])
      h.remove(ids.filter((i) => i % 5 === 2))
      for (const ef of [10, 40, 200]) {
        h.efSearch = ef
        for (let i = 0; i < 50; i++) {
          const q = qs.subarray(i * dd, i * dd + dd)
          const fast = h.search(q, 10)
          const walked = h.search(q, 10, () => true)
          expect(Array.from(fast.keys)).toEqual(Array.from(walked.keys))
          expect(Array.from(fast.distances)).toEqual(Array.from(walked.distances))
          expect(fast.keys.every((k) => k % 5 !== 2)).toBe(true)
        }
      }
    }
  })

  it('round-trips through a file atomically and detects corruption', async () => {
    const { mkdtemp, rm, writeFile, readFile, readdir } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const path = await import('node:path')
    const dir = await mkdtemp(path.join(tmpdir(), 'rf-hnsw-'))
    try {
      const h = new HnswIndex({ dimensions: d, metric: 'ip', M: 8, efConstruction: 40 })
      h.add(keys.subarray(0, 400), data.subarray(0, 400 * d))
      h.remove(new Int32Array([keys[3]!]))
      const file = path.join(dir, 'graph.hnsw')
      await saveIndexFile(h, file)
      expect(await readdir(dir)).toEqual(['graph.hnsw'])
      const again = await loadHnswIndexFile(file)
      expect(again.size).toBe(399)
      expect(again.has(keys[3]!)).toBe(false)
      for (let i = 0; i < 10; i++) {
        const q = queries.subarray(i * d, i * d + d)
        expect(again.search(q, 10)).toEqual(h.search(q, 10))
      }
      const bytes = new Uint8Array(await readFile(file))
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 1
      await writeFile(file, bytes)
      await expect(loadHnswIndexFile(file)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('reaches every node with a tiny M, and handles a single vector', () => {
    const h = new HnswIndex({ dimensions: 3, metric: 'l2', M: 2, keepPrunedConnections: true })
    const v = new Random(1).fillNormal(new Float32Array(3 * 50)) as Float32Array
    h.add(Int32Array.from({ length: 50 }, (_, i) => i), v)
    const r = h.search(new Float32Array([1, 1, 0]), 50)
    expect(r.keys.length).toBe(50)
    expect(new Set(r.keys).size).toBe(50)
    const one = new HnswIndex({ dimensions: 3 })
    one.add(new Int32Array([9]), new Float32Array([0, 0, 1]))
    expect(Array.from(one.search(new Float32Array([0, 1, 0]), 5).keys)).toEqual([9])
  })

  it('rejects bad options with INVALID_ARGUMENT', () => {
    expect(() => new HnswIndex({ dimensions: 4, M: 1 })).toThrow(RecForgeError)
    expect(() => new HnswIndex({ dimensions: 4, efConstruction: 0 })).toThrow(/efConstruction/)
    expect(() => new HnswIndex({ dimensions: -1 })).toThrow(/dimensions must be a positive integer/)
  })
})
