import { describe, expect, it } from 'vitest'
import { describeVectorIndex, clusteredVectors, referenceSearch } from '@recforge/core/testing'
import { RecForgeError } from '@recforge/core'
import { ExactIndex } from '../exact'
import { loadExactIndexFile, saveIndexFile } from '../node'
import { allowKeys, excludeKeys, allFilters } from '../filters'

describeVectorIndex('ExactIndex', {
  create: (dimensions, metric) => new ExactIndex({ dimensions, metric }),
  load: (bytes) => ExactIndex.load(bytes),
})

describeVectorIndex('ExactIndex (scalar kernels, no SIMD)', {
  create: (dimensions, metric) => new ExactIndex({ dimensions, metric, simd: false }),
  load: (bytes) => ExactIndex.load(bytes),
})

describe('ExactIndex', () => {
  const d = 8
  const data = clusteredVectors(300, d, 3)
  const keys = Int32Array.from({ length: 300 }, (_, i) => i)

  it('computes the three distances by hand', () => {
    const v = new Float32Array([3, 4, 0, 0, 1, 0])
    const q = new Float32Array([1, 0])
    const k = new Int32Array([1, 2, 3])
    const cos = new ExactIndex({ dimensions: 2, metric: 'cosine' })
    cos.add(k, v)
    const rc = cos.search(q, 3)
    expect(Array.from(rc.keys)).toEqual([3, 1, 2])
    expect(rc.distances[0]).toBeCloseTo(0, 6)
    expect(rc.distances[1]).toBeCloseTo(1 - 3 / 5, 6)
    expect(rc.distances[2]).toBeCloseTo(1, 6)
    const ip = new ExactIndex({ dimensions: 2, metric: 'ip' })
    ip.add(k, v)
    const ri = ip.search(q, 3)
    expect(Array.from(ri.keys)).toEqual([1, 3, 2])
    expect(Array.from(ri.distances)).toEqual([-3, -1, -0])
    const l2 = new ExactIndex({ dimensions: 2, metric: 'l2' })
    l2.add(k, v)
    const rl = l2.search(q, 3)
    expect(Array.from(rl.keys)).toEqual([3, 2, 1])
    expect(Array.from(rl.distances)).toEqual([0, 1, 20])
  })

  it('batch search equals one-by-one search for every metric, odd batch sizes, with and without SIMD', () => {
    for (const [metric, simd] of [['cosine', true], ['ip', true], ['l2', true], ['cosine', false], ['ip', false], ['l2', false]] as const) {
      const index = new ExactIndex({ dimensions: d, metric, simd })
      index.add(keys, data)
      const qs = clusteredVectors(7, d, 11)
      const batch = index.searchBatch(qs, 5, (key) => key !== 3)
      expect(batch.length).toBe(7)
      for (let i = 0; i < 7; i++) {
        const one = index.search(qs.subarray(i * d, i * d + d), 5, (key) => key !== 3)
        expect(Array.from(batch[i]!.keys)).toEqual(Array.from(one.keys))
        for (let j = 0; j < 5; j++) expect(batch[i]!.distances[j]).toBeCloseTo(one.distances[j]!, 5)
        expect(Array.from(one.keys)).toEqual(Array.from(referenceSearch(metric, data, d, qs.subarray(i * d, i * d + d), 5, (key) => key !== 3)))
      }
    }
  })

  it('keeps storage dense across removals and moves the right vectors', () => {
    const index = new ExactIndex({ dimensions: d, metric: 'l2', capacity: 2 })
    index.add(keys, data)
    index.remove(Int32Array.from({ length: 150 }, (_, i) => i * 2))
    expect(index.size).toBe(150)
    for (const key of [1, 99, 299]) {
      const res = index.search(data.subarray(key * d, key * d + d), 1)
      expect(res.keys[0]).toBe(key)
      expect(res.distances[0]).toBe(0)
    }
    expect(index.has(2)).toBe(false)
    expect(Array.from(index.keys()).every((k) => k % 2 === 1)).toBe(true)
  })

  it('exclude and allow filters', () => {
    const index = new ExactIndex({ dimensions: d, metric: 'cosine' })
    index.add(keys, data)
    const q = data.subarray(0, d)
    const res = index.search(q, 5, allFilters(excludeKeys(new Int32Array([0, 1])), allowKeys(Int32Array.from({ length: 50 }, (_, i) => i))))
    for (const k of res.keys) {
      expect(k).toBeGreaterThan(1)
      expect(k).toBeLessThan(50)
    }
    expect(res.keys.length).toBe(5)
    expect(index.search(q, 5, allowKeys(new Int32Array([7]))).keys).toEqual(new Int32Array([7]))
  })

  it('round-trips through a file and rejects corrupt bytes', async () => {
    const { mkdtemp, rm, writeFile, readFile } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const path = await import('node:path')
    const dir = await mkdtemp(path.join(tmpdir(), 'rf-exact-'))
    try {
      const index = new ExactIndex({ dimensions: d, metric: 'ip' })
      index.add(keys, data)
      const file = path.join(dir, 'idx.bin')
      await saveIndexFile(index, file)
      const again = await loadExactIndexFile(file)
      expect(Array.from(again.search(data.subarray(0, d), 10).keys)).toEqual(Array.from(index.search(data.subarray(0, d), 10).keys))
      const bytes = new Uint8Array(await readFile(file))
      bytes[100] = bytes[100]! ^ 0xff
      await writeFile(file, bytes)
      await expect(loadExactIndexFile(file)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' })
      await expect(loadExactIndexFile(path.join(dir, 'missing.bin'))).rejects.toMatchObject({ code: 'IO_ERROR' })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('gives clear errors for bad options and queries', () => {
    expect(() => new ExactIndex({ dimensions: 0 })).toThrow(RecForgeError)
    expect(() => new ExactIndex({ dimensions: 4, metric: 'dot' as never })).toThrow(/metric must be one of/)
    const index = new ExactIndex({ dimensions: 4 })
    expect(() => index.search(new Float32Array(3), 1)).toThrow(/query has 3 dimensions; the index expects 4/)
    expect(() => index.add(new Int32Array([1, 2]), new Float32Array(4))).toThrow(/2 keys need 2 × 4 = 8/)
    expect(() => index.search(new Float32Array(4), -1)).toThrow(/k must be a non-negative integer/)
    expect(() => index.searchBatch(new Float32Array(5), 1)).toThrow(RecForgeError)
    const batch = new Float32Array(8)
    batch[6] = Number.POSITIVE_INFINITY
    expect(() => index.searchBatch(batch, 1)).toThrow(/query 1\): query component 2 is Infinity/)
  })
})
