import { IdVocabulary, Random, fromCoo, plantedFixture, transpose } from '@recforge/core'
import { describeModelDefinition, describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { AutoRec } from '../autorec'
import { autoRecLayout, autoRecWork, itemLossAndGrad, penaltyGrad, type AutoRecShape } from '../internal/autorecNet'
import { autoRecModel } from '../registry'

const fast = { hidden: 12, epochs: 150, batchSize: 8, learningRate: 0.01, l2: 0.01, centre: 'none' as const }

describeRecommender('autorec', { create: () => new AutoRec(fast), load: (a) => AutoRec.load(a), fixture: 'ratings', withEpochs: (epochs) => new AutoRec({ ...fast, epochs }) })
describeModelDefinition(autoRecModel, { construct: (c) => new AutoRec(c), fast: { epochs: 2, hidden: 4 }, fixture: 'ratings' })

// 4 users × 3 items, ratings 1..5
const ratings = fromCoo({
  users: IdVocabulary.fromJSON(['a', 'b', 'c', 'd']),
  items: IdVocabulary.fromJSON(['x', 'y', 'z']),
  userIdx: Int32Array.of(0, 0, 1, 1, 2, 3, 3),
  itemIdx: Int32Array.of(0, 1, 0, 2, 1, 0, 2),
  values: Float32Array.of(5, 3, 4, 1, 2, 5, 4),
})

/** Loss of all items plus the full penalty, and its gradient. */
function objective(p: Float32Array, g: Float32Array, shape: AutoRecShape, lambda: number): number {
  const L = autoRecLayout(4, 3)
  const byItem = transpose(ratings)
  const work = autoRecWork(3)
  g.fill(0)
  let loss = 0
  for (let i = 0; i < 3; i++) loss += itemLossAndGrad(p, g, L, byItem, i, shape, work)
  return loss + penaltyGrad(p, g, L, lambda, 1)
}

describe('I-AutoRec network', () => {
  for (const shape of [
    { hidden: 'sigmoid', output: 'identity', range: Float32Array.of(1, 5) },
    { hidden: 'identity', output: 'sigmoid', range: Float32Array.of(1, 5) },
  ] as const) {
    it(`has analytic gradients equal to central differences (${shape.hidden} hidden, ${shape.output} output, λ = 0.3)`, () => {
      const L = autoRecLayout(4, 3)
      const p = new Random(4).fillNormal(new Float32Array(L.size), 0, 0.5) as Float32Array
      const g = new Float32Array(L.size)
      objective(p, g, shape, 0.3)
      const analytic = g.slice()
      const h = 1e-2
      for (let j = 0; j < L.size; j++) {
        const w = p[j]!
        p[j] = w + h
        const up = objective(p, g, shape, 0.3)
        p[j] = w - h
        const down = objective(p, g, shape, 0.3)
        p[j] = w
        const numeric = (up - down) / (2 * h)
        expect(Math.abs(analytic[j]! - numeric)).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)))
      }
    })
  }

  it('counts only observed ratings: a hand-computed one-item case', () => {
    // all weights zero, b = (1, 2, 0, 0): predictions for item x are b_u; x was rated 5, 4, –, 5
    const L = autoRecLayout(4, 3)
    const p = new Float32Array(L.size)
    p[L.b] = 1
    p[L.b + 1] = 2
    const g = new Float32Array(L.size)
    const sse = itemLossAndGrad(p, g, L, transpose(ratings), 0, { hidden: 'sigmoid', output: 'identity', range: Float32Array.of(1, 5) }, autoRecWork(3))
    expect(sse).toBeCloseTo((1 - 5) ** 2 + (2 - 4) ** 2 + (0 - 5) ** 2, 6)
    expect(Array.from(g.subarray(L.b, L.b + 4))).toEqual([-8, -4, 0, -10])
    // user c did not rate x: its decoder row gets no gradient
    for (let j = 0; j < 3; j++) expect(g[L.w + 2 * 3 + j]).toBe(0)
  })
})

