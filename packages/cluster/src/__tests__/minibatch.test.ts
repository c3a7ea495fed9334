import { describe, expect, it } from 'vitest'
import { kmeans } from '../kmeans'
import { miniBatchKMeans } from '../minibatch'
import { adjustedRandIndex } from '../quality'
import { blobs, randomCenters, sq } from './helpers'

describe('miniBatchKMeans', () => {
  const data = blobs(randomCenters(4, 8, 8, 11), 8, 500, 0.4, 3)

  it('agrees with full k-means on separated blobs: the same partition and centroids within 0.05', () => {
    const full = kmeans(data, { k: 4, seed: 5 })
    const mini = miniBatchKMeans(data, { k: 4, batchSize: 100, seed: 5 })
    expect(adjustedRandIndex(mini.labels, full.labels)).toBe(1)
    expect(adjustedRandIndex(mini.labels, data.truth)).toBe(1)
    // clusters are numbered by first row in both, so the same partition has the same numbers
    expect(mini.labels).toEqual(full.labels)
    for (let c = 0; c < 4; c++) expect(Math.sqrt(sq(mini.centroids, c, full.centroids, c, 8))).toBeLessThan(0.05)
    expect(mini.inertia / full.inertia).toBeLessThan(1.001)
    expect([...mini.sizes]).toEqual([500, 500, 500, 500])
  })

  it('stops early once the smoothed batch inertia stalls, and runs every step with patience 0', () => {
    const early = miniBatchKMeans(data, { k: 4, batchSize: 64, maxIterations: 500, patience: 5 })
    expect(early.converged).toBe(true)
    expect(early.iterations).toBeLessThan(500)
    const all = miniBatchKMeans(data, { k: 4, batchSize: 64, maxIterations: 40, patience: 0 })
    expect(all.converged).toBe(false)
    expect(all.iterations).toBe(40)
  })

  it('the same seed gives the same output; another seed another batch sequence', () => {
    const a = miniBatchKMeans(data, { k: 4, batchSize: 50, seed: 1 })
    const b = miniBatchKMeans(data, { k: 4, batchSize: 50, seed: 1 })
    const c = miniBatchKMeans(data, { k: 4, batchSize: 50, seed: 2 })
    expect(b.centroids).toEqual(a.centroids)
    expect(c.centroids).not.toEqual(a.centroids)
  })

  it('inertia and labels are those of a full assignment to the final centroids', () => {
    const r = miniBatchKMeans(data, { k: 4, batchSize: 32, maxIterations: 5, patience: 0 })
    let inertia = 0
    for (let i = 0; i < 2000; i++) {
      let best = 0
      for (let c = 1; c < 4; c++) if (sq(data.vectors, i, r.centroids, c, 8) < sq(data.vectors, i, r.centroids, best, 8)) best = c
      expect(r.labels[i]).toBe(best)
      inertia += sq(data.vectors, i, r.centroids, best, 8)
    }
    expect(r.inertia).toBeCloseTo(inertia, 1)
  })

  it('explains bad options', () => {
    expect(() => miniBatchKMeans(data, { k: 4, batchSize: 0 })).toThrow(/miniBatchKMeans: option "batchSize" must be an integer >= 1; got 0/)
    expect(() => miniBatchKMeans(data, { k: 2001 })).toThrow(/k = 2001 clusters need at least 2001 rows/)
  })
})
