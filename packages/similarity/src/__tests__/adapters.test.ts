import { describe, expect, it } from 'vitest'
import { describeVectorIndex, clusteredVectors } from '@recforge/core/testing'
import { ExactIndex } from '../exact'
import { HnswlibIndex, loadHnswlib } from '../adapters/hnswlib'
import { UsearchIndex, loadUsearch } from '../adapters/usearch'

const hnswlib = await loadHnswlib()
const usearch = await loadUsearch()

describeVectorIndex('HnswlibIndex (hnswlib-node)', {
  create: (dimensions, metric) => new HnswlibIndex(hnswlib, { dimensions, metric, M: 16, efConstruction: 100, capacity: 16 }),
  load: (bytes) => HnswlibIndex.load(bytes, hnswlib),
  minRecall: 0.95,
})

describeVectorIndex('UsearchIndex (usearch)', {
  create: (dimensions, metric) => new UsearchIndex(usearch, { dimensions, metric, M: 16, efConstruction: 200, efSearch: 128 }),
  load: (bytes) => UsearchIndex.load(bytes, { binding: usearch }),
  minRecall: 0.95,
})

describe('native adapters', () => {
  const d = 12
  const data = clusteredVectors(1000, d, 21)
  const keys = Int32Array.from({ length: 1000 }, (_, i) => i - 500)

  it('map negative keys and inner-product distances to the RecForge conventions', async () => {
    const exact = new ExactIndex({ dimensions: d, metric: 'ip' })
    exact.add(keys, data)
    for (const index of [await HnswlibIndex.create({ dimensions: d, metric: 'ip' }), await UsearchIndex.create({ dimensions: d, metric: 'ip' })]) {
      index.add(keys, data)
      const q = data.subarray(0, d)
      const want = exact.search(q, 5)
      const got = index.search(q, 5)
      expect(Array.from(got.keys)).toEqual(Array.from(want.keys))
      for (let j = 0; j < 5; j++) expect(got.distances[j]).toBeCloseTo(want.distances[j]!, 3)
      expect(Math.min(...got.keys)).toBeLessThan(0)
    }
  })

  it('usearch filters by widening the fetch until k keys pass', () => {
    const index = new UsearchIndex(usearch, { dimensions: d, metric: 'l2' })
    index.add(keys, data)
    const res = index.search(data.subarray(0, d), 10, (key) => key % 97 === 0)
    expect(res.keys.length).toBe(10)
    for (const key of res.keys) expect(key % 97 === 0).toBe(true)
  })
})