describe('AutoRec', () => {
  it('predicts held-out ratings of the planted fixture on the right side of 3, clipped to the training range', async () => {
    const { train, heldOut } = plantedFixture({ ratings: true })
    const m = new AutoRec(fast)
    await m.fit(train)
    for (let u = 0; u < heldOut.length; u += 3) {
      const inCluster = m.score(u, Int32Array.of(heldOut[u]!))[0]!
      const other = m.score(u, Int32Array.of((heldOut[u]! + 8) % 32))[0]!
      expect(inCluster).toBeGreaterThan(3)
      expect(inCluster).toBeLessThanOrEqual(5)
      expect(other).toBeGreaterThanOrEqual(1)
      expect(other).toBeLessThan(inCluster)
    }
    expect(m.lastFit!.rmse.at(-1)!).toBeLessThan(m.lastFit!.rmse[0]!)
  })

  it("predicts the user's training mean for an item without training ratings, and the global mean for a user without any", async () => {
    // item w has no training rating; user e has none; a rated 5 and 3 (mean 4), b 4 and 1 (mean 2.5)
    const data = fromCoo({
      users: IdVocabulary.fromJSON(['a', 'b', 'c', 'd', 'e']),
      items: IdVocabulary.fromJSON(['x', 'y', 'z', 'w']),
      userIdx: Int32Array.of(0, 0, 1, 1, 2, 3, 3),
      itemIdx: Int32Array.of(0, 1, 0, 2, 1, 0, 2),
      values: Float32Array.of(5, 3, 4, 1, 2, 5, 4),
    })
    const m = new AutoRec({ hidden: 4, epochs: 3 })
    await m.fit(data)
    expect(m.score(0, Int32Array.of(3))[0]).toBeCloseTo(4, 5)
    expect(m.score(1, Int32Array.of(3))[0]).toBeCloseTo(2.5, 5)
    expect(Array.from(m.score(4, Int32Array.of(0, 1, 2, 3)))).toEqual(Array(4).fill(Math.fround(24 / 7)))
    // rated items still come from the network, and the fallback survives save and load
    const loaded = await AutoRec.load(await m.save())
    expect(Array.from(loaded.score(0, Int32Array.of(0, 1, 2, 3)))).toEqual(Array.from(m.score(0, Int32Array.of(0, 1, 2, 3))))
    expect(loaded.score(1, Int32Array.of(3))[0]).toBeCloseTo(2.5, 5)
  })

  it('rejects saved tensors of the wrong size with PARSE_ERROR naming the tensor', async () => {
    const m = new AutoRec({ hidden: 3, epochs: 1 })
    await m.fit(ratings)
    const a = await m.save()
    await expect(AutoRec.load({ ...a, tensors: { ...a.tensors, params: new Float32Array(5) } })).rejects.toThrow(/params has 5 values/)
    await expect(AutoRec.load({ ...a, tensors: { ...a.tensors, ratingRange: new Float32Array(1) } })).rejects.toThrow(/ratingRange has 1 values/)
  })

  it('with centre=baseline, predicts the baseline plus the network on the residuals, and keeps the baseline through save and load', async () => {
    const { train, heldOut } = plantedFixture({ ratings: true })
    const m = new AutoRec({ ...fast, centre: 'baseline' })
    await m.fit(train)
    for (let u = 0; u < heldOut.length; u += 3) {
      const inCluster = m.score(u, Int32Array.of(heldOut[u]!))[0]!
      const other = m.score(u, Int32Array.of((heldOut[u]! + 8) % 32))[0]!
      expect(inCluster).toBeLessThanOrEqual(5)
      expect(other).toBeLessThan(inCluster)
    }
    const a = await m.save()
    const loaded = await AutoRec.load(a)
    const items = Int32Array.from({ length: 32 }, (_, i) => i)
    expect(Array.from(loaded.score(1, items))).toEqual(Array.from(m.score(1, items)))
    await expect(AutoRec.load({ ...a, tensors: { ...a.tensors, itemOffsets: new Float32Array(2) } })).rejects.toThrow(/itemOffsets has 2 values/)
  })
})
