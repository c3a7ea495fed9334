import fc from 'fast-check'
import { isRecForgeError } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { kmeans, nearestCentroids, typicalMembers } from '../kmeans'
import { adjustedRandIndex } from '../quality'
import { blobs, fromInts, randomCenters, sq } from './helpers'

// two squares of side 2: centroids (1, 1) and (11, 11); every corner is at squared distance 2
const squares = { vectors: Float32Array.of(0, 0, 0, 2, 2, 0, 2, 2, 10, 10, 10, 12, 12, 10, 12, 12), dimensions: 2 }

function codeOf(f: () => unknown): string {
  try {
    f()
  } catch (e) {
    if (isRecForgeError(e)) return `${e.code}: ${e.message}`
    throw e
  }
  return 'no error'
}

describe('kmeans, hand-computed', () => {
  it('two obvious blobs: labels, centroids, sizes, inertia 4 × 2 + 4 × 2 = 16', () => {
    const r = kmeans(squares, { k: 2, seed: 3 })
    expect([...r.labels]).toEqual([0, 0, 0, 0, 1, 1, 1, 1])
    expect([...r.centroids]).toEqual([1, 1, 11, 11])
    expect([...r.sizes]).toEqual([4, 4])
    expect(r.inertia).toBe(16)
    expect(r.converged).toBe(true)
    expect(r.restartInertias).toEqual(Float64Array.of(16, 16, 16, 16))
    expect(r.inertiaHistory.at(-1)).toBe(16)
  })

  it('k = 1 is the mean with the total sum of squares; k = n puts every row alone with inertia 0', () => {
    // mean (6, 6); squared distances: 4 corners at 25+25 / 25+9... summed by hand = 8 rows
    // x: 0,0,2,2,10,10,12,12 → Σ(x-6)² = 36+36+16+16+16+16+36+36 = 208; y the same
    const one = kmeans(squares, { k: 1 })
    expect([...one.centroids]).toEqual([6, 6])
    expect(one.inertia).toBe(416)
    const all = kmeans(squares, { k: 8 })
    expect(all.inertia).toBe(0)
    expect([...all.labels]).toEqual([0, 1, 2, 3, 4, 5, 6, 7])
    expect([...all.sizes]).toEqual([1, 1, 1, 1, 1, 1, 1, 1])
  })

  it('with fewer distinct rows than k, duplicates fill the extra clusters (Hamerly) or leave them empty, numbered last (Lloyd)', () => {
    const dup = { vectors: Float32Array.of(1, 1, 1, 5), dimensions: 1 }
    const h = kmeans(dup, { k: 3 })
    expect([...h.labels]).toEqual([0, 1, 1, 2])
    expect([...h.centroids]).toEqual([1, 1, 5])
    expect(h.inertia).toBe(0)
    const l = kmeans(dup, { k: 3, algorithm: 'lloyd' })
    expect([...l.labels]).toEqual([0, 0, 0, 1])
    expect([...l.sizes]).toEqual([3, 1, 0])
    expect([...l.centroids]).toEqual([1, 5, 1])
    expect(l.inertia).toBe(0)
  })

  it('nearestCentroids assigns new rows; typicalMembers lists the rows nearest each centroid', () => {
    const r = kmeans(squares, { k: 2 })
    const near = nearestCentroids({ vectors: Float32Array.of(0.5, 0.5, 11, 12, 6, 6), dimensions: 2 }, r.centroids)
    expect([...near.labels]).toEqual([0, 1, 0]) // (6, 6) is equidistant: the lower cluster wins
    expect([...near.distances]).toEqual([0.5, 1, 50])
    // a centred point joins the first square: it becomes the most typical row
    const five = { vectors: Float32Array.of(0, 0, 0, 2, 2, 0, 2, 2, 1, 1, 10, 10, 12, 12), dimensions: 2 }
    const typical = typicalMembers(five, { labels: Int32Array.of(0, 0, 0, 0, 0, 1, 1), centroids: Float32Array.of(0.8, 0.8, 11, 11), k: 2 }, { count: 3 })
    expect(typical.map((t) => [...t])).toEqual([[4, 0, 1], [5, 6]])
  })

  it('explains bad input', () => {
    expect(codeOf(() => kmeans(squares, { k: 9 }))).toMatch(/^INVALID_ARGUMENT: kmeans: k = 9 clusters need at least 9 rows; the embedding has 8/)
    expect(codeOf(() => kmeans(squares, { k: 0 }))).toMatch(/^INVALID_ARGUMENT: kmeans: option "k" must be an integer >= 1; got 0/)
    expect(codeOf(() => kmeans({ vectors: new Float32Array(7), dimensions: 2 }, { k: 2 }))).toMatch(/^DIMENSION_MISMATCH: kmeans: 7 values are not a whole number of rows of 2 dimensions/)
    expect(codeOf(() => kmeans({ vectors: Float32Array.of(0, 1, 2, Number.NaN), dimensions: 2 }, { k: 1 }))).toMatch(/^INVALID_ARGUMENT: kmeans: row 1 has a non-finite value \(NaN\) in dimension 1/)
    expect(codeOf(() => kmeans({ vectors: Float32Array.of(Infinity), dimensions: 1 }, { k: 1 }))).toMatch(/row 0 has a non-finite value \(Infinity\)/)
    expect(codeOf(() => kmeans({ vectors: new Float32Array(0), dimensions: 3 }, { k: 1 }))).toMatch(/^EMPTY_INPUT/)
    expect(codeOf(() => kmeans({ vectors: [1, 2] as unknown as Float32Array, dimensions: 1 }, { k: 1 }))).toMatch(/^INVALID_ARGUMENT: kmeans: vectors must be a Float32Array .*got an array/)
    expect(codeOf(() => kmeans(squares, { k: 2, restarts: 0 }))).toMatch(/option "restarts" must be an integer >= 1/)
    expect(codeOf(() => kmeans(squares, { k: 2, algorithm: 'elkan' as never }))).toMatch(/algorithm must be "hamerly" or "lloyd"; got "elkan"/)
    expect(codeOf(() => nearestCentroids(squares, Float32Array.of(1, 2, 3)))).toMatch(/^DIMENSION_MISMATCH: nearestCentroids: centroids must be .* of 2 dimensions/)
    expect(codeOf(() => typicalMembers(squares, { labels: new Int32Array(8).fill(2), centroids: new Float32Array(4), k: 2 }))).toMatch(/row 0 has label 2; labels must lie in 0..1/)
  })

  it('finds planted blobs in 8 dimensions and the same seed gives the same result', () => {
    const data = blobs(randomCenters(5, 8, 10), 8, 60, 0.5)
    const a = kmeans(data, { k: 5, seed: 9 })
    expect(adjustedRandIndex(a.labels, data.truth)).toBe(1)
    const b = kmeans(data, { k: 5, seed: 9 })
    expect(b.labels).toEqual(a.labels)
    expect(b.centroids).toEqual(a.centroids)
    expect(b.restartInertias).toEqual(a.restartInertias)
  })

  it('keeps the restart with the lowest inertia', () => {
    const data = blobs(randomCenters(6, 2, 3, 5), 2, 30, 1)
    const r = kmeans(data, { k: 6, restarts: 6, seed: 1 })
    expect(r.inertia).toBe(Math.min(...r.restartInertias))
  })
})

