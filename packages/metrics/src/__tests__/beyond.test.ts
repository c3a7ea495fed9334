import fc from 'fast-check'
import { fromCoo, rangeVocabulary, transpose } from '@recforge/core'
import { describe, expect, it } from 'vitest'
import { averagePopularity, catalogueCoverage, cosineSimilarity, giniIndex, intraListDiversity, novelty, trainingPopularity, userOverlapSimilarity } from '../beyond'

describe('beyond-accuracy metrics, hand-computed', () => {
  it('catalogue coverage counts distinct items over the catalogue', () => {
    // {0, 1, 2} of 10 items
    expect(catalogueCoverage([Int32Array.of(0, 1), Int32Array.of(1, 2)], 10)).toBeCloseTo(0.3, 12)
    expect(() => catalogueCoverage([Int32Array.of(10)], 10)).toThrow(/item index 10 is outside 0..9/)
  })

  it('novelty is mean self-information with popularity from training', () => {
    // popularity 4 and 1 of 8 users: -log2(4/8) = 1, -log2(1/8) = 3 -> 2
    expect(novelty(Int32Array.of(0, 1), Int32Array.of(4, 1), 8)).toBe(2)
    // an item never seen in training counts as seen once: -log2(1/8) = 3
    expect(novelty(Int32Array.of(2), Int32Array.of(4, 1, 0), 8)).toBe(3)
  })

  it('average recommendation popularity', () => {
    expect(averagePopularity(Int32Array.of(0, 1), Int32Array.of(4, 1))).toBe(2.5)
  })

  it('gini index', () => {
    // sorted [0, 0, 0, 5]: sum (2i - n - 1) x_i = (8 - 5) * 5 = 15; / (n * total) = 15 / 20
    expect(giniIndex(Float64Array.of(5, 0, 0, 0))).toBe(0.75)
    expect(giniIndex(Float64Array.of(3, 3, 3))).toBe(0)
    expect(giniIndex(Float64Array.of(0, 0))).toBe(0)
    // [1, 2, 3]: (-2 * 1 + 0 * 2 + 2 * 3) / (3 * 6) = 4 / 18
    expect(giniIndex([3, 1, 2])).toBeCloseTo(4 / 18, 12)
    expect(() => giniIndex([1, -1])).toThrow(/counts must be finite and >= 0/)
  })

  it('gini lies in [0, 1)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 50 }), { minLength: 1, maxLength: 40 }), (counts) => {
        const g = giniIndex(counts)
        expect(g).toBeGreaterThanOrEqual(0)
        expect(g).toBeLessThan(1)
      }),
    )
  })

  it('intra-list diversity averages 1 - similarity over pairs', () => {
    // pairs (0,1): sim 1, (0,2): 0, (1,2): 0 -> (0 + 1 + 1) / 3
    expect(intraListDiversity(Int32Array.of(0, 1, 2), (a, b) => (a + b === 1 ? 1 : 0))).toBeCloseTo(2 / 3, 12)
    expect(() => intraListDiversity(Int32Array.of(1), () => 0)).toThrow(/at least 2 items/)
  })

  it('cosine similarity of item vectors', () => {
    const sim = cosineSimilarity(Float32Array.of(1, 0, 1, 1, 0, 0), 2)
    expect(sim(0, 1)).toBeCloseTo(Math.SQRT1_2, 6)
    expect(sim(0, 2)).toBe(0)
    expect(() => cosineSimilarity(Float32Array.of(1, 2, 3), 2)).toThrow(/not a multiple of 2/)
  })

  it('user-overlap cosine and training popularity from interactions', () => {
    // users: u0 {0, 1}, u1 {0}, u2 {1, 2}, u3 {}
    const train = fromCoo({
      users: rangeVocabulary(4, 'u'),
      items: rangeVocabulary(3, 'i'),
      userIdx: Int32Array.of(0, 0, 1, 2, 2),
      itemIdx: Int32Array.of(0, 1, 0, 1, 2),
      values: new Float32Array(5).fill(1),
    })
    const sim = userOverlapSimilarity(transpose(train))
    // item 0 users {u0, u1}, item 1 {u0, u2}: 1 common / sqrt(2 * 2)
    expect(sim(0, 1)).toBeCloseTo(0.5, 12)
    // item 2 {u2}: with item 1, 1 / sqrt(2 * 1)
    expect(sim(1, 2)).toBeCloseTo(Math.SQRT1_2, 12)
    expect(sim(0, 2)).toBe(0)
    const pop = trainingPopularity(train)
    expect([...pop.counts]).toEqual([2, 2, 1])
    expect(pop.users).toBe(3)
  })
})
