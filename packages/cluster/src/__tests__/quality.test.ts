import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { adjustedRandIndex, silhouette } from '../quality'
import { fromInts } from './helpers'

const line = { vectors: Float32Array.of(0, 1, 4, 5), dimensions: 1 }

describe('silhouette, hand-computed', () => {
  it('two pairs on a line: (7/9 + 5/7 + 5/7 + 7/9) / 4', () => {
    // row 0: a = 1, b = (4 + 5) / 2 = 4.5, s = 3.5 / 4.5 = 7/9; row 1: a = 1, b = (3 + 4) / 2, s = 5/7
    const r = silhouette(line, Int32Array.of(0, 0, 1, 1))
    expect(r.score).toBeCloseTo((7 / 9 + 5 / 7) / 2, 12)
    expect([...r.values].map((v) => v.toFixed(6))).toEqual([7 / 9, 5 / 7, 5 / 7, 7 / 9].map((v) => v.toFixed(6)))
    expect([...r.rows]).toEqual([0, 1, 2, 3])
  })

  it('a row alone in its cluster scores 0; noise rows (-1) are left out; label numbers do not matter', () => {
    // rows 0, 1 in cluster 7, row 2 alone in cluster 3, row 3 noise
    const r = silhouette(line, Int32Array.of(7, 7, 3, -1))
    // row 0: a = 1, b = 4 → 3/4; row 1: a = 1, b = 3 → 2/3; row 2: 0
    expect([...r.rows]).toEqual([0, 1, 2])
    expect(r.values[0]).toBeCloseTo(0.75, 12)
    expect(r.values[1]).toBeCloseTo(2 / 3, 12)
    expect(r.values[2]).toBe(0)
  })

  it('cosine: opposite directions against equal ones', () => {
    // (1,0), (2,0) in one cluster, (-1,0), (0,1) in the other
    const v = { vectors: Float32Array.of(1, 0, 2, 0, -1, 0, 0, 1), dimensions: 2 }
    const r = silhouette(v, Int32Array.of(0, 0, 1, 1), { metric: 'cosine' })
    // row 0: a = 0, b = (2 + 1) / 2 = 1.5 → 1; row 2: a = 1 (to (0,1)), b = 2 → 0.5; row 3: a = 1, b = 1 → 0
    expect([...r.values].map((x) => +x.toFixed(12))).toEqual([1, 1, 0.5, 0])
  })

  it('a seeded sample evaluates that many rows against all of them', () => {
    const v = { vectors: Float32Array.from({ length: 40 }, (_, i) => (i < 20 ? i : 100 + i)), dimensions: 1 }
    const labels = Int32Array.from({ length: 40 }, (_, i) => (i < 20 ? 0 : 1))
    const full = silhouette(v, labels)
    const part = silhouette(v, labels, { sampleSize: 7, seed: 3 })
    expect(part.rows.length).toBe(7)
    expect([...part.rows]).toEqual([...part.rows].sort((a, b) => a - b))
    for (let j = 0; j < 7; j++) expect(part.values[j]).toBe(full.values[part.rows[j]!])
    expect(silhouette(v, labels, { sampleSize: 7, seed: 3 }).rows).toEqual(part.rows)
  })

  it('explains bad input', () => {
    expect(() => silhouette(line, Int32Array.of(0, 0, 0, 0))).toThrow(/silhouette: needs at least two clusters; the labels hold 1/)
    expect(() => silhouette(line, Int32Array.of(0, 1))).toThrow(/silhouette: 2 labels for 4 rows/)
    expect(() => silhouette(line, Int32Array.of(0, 1, -2, 0))).toThrow(/row 2 has label -2/)
  })
})

describe('adjustedRandIndex', () => {
  it('hand-computed: 1 for the same partition renumbered, 4/7 for a split cluster, -1/2 for crossed pairs', () => {
    expect(adjustedRandIndex(Int32Array.of(0, 0, 1, 1), Int32Array.of(1, 1, 0, 0))).toBe(1)
    // Σ C(n_ij, 2) = 1, Σ C(a_i, 2) = 2, Σ C(b_j, 2) = 1, C(4, 2) = 6: (1 - 1/3) / (3/2 - 1/3) = 4/7
    expect(adjustedRandIndex(Int32Array.of(0, 0, 1, 1), Int32Array.of(0, 0, 1, 2))).toBeCloseTo(4 / 7, 12)
    // no pair together in both: (0 - 1/3) / (1 - 1/3) = -1/2
    expect(adjustedRandIndex(Int32Array.of(0, 0, 1, 1), Int32Array.of(0, 1, 0, 1))).toBeCloseTo(-0.5, 12)
    expect(adjustedRandIndex(Int32Array.of(5, 5, 5), Int32Array.of(2, 2, 2))).toBe(1)
  })

  it('is symmetric and 1 against itself (fast-check)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 4 })), { minLength: 2, maxLength: 60 }), (pairs) => {
        const a = Int32Array.from(pairs, (p) => p[0])
        const b = Int32Array.from(pairs, (p) => p[1])
        expect(adjustedRandIndex(a, a)).toBe(1)
        expect(adjustedRandIndex(a, b)).toBeCloseTo(adjustedRandIndex(b, a), 12)
        expect(adjustedRandIndex(a, b)).toBeLessThanOrEqual(1 + 1e-12)
      }),
    )
  })

  it('explains mismatched lengths', () => {
    expect(() => adjustedRandIndex(Int32Array.of(0, 1), Int32Array.of(0))).toThrow(/adjustedRandIndex: 1 labels for 2 rows/)
  })
})

describe('silhouette laws (fast-check)', () => {
  it('every value lies in [-1, 1]', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -30, max: 30 }), { minLength: 4, maxLength: 60 }), fc.integer({ min: 1, max: 3 }), (values, d) => {
        const e = fromInts(values, d)
        const n = e.vectors.length / d
        if (n < 2) return
        const labels = Int32Array.from({ length: n }, (_, i) => i % 2)
        const r = silhouette(e, labels)
        for (const v of r.values) expect(Math.abs(v)).toBeLessThanOrEqual(1 + 1e-12)
      }),
    )
  })
})
