import { InteractionsBuilder, decodeArtifacts, encodeArtifacts, plantedFixture, type Interactions } from '@recforge/core'
import { describeModelDefinition, describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { DPPopularity, dppopModel, gaussianMechanismSigma } from '../index'

const skip = { planted: 'popularity gives every user the same ranking, so it cannot personalise' }
describeRecommender('dppop (laplace)', { create: () => new DPPopularity(), load: (a) => DPPopularity.load(a), skip })
describeRecommender('dppop (gaussian, per user)', { create: () => new DPPopularity({ mechanism: 'gaussian', unit: 'user', maxItemsPerUser: 3 }), load: (a) => DPPopularity.load(a), skip })
describeModelDefinition(dppopModel, { construct: (c) => new DPPopularity(c) })

/** 4000 items; user u rated items u·10 .. u·10 + 9 (so every count is 1 or 0), 300 users. */
function wide(): Interactions {
  const b = new InteractionsBuilder()
  for (let i = 0; i < 4000; i++) b.items.add(`i${i}`)
  for (let u = 0; u < 300; u++) for (let j = 0; j < 10; j++) b.push(`u${u}`, `i${u * 10 + j}`, 4)
  return b.build()
}

function noiseOf(m: DPPopularity, exact: Float64Array): { mean: number; variance: number } {
  const s = m.itemScores()
  let sum = 0
  let ss = 0
  for (let i = 0; i < s.length; i++) {
    const d = s[i]! - exact[i]!
    sum += d
    ss += d * d
  }
  return { mean: sum / s.length, variance: ss / s.length }
}

describe('DPPopularity', () => {
  const data = wide()
  const exact = Float64Array.from({ length: 4000 }, (_, i) => (i < 3000 ? 1 : 0))

  it('counts ratings exactly without privacy, each user at most maxItemsPerUser items with unit user', async () => {
    const plain = new DPPopularity({ dp: false })
    await plain.fit(data)
    expect(Array.from(plain.itemScores())).toEqual(Array.from(exact))
    expect(plain.privacy).toBeUndefined()
    const capped = new DPPopularity({ dp: false, unit: 'user', maxItemsPerUser: 3 })
    await capped.fit(data)
    const s = capped.itemScores()
    for (let u = 0; u < 300; u++) expect(s.subarray(u * 10, u * 10 + 10).reduce((a, b) => a + b, 0)).toBe(3)
  })

  it('adds Laplace noise of scale 1/ε per rating and m/ε per user (variance 2 scale²)', async () => {
    for (const [unit, sens] of [
      ['rating', 1],
      ['user', 10],
    ] as const) {
      const m = new DPPopularity({ epsilon: 0.5, unit, maxItemsPerUser: 10 })
      await m.fit(data)
      const { mean, variance } = noiseOf(m, exact)
      const want = 2 * (sens / 0.5) ** 2
      // 4000 seeded draws: 10% is about 3 standard errors of a Laplace sample variance (√(5/4000) relative)
      expect(Math.abs(variance / want - 1)).toBeLessThan(0.1)
      expect(Math.abs(mean)).toBeLessThan(0.15 * Math.sqrt(want))
      expect(m.privacy).toEqual({ epsilon: 0.5, delta: 0, mechanism: 'laplace', unit })
    }
  })

  it('adds Gaussian noise calibrated by the analytic Gaussian mechanism for L2 sensitivity √m', async () => {
    const m = new DPPopularity({ mechanism: 'gaussian', epsilon: 1, unit: 'user', maxItemsPerUser: 4 })
    await m.fit(data)
    const sigma = gaussianMechanismSigma(1, 1 / 300, 2)
    expect(Math.abs(noiseOf(m, exact).variance / (sigma * sigma) - 1)).toBeLessThan(0.1)
    expect(m.privacy).toEqual({ epsilon: 1, delta: 1 / 300, mechanism: 'gaussian', unit: 'user' })
    const perRating = new DPPopularity({ mechanism: 'gaussian', delta: 1e-6 })
    await perRating.fit(data)
    expect(perRating.privacy).toEqual({ epsilon: 1, delta: 1e-6, mechanism: 'gaussian', unit: 'rating' })
  })

  it('keeps the noisy counts and the privacy report through save and load', async () => {
    const { train } = plantedFixture()
    const m = new DPPopularity({ epsilon: 2 })
    await m.fit(train)
    const again = (await DPPopularity.load(decodeArtifacts(encodeArtifacts(await m.save())))) as DPPopularity
    expect(Array.from(again.itemScores())).toEqual(Array.from(m.itemScores()))
    expect(again.privacy).toEqual({ epsilon: 2, delta: 0, mechanism: 'laplace', unit: 'rating' })
  })
})
