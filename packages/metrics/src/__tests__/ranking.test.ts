import fc from 'fast-check'
import { isRecForgeError } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { auc, f1AtK, hitRateAtK, mapAtK, mrrAtK, ndcgAtK, precisionAtK, rankingAtK, recallAtK } from '../ranking'

const L = (x: number) => 1 / Math.log2(x)

describe('ranking metrics, hand-computed', () => {
  // ranked = [5, 1, 7, 3, 9], relevant = {1, 3, 4}: hits at positions 2 and 4 (1-based)
  const ranked = Int32Array.of(5, 1, 7, 3, 9)
  const relevant = new Set([1, 3, 4])

  it('at k = 5', () => {
    // precision = 2/5; recall = 2/3; f1 = 2 * 0.4 * (2/3) / (0.4 + 2/3) = 0.5
    expect(precisionAtK(ranked, relevant, 5)).toBeCloseTo(0.4, 12)
    expect(recallAtK(ranked, relevant, 5)).toBeCloseTo(2 / 3, 12)
    expect(f1AtK(ranked, relevant, 5)).toBeCloseTo(0.5, 12)
    // DCG = 1/log2(3) + 1/log2(5); IDCG counts min(5, 3) = 3 hits: 1 + 1/log2(3) + 1/log2(4)
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo((L(3) + L(5)) / (1 + L(3) + 0.5), 12)
    expect(ndcgAtK(ranked, relevant, 5)).toBeCloseTo(0.498185, 5)
    // AP = (1/2 + 2/4) / min(5, 3) = 1/3
    expect(mapAtK(ranked, relevant, 5)).toBeCloseTo(1 / 3, 12)
    expect(mrrAtK(ranked, relevant, 5)).toBe(0.5)
    expect(hitRateAtK(ranked, relevant, 5)).toBe(1)
  })

  it('at k = 2', () => {
    // only position 2 counts: precision 1/2, recall 1/3
    expect(precisionAtK(ranked, relevant, 2)).toBe(0.5)
    expect(recallAtK(ranked, relevant, 2)).toBeCloseTo(1 / 3, 12)
    // IDCG over min(2, 3) = 2 positions: 1 + 1/log2(3)
    expect(ndcgAtK(ranked, relevant, 2)).toBeCloseTo(L(3) / (1 + L(3)), 12)
    // AP = (1/2) / min(2, 3)
    expect(mapAtK(ranked, relevant, 2)).toBe(0.25)
    expect(hitRateAtK(ranked, relevant, 1)).toBe(0)
    expect(mrrAtK(ranked, relevant, 1)).toBe(0)
  })

  it('accepts Int32Array relevance with duplicates and counts a repeated hit once', () => {
    const rel = Int32Array.of(2, 2, 7)
    // relevant = {2, 7}; ranked [2, 2, 7]: hits at 1 and 3; the second 2 is not a new hit
    const r = rankingAtK(Int32Array.of(2, 2, 7), rel, 3)
    expect(r.precision).toBeCloseTo(2 / 3, 12)
    expect(r.recall).toBe(1)
    // AP = (1/1 + 2/3) / min(3, 2)
    expect(r.map).toBeCloseTo((1 + 2 / 3) / 2, 12)
    expect(r.ndcg).toBeCloseTo((1 + 0.5) / (1 + L(3)), 12)
  })

  it('treats a list shorter than k as having misses at the end', () => {
    // precision divides by k, not by the list length
    expect(precisionAtK(Int32Array.of(1), new Set([1]), 10)).toBe(0.1)
    expect(ndcgAtK(Int32Array.of(1), new Set([1]), 10)).toBe(1)
  })

  it('gives 0 for no relevant items and rejects a bad k', () => {
    expect(ndcgAtK(Int32Array.of(1, 2), new Set<number>(), 2)).toBe(0)
    expect(recallAtK(Int32Array.of(1, 2), new Set<number>(), 2)).toBe(0)
    for (const k of [0, -1, 1.5, Number.NaN]) {
      expect(() => ndcgAtK(Int32Array.of(1), new Set([1]), k)).toThrow(/k must be a positive integer/)
    }
  })

  it('auc counts ties as one half', () => {
    // positives 0.9, 0.3; negatives 0.5, 0.1, 0.3
    // 0.9 beats all 3; 0.3 beats 0.1, ties 0.3, loses to 0.5 -> (3 + 1 + 0.5) / 6
    expect(auc(Float32Array.of(0.9, 0.3), Float32Array.of(0.5, 0.1, 0.3))).toBeCloseTo(4.5 / 6, 12)
    expect(auc([1], [0])).toBe(1)
    expect(auc([0], [1])).toBe(0)
    expect(auc([Number.NaN], [0])).toBe(0)
    try {
      auc([], [1])
      expect.unreachable()
    } catch (e) {
      expect(isRecForgeError(e, 'EMPTY_INPUT')).toBe(true)
    }
  })
})