describe('kmeans laws (fast-check)', () => {
  const input = fc.record({
    values: fc.array(fc.integer({ min: -100, max: 100 }), { minLength: 3, maxLength: 120 }),
    d: fc.integer({ min: 1, max: 4 }),
    k: fc.integer({ min: 1, max: 6 }),
    seed: fc.integer({ min: 0, max: 1000 }),
  }).filter(({ values, d, k }) => Math.floor(values.length / d) >= k)

  it('labels lie in 0..k-1 and match the sizes; every row sits at its nearest centroid; inertia is their squared distances', () => {
    fc.assert(
      fc.property(input, fc.constantFrom('hamerly' as const, 'lloyd' as const), ({ values, d, k, seed }, algorithm) => {
        const e = fromInts(values, d)
        const n = e.vectors.length / d
        const r = kmeans(e, { k, seed, restarts: 2, algorithm })
        const sizes = new Int32Array(k)
        let inertia = 0
        for (let i = 0; i < n; i++) {
          const c = r.labels[i]!
          expect(c >= 0 && c < k).toBe(true)
          sizes[c]!++
          const own = sq(e.vectors, i, r.centroids, c, d)
          inertia += own
          for (let o = 0; o < k; o++) expect(own).toBeLessThanOrEqual(sq(e.vectors, i, r.centroids, o, d) + 1e-6)
        }
        expect(r.sizes).toEqual(sizes)
        expect(Math.abs(r.inertia - inertia)).toBeLessThanOrEqual(1e-4 * (1 + inertia))
      }),
      { numRuns: 150 },
    )
  })

  it('inertia never increases across Lloyd steps, with and without bounds', () => {
    fc.assert(
      fc.property(input, fc.constantFrom('hamerly' as const, 'lloyd' as const), ({ values, d, k, seed }, algorithm) => {
        const h = kmeans(fromInts(values, d), { k, seed, restarts: 1, tolerance: 0, algorithm }).inertiaHistory
        for (let t = 1; t < h.length; t++) expect(h[t]!).toBeLessThanOrEqual(h[t - 1]! * (1 + 1e-12) + 1e-12)
      }),
      { numRuns: 150 },
    )
  })

  it("Hamerly's bounds give exactly Lloyd's clustering on continuous data", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 8, max: 150 }), (seed, k, d, n) => {
        const centres = randomCenters(k, d, 2, seed)
        const e = blobs(centres, d, Math.ceil(n / k), 1, seed + 1)
        const a = kmeans(e, { k, seed, algorithm: 'hamerly', tolerance: 0 })
        const b = kmeans(e, { k, seed, algorithm: 'lloyd', tolerance: 0 })
        expect(a.labels).toEqual(b.labels)
        expect(a.iterations).toBe(b.iterations)
        // the same labels at every step give the same sums in the same order: equal to the last bit
        expect(a.centroids).toEqual(b.centroids)
        expect(a.inertiaHistory).toEqual(b.inertiaHistory)
      }),
      { numRuns: 60 },
    )
  })

  it('the same seed gives the same output', () => {
    fc.assert(
      fc.property(input, ({ values, d, k, seed }) => {
        const e = fromInts(values, d)
        const a = kmeans(e, { k, seed })
        const b = kmeans(e, { k, seed })
        expect(b.labels).toEqual(a.labels)
        expect(b.centroids).toEqual(a.centroids)
      }),
      { numRuns: 50 },
    )
  })
})
