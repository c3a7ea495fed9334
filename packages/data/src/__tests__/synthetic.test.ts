import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { nnz, validateInteractions, itemCounts } from '@recforge/core'
import { generateSynthetic } from '../synthetic'
import { writeRatingsCsv } from '../writeRatings'
import { loadDataset } from '../load'
import { tmpDir } from './helpers'

describe('generateSynthetic', () => {
  it('builds the ml100k preset exactly: 943 users, 1682 items, 100,000 distinct pairs, ratings 1..5', () => {
    const ds = generateSynthetic('ml100k')
    const d = ds.interactions
    validateInteractions(d)
    expect([d.users.size, d.items.size, nnz(d)]).toEqual([943, 1682, 100_000])
    let repeats = 0
    let short = 0
    let unordered = 0
    for (let u = 0; u < d.users.size; u++) {
      const row = d.indices.subarray(d.indptr[u]!, d.indptr[u + 1]!)
      repeats += row.length - new Set(row).size
      if (row.length < 20) short++
      const ts = d.timestamps!.subarray(d.indptr[u]!, d.indptr[u + 1]!)
      for (let k = 1; k < ts.length; k++) if (!(ts[k]! > ts[k - 1]!)) unordered++
    }
    expect({ repeats, short, unordered }).toEqual({ repeats: 0, short: 0, unordered: 0 })
    const hist = [0, 0, 0, 0, 0, 0]
    for (const v of d.values) hist[v]!++
    expect(hist[0]).toBe(0)
    for (let r = 1; r <= 5; r++) expect(hist[r]!).toBeGreaterThan(0)
    // skewed popularity: the top 10% of items hold far more than 10% of interactions
    const counts = [...itemCounts(d)].sort((a, b) => b - a)
    const top = counts.slice(0, 168).reduce((a, x) => a + x, 0)
    expect(top / 100_000).toBeGreaterThan(0.3)
    expect(ds.itemInfo!.titles).toHaveLength(1682)
    expect(ds.itemInfo!.genres![0]!.length).toBeGreaterThan(0)
  })

  it('is deterministic per seed and carries taste in the ratings', () => {
    const a = generateSynthetic({ users: 200, items: 300, interactions: 8000, seed: 5 })
    const b = generateSynthetic({ users: 200, items: 300, interactions: 8000, seed: 5 })
    const c = generateSynthetic({ users: 200, items: 300, interactions: 8000, seed: 6 })
    expect([...a.interactions.indices]).toEqual([...b.interactions.indices])
    expect([...a.interactions.values]).toEqual([...b.interactions.values])
    expect([...a.interactions.indices]).not.toEqual([...c.interactions.indices])
    expect(() => generateSynthetic({ users: 2, items: 10, interactions: 100 })).toThrow(/cannot fit/)
    expect(() => generateSynthetic('nope' as 'small')).toThrow(/unknown synthetic preset/)
  })

  it('writes ratings.csv that loads back to the same interactions', async () => {
    const ds = generateSynthetic({ users: 50, items: 80, interactions: 1500, seed: 2 })
    const file = path.join(tmpDir(), 'ratings.csv')
    const w = await writeRatingsCsv(ds.interactions, file)
    expect(w.rows).toBe(1500)
    const back = await loadDataset(`csv:${file}`)
    const d = back.interactions
    expect(nnz(d)).toBe(1500)
    for (let u = 0; u < d.users.size; u++) {
      const ou = ds.interactions.users.index(d.users.id(u))!
      const a = ds.interactions.indptr[ou]!
      for (let k = d.indptr[u]!, j = 0; k < d.indptr[u + 1]!; k++, j++) {
        expect(d.items.id(d.indices[k]!)).toBe(ds.interactions.items.id(ds.interactions.indices[a + j]!))
        expect(d.values[k]).toBe(ds.interactions.values[a + j])
        expect(d.timestamps![k]).toBe(ds.interactions.timestamps![a + j])
      }
    }
    expect((await loadDataset('synthetic:small')).interactions.users.size).toBe(1000)
  })
})