// a ranked list of distinct items from 0..29 and a relevant subset of 0..29
const listAndRelevant = fc.record({
  ranked: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { minLength: 0, maxLength: 30 }),
  relevant: fc.uniqueArray(fc.integer({ min: 0, max: 29 }), { minLength: 1, maxLength: 30 }),
  k: fc.integer({ min: 1, max: 35 }),
})

describe('ranking metric laws', () => {
  it('every figure lies in [0, 1], and precision·k = recall·|relevant| = hits', () => {
    fc.assert(
      fc.property(listAndRelevant, ({ ranked, relevant, k }) => {
        const r = rankingAtK(Int32Array.from(ranked), new Set(relevant), k)
        for (const v of Object.values(r)) {
          expect(v).toBeGreaterThanOrEqual(0)
          expect(v).toBeLessThanOrEqual(1 + 1e-12)
        }
        const hits = ranked.slice(0, k).filter((i) => relevant.includes(i)).length
        expect(r.precision * k).toBeCloseTo(hits, 9)
        expect(r.recall * relevant.length).toBeCloseTo(hits, 9)
        expect(r.hit).toBe(hits > 0 ? 1 : 0)
      }),
      { numRuns: 300 },
    )
  })

  it('a perfect ranking gives ndcg = map = mrr = hr = 1', () => {
    fc.assert(
      fc.property(listAndRelevant, ({ ranked, relevant, k }) => {
        const rest = ranked.filter((i) => !relevant.includes(i))
        const perfect = Int32Array.from([...relevant, ...rest])
        const r = rankingAtK(perfect, new Set(relevant), k)
        expect(r.ndcg).toBeCloseTo(1, 12)
        expect(r.map).toBeCloseTo(1, 12)
        expect(r.mrr).toBe(1)
        expect(r.hit).toBe(1)
        expect(r.recall).toBeCloseTo(Math.min(k, relevant.length) / relevant.length, 12)
      }),
      { numRuns: 300 },
    )
  })

  it('moving a relevant item above a non-relevant one never lowers ndcg, map or mrr', () => {
    fc.assert(
      fc.property(listAndRelevant, fc.nat(), fc.nat(), ({ ranked, relevant, k }, x, y) => {
        if (ranked.length < 2) return
        const i = x % ranked.length
        const j = y % ranked.length
        const [hi, lo] = i < j ? [i, j] : [j, i]
        const rel = new Set(relevant)
        // swap only when the later item is relevant and the earlier one is not
        if (!(rel.has(ranked[lo]!) && !rel.has(ranked[hi]!))) return
        const swapped = [...ranked]
        swapped[hi] = ranked[lo]!
        swapped[lo] = ranked[hi]!
        const before = rankingAtK(Int32Array.from(ranked), rel, k)
        const after = rankingAtK(Int32Array.from(swapped), rel, k)
        expect(after.ndcg).toBeGreaterThanOrEqual(before.ndcg - 1e-12)
        expect(after.map).toBeGreaterThanOrEqual(before.map - 1e-12)
        expect(after.mrr).toBeGreaterThanOrEqual(before.mrr)
        if (hi < k) expect(after.ndcg).toBeGreaterThan(before.ndcg)
      }),
      { numRuns: 500 },
    )
  })

  it('recall and hit rate never fall as k grows', () => {
    fc.assert(
      fc.property(listAndRelevant, ({ ranked, relevant, k }) => {
        const a = rankingAtK(Int32Array.from(ranked), new Set(relevant), k)
        const b = rankingAtK(Int32Array.from(ranked), new Set(relevant), k + 1)
        expect(b.recall).toBeGreaterThanOrEqual(a.recall)
        expect(b.hit).toBeGreaterThanOrEqual(a.hit)
      }),
      { numRuns: 200 },
    )
  })

  it('auc lies in [0, 1] and swapping the classes gives 1 - auc', () => {
    const scores = fc.array(fc.integer({ min: -5, max: 5 }), { minLength: 1, maxLength: 20 })
    fc.assert(
      fc.property(scores, scores, (p, n) => {
        const a = auc(p, n)
        expect(a).toBeGreaterThanOrEqual(0)
        expect(a).toBeLessThanOrEqual(1)
        expect(a + auc(n, p)).toBeCloseTo(1, 12)
        // brute force over all pairs
        let w = 0
        for (const x of p) for (const y of n) w += x > y ? 1 : x === y ? 0.5 : 0
        expect(a).toBeCloseTo(w / (p.length * n.length), 12)
      }),
      { numRuns: 200 },
    )
  })
})
