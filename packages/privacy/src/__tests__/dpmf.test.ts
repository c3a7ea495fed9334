import { InteractionsBuilder, Random, RecForgeError, decodeArtifacts, encodeArtifacts, plantedFixture, type Interactions } from '@recforge/core'
import { describeModelDefinition, describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { DPMF, calibrateNoiseMultiplier, dpSgdEpsilon, dpmfModel, seededNoise, type DPMFConfig, type NoiseSource } from '../index'
import { cappedLearningRate, untouchedNoiseVariance } from '../dpmf'

const fast = { epochs: 200, batchSize: 50, learningRate: 0.05, l2: 1 }

describeRecommender('dpmf (no privacy)', { create: () => new DPMF({ ...fast, dp: false }), load: (a) => DPMF.load(a), fixture: 'ratings' })
// ε = 1000 needs noise multiplier 0.45: enough noise to cost a few planted items, not all
describeRecommender('dpmf (epsilon 1000)', { create: () => new DPMF({ ...fast, epsilon: 1000 }), load: (a) => DPMF.load(a), fixture: 'ratings', plantedHitRate: 0.8 })
describeRecommender('dpmf (unit user)', {
  create: () => new DPMF({ ...fast, unit: 'user', batchSize: 12, epsilon: 1e5, clipNorm: 5 }),
  load: (a) => DPMF.load(a),
  fixture: 'ratings',
  plantedHitRate: 0.5,
})
describeModelDefinition(dpmfModel, {
  construct: (c) => new DPMF(c),
  fast: { epochs: 2 },
  fixture: 'ratings',
  // a noise multiplier must be large enough for the (doubled) budget over the fast run's steps
  vary: { noiseMultiplier: 50 },
})

function ratings(rows: [string, string, number][], extraItems: string[] = []): Interactions {
  const b = new InteractionsBuilder()
  for (const [u, i, r] of rows) b.push(u, i, r)
  for (const i of extraItems) b.items.add(i)
  return b.build()
}

/** A DPMF of one factor trained for one full-batch step (q = 1) with seed 7: step 0.1, l2 0.5, clip 1, noise multiplier 3, no step cap. */
async function oneStep(data: Interactions, extra: Partial<DPMFConfig>): Promise<DPMF> {
  const m = new DPMF({ factors: 1, epochs: 1, batchSize: 1, learningRate: 0.1, l2: 0.5, clipNorm: 1, noiseMultiplier: 3, epsilon: 100, delta: 1e-5, maxParamNoise: 0, ...extra })
  await m.fit(data, { seed: 7 })
  return m
}

/** The model's random streams for `seed`: the noise source is seeded first, then `count` initial factors (P, then Q) are drawn. */
function streams(seed: number, count: number): { noise: NoiseSource; init: number[] } {
  const rng = new Random(seed)
  const noise = seededNoise(rng.uint32())
  return { noise, init: Array.from({ length: count }, () => 0.1 * rng.normal()) }
}

describe('DPMF privacy', () => {
  const fx = plantedFixture({ ratings: true })
  const n = fx.train.indptr[fx.train.users.size]!

  it('calibrates the noise to the budget and reports what the accountant spent (delta 1/n by default)', async () => {
    const m = new DPMF({ epsilon: 2, epochs: 3, batchSize: 100 })
    await m.fit(fx.train)
    const q = 100 / n
    const steps = 3 * Math.ceil(n / 100)
    expect(m.accounting).toMatchObject({ sampleRate: q, steps })
    const sigma = calibrateNoiseMultiplier({ epsilon: 2, delta: 1 / n, sampleRate: q, steps })
    expect(m.accounting!.noiseMultiplier).toBe(sigma)
    const spent = dpSgdEpsilon({ sampleRate: q, noiseMultiplier: sigma, steps, delta: 1 / n })
    expect(m.privacy).toEqual({ epsilon: spent.epsilon, delta: 1 / n, mechanism: 'dp-sgd', unit: 'rating' })
    expect(m.privacy!.epsilon).toBeLessThanOrEqual(2)
    expect(m.privacy!.epsilon).toBeGreaterThan(1.99)
  })

  it('uses a given noise multiplier when it keeps within the budget, and refuses one that does not', async () => {
    const m = new DPMF({ epsilon: 5, noiseMultiplier: 3, epochs: 2, batchSize: 100, delta: 1e-6 })
    await m.fit(fx.train)
    expect(m.privacy!.epsilon).toBe(dpSgdEpsilon({ sampleRate: 100 / n, noiseMultiplier: 3, steps: 2 * Math.ceil(n / 100), delta: 1e-6 }).epsilon)
    expect(m.privacy!.epsilon).toBeLessThan(5)
    const greedy = new DPMF({ epsilon: 0.1, noiseMultiplier: 0.5, epochs: 2, batchSize: 100 })
    await expect(greedy.fit(fx.train)).rejects.toThrow(/noiseMultiplier 0.5 over 10 steps .* more than epsilon 0.1; raise noiseMultiplier or epsilon/)
  })

  it('reports per-user privacy with unit user, sampling users', async () => {
    const m = new DPMF({ unit: 'user', maxRatingsPerUser: 4, batchSize: 12, epochs: 2, epsilon: 3 })
    await m.fit(fx.train)
    expect(m.privacy).toMatchObject({ delta: 1 / 48, mechanism: 'dp-sgd', unit: 'user' })
    expect(m.accounting).toMatchObject({ sampleRate: 12 / 48, steps: 8 })
  })

  it('reports nothing without privacy', async () => {
    const m = new DPMF({ dp: false, epochs: 2 })
    await m.fit(fx.train)
    expect(m.privacy).toBeUndefined()
    expect(m.accounting).toBeUndefined()
  })

  it('keeps the privacy report and accounting through save and load', async () => {
    const m = new DPMF({ epsilon: 4, epochs: 2, batchSize: 100 })
    await m.fit(fx.train)
    const again = (await DPMF.load(decodeArtifacts(encodeArtifacts(await m.save())))) as DPMF
    expect(again.privacy).toEqual(m.privacy)
    expect(again.accounting).toEqual(m.accounting)
  })

  it('is reproducible with a seed, and not with secure noise', async () => {
    const score = async (config: ConstructorParameters<typeof DPMF>[0], seed: number) => {
      const m = new DPMF({ epochs: 2, batchSize: 100, ...config })
      await m.fit(fx.train, { seed })
      return Array.from(m.score(0, Int32Array.from({ length: 8 }, (_, i) => i)))
    }
    expect(await score({}, 1)).toEqual(await score({}, 1))
    expect(await score({}, 1)).not.toEqual(await score({}, 2))
    expect(await score({ secureNoise: true }, 1)).not.toEqual(await score({ secureNoise: true }, 1))
  })

  it('takes one clipped, noised step exactly as written: one rating, full batch', async () => {
    // one rating (5), one factor, q = 1, one step; noise multiplier 3 and clip norm 1
    const data = ratings([['u', 'i', 5]])
    const m = await oneStep(data, {})
    const { noise, init } = streams(7, 2)
    const [p0, q0] = init as [number, number]
    const e = 5 - p0 * q0
    const w = e / (Math.abs(e) * Math.sqrt(3 + p0 * p0 + q0 * q0)) // e scaled by clipNorm / ‖gradient‖
    const decay = 1 - 0.1 * 1 * 0.5
    const sd = 0.1 * 3 * 1
    const p1 = decay * p0 + 0.1 * w * q0 + sd * noise.normal()
    const bu = 0.1 * w + sd * noise.normal()
    const q1 = decay * q0 + 0.1 * w * p0 + sd * noise.normal()
    const bi = 0.1 * w + sd * noise.normal()
    const mu = 0.5 * (w + 3 * noise.normal())
    expect(m.score(0, Int32Array.of(0))[0]).toBeCloseTo(mu + bu + bi + p1 * q1, 5)
    expect(m.privacy!.epsilon).toBe(dpSgdEpsilon({ sampleRate: 1, noiseMultiplier: 3, steps: 1, delta: 1e-5 }).epsilon)
  })

  it('clips a user\'s whole gradient with unit user, and steps μ by public numbers only (users × maxRatingsPerUser)', async () => {
    // one user with ratings 5 and 3, one factor, q = 1, one step; the step of μ is 1 / (2 q G m) with G = 1 user, m = 4
    const data = ratings([
      ['u', 'i', 5],
      ['u', 'j', 3],
    ])
    const m = await oneStep(data, { unit: 'user', maxRatingsPerUser: 4 })
    const { noise, init } = streams(7, 3)
    const [p0, qi, qj] = init as [number, number, number]
    const ei = 5 - p0 * qi
    const ej = 3 - p0 * qj
    const sumE = ei + ej
    const sP = ei * qi + ej * qj
    // ‖(Σe for μ, Σe for b_u, Σ e q for p_u, e_i and e_i p_u per item)‖
    const scale = 1 / Math.sqrt(2 * sumE * sumE + sP * sP + (ei * ei + ej * ej) * (1 + p0 * p0))
    const decay = 1 - 0.1 * 0.5
    const sd = 0.1 * 3
    const p1 = decay * p0 + 0.1 * scale * sP + sd * noise.normal()
    const bu = 0.1 * scale * sumE + sd * noise.normal()
    const qi1 = decay * qi + 0.1 * scale * ei * p0 + sd * noise.normal()
    const bi = 0.1 * scale * ei + sd * noise.normal()
    noise.normal()
    noise.normal()
    const mu = (scale * sumE + 3 * noise.normal()) / (2 * 4)
    expect(m.score(0, Int32Array.of(0))[0]).toBeCloseTo(mu + bu + bi + p1 * qi1, 5)
    expect(m.privacy).toMatchObject({ unit: 'user', delta: 1e-5 })
  })

  it('gives an item nobody rated exactly the noise of a dense update (a decayed sum of Gaussians)', async () => {
    // 3000 items without ratings: after T steps each bias is N(0, (η σ C)² Σ_t d^(2t)), d = 1 - η q l2
    const empty = Array.from({ length: 3000 }, (_, i) => `empty${i}`)
    const data = ratings(
      Array.from({ length: 40 }, (_, j) => [`u${j % 4}`, `i${j % 10}`, 1 + (j % 5)] as [string, string, number]),
      empty,
    )
    const cfg = { factors: 1, epochs: 10, batchSize: 10, learningRate: 0.02, l2: 5, noiseMultiplier: 2, epsilon: 1e4, delta: 1e-5, maxParamNoise: 0 }
    const m = new DPMF(cfg)
    await m.fit(data)
    const q = 10 / 40
    const steps = 10 * 4
    const want = untouchedNoiseVariance(0.02, 2, q * 5, steps)
    const d = 1 - 0.02 * q * 5
    expect(want).toBeCloseTo((0.02 * 2) ** 2 * ((1 - d ** (2 * steps)) / (1 - d * d)), 15)
    const a = await m.save()
    const bi = a.tensors.itemBias as Float64Array
    let ss = 0
    for (let j = 10; j < bi.length; j++) ss += bi[j]! ** 2
    const variance = ss / 3000
    // 10% is about 4 standard errors of the sample variance of 3000 normals (√(2/3000) relative)
    expect(Math.abs(variance / want - 1)).toBeLessThan(0.1)
  })

  it('lowers the step size only as far as the noise cap needs', () => {
    expect(cappedLearningRate(0.01, 1, 0.1, 100, 0)).toBe(0.01)
    expect(cappedLearningRate(0.01, 1, 0.1, 100, 10)).toBe(0.01)
    const eta = cappedLearningRate(0.01, 30, 0.5, 400, 0.2)
    expect(eta).toBeLessThan(0.01)
    expect(Math.sqrt(untouchedNoiseVariance(eta, 30, 0.5, 400))).toBeCloseTo(0.2, 5)
  })

  it('rejects a weight decay of a whole step, naming the parameters', async () => {
    const m = new DPMF({ learningRate: 0.5, l2: 10, batchSize: 10_000 })
    const err = await m.fit(fx.train).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(RecForgeError)
    expect((err as RecForgeError).message).toContain('learningRate × l2 × sampling rate must be < 1')
  })
})
