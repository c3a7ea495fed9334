import { ModelRegistry, resolveParams } from '@recforge/core'
import { describeModelDefinition, describeReadmeParams, describeRecommender, plantedFixture } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { ALS, BPR, MF, SVDpp, alsModel, bprModel, mfModel, mfModels, svdppModel } from '../index'

// The ratings fixture leaves one foreign cluster unrated by each user, so a biased rating model
// predicts about the item mean there and may rank such an item above the planted one: the
// unbiased MF must recover every planted item; SVD++ (always biased) must recover most.
describeRecommender('mf (unbiased)', { create: () => new MF({ factors: 8, epochs: 100, learningRate: 0.01, l2: 0.05, biased: false }), load: (a) => MF.load(a), fixture: 'ratings' })
describeRecommender('mf (biased)', { create: () => new MF({ factors: 8, epochs: 200, learningRate: 0.01, l2: 0.2 }), load: (a) => MF.load(a), fixture: 'ratings', plantedHitRate: 0.5 })
describeRecommender('svdpp', { create: () => new SVDpp({ factors: 8, epochs: 200, learningRate: 0.01, l2: 0.2 }), load: (a) => SVDpp.load(a), fixture: 'ratings', plantedHitRate: 0.7 })
describeRecommender('als (cg)', { create: () => new ALS({ factors: 8, iterations: 10 }), load: (a) => ALS.load(a) })
describeRecommender('als (cholesky)', { create: () => new ALS({ factors: 8, iterations: 10, solver: 'cholesky' }), load: (a) => ALS.load(a) })
describeRecommender('bpr', { create: () => new BPR({ factors: 8, epochs: 200, learningRate: 0.05 }), load: (a) => BPR.load(a) })
describeRecommender('bpr (popularity sampling)', { create: () => new BPR({ factors: 8, epochs: 200, sampling: 'popularity' }), load: (a) => BPR.load(a) })

// the bias rates' -1 means "the factors' value"; values between -1 and 0 are refused, so the
// automatic alternative (-0.5) cannot be used
const biasRates = { learningRateBias: 0.01, l2Bias: 0.05 }
describeModelDefinition(mfModel, { construct: (c) => new MF(c), fast: { epochs: 2, factors: 4 }, vary: biasRates, fixture: 'ratings' })
describeModelDefinition(svdppModel, { construct: (c) => new SVDpp(c), fast: { epochs: 2, factors: 4 }, vary: biasRates, fixture: 'ratings' })
describeModelDefinition(alsModel, { construct: (c) => new ALS(c), fast: { iterations: 2, factors: 4 } })
describeModelDefinition(bprModel, { construct: (c) => new BPR(c), fast: { epochs: 2, factors: 4 } })
describeReadmeParams(new URL('../../README.md', import.meta.url), mfModels)

describe('mfModels registry', () => {
  it('registers mf, svdpp, als and bpr with their tasks', () => {
    const reg = new ModelRegistry().register(...mfModels)
    expect(reg.list().map((d) => [d.name, d.task])).toEqual([
      ['als', 'ranking'],
      ['bpr', 'ranking'],
      ['mf', 'rating'],
      ['svdpp', 'rating'],
    ])
    for (const d of mfModels) expect(d.package).toBe('@recforge/mf')
  })

  it('creates models from string parameters (as --set passes them) and rejects unknown ones', () => {
    const reg = new ModelRegistry().register(...mfModels)
    const { model, params } = reg.create('als', { factors: '16', solver: 'cholesky' } as never)
    expect(params.factors).toBe(16)
    expect((model as ALS).config.solver).toBe('cholesky')
    const def = reg.get('bpr')
    expect(resolveParams(def, {}).sampling).toBe('uniform')
    expect(() => reg.create('mf', { nope: 1 })).toThrow(/unknown parameter "nope"/)
    expect(() => reg.create('bpr', { sampling: 'weird' })).toThrow(/must be one of "uniform", "popularity"/)
  })

  it('refuses bias rates between -1 (the factors\' value) and 0, naming the parameter', () => {
    expect(() => new MF({ learningRateBias: -0.5 })).toThrow(/mf: parameter "learningRateBias" must be -1 \(the value of learningRate\) or >= 0; got -0.5/)
    expect(() => new SVDpp({ l2Bias: -0.1 })).toThrow(/svdpp: parameter "l2Bias" must be -1 \(the value of l2\) or >= 0/)
    expect(new MF({ learningRateBias: 0, l2Bias: -1 }).config).toMatchObject({ learningRateBias: 0, l2Bias: -1 })
  })

  it('trains with bias rates of -1 exactly as with the factors\' rates given for the biases', async () => {
    const { train } = plantedFixture({ ratings: true })
    for (const Model of [MF, SVDpp]) {
      const a = new Model({ factors: 4, epochs: 5, learningRate: 0.01, l2: 0.05 })
      const b = new Model({ factors: 4, epochs: 5, learningRate: 0.01, l2: 0.05, learningRateBias: 0.01, l2Bias: 0.05 })
      const c = new Model({ factors: 4, epochs: 5, learningRate: 0.01, l2: 0.05, learningRateBias: 0.02, l2Bias: 0.05 })
      await a.fit(train)
      await b.fit(train)
      await c.fit(train)
      const all = Int32Array.from({ length: train.items.size }, (_, i) => i)
      expect(Array.from(a.score(0, all))).toEqual(Array.from(b.score(0, all)))
      expect(Array.from(a.score(0, all))).not.toEqual(Array.from(c.score(0, all)))
    }
  })
})
