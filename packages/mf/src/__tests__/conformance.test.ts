import { ModelRegistry, resolveParams } from '@recforge/core'
import { describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { ALS, BPR, MF, SVDpp, mfModels } from '../index'

// The ratings fixture leaves one foreign cluster unrated by each user, so a biased rating model
// predicts about the item mean there and may rank such an item above the planted one: the
// unbiased MF must recover every planted item; SVD++ (always biased) must recover most.
describeRecommender('mf (unbiased)', { create: () => new MF({ factors: 8, epochs: 100, lr: 0.01, reg: 0.05, biased: false }), load: MF.load, fixture: 'ratings' })
describeRecommender('mf (biased)', { create: () => new MF({ factors: 8, epochs: 200, lr: 0.01, reg: 0.2 }), load: MF.load, fixture: 'ratings', plantedHitRate: 0.5 })
describeRecommender('svdpp', { create: () => new SVDpp({ factors: 8, epochs: 200, lr: 0.01, reg: 0.2 }), load: SVDpp.load, fixture: 'ratings', plantedHitRate: 0.7 })
describeRecommender('als (cg)', { create: () => new ALS({ factors: 8, iterations: 10 }), load: ALS.load })
describeRecommender('als (cholesky)', { create: () => new ALS({ factors: 8, iterations: 10, solver: 'cholesky' }), load: ALS.load })
describeRecommender('bpr', { create: () => new BPR({ factors: 8, epochs: 200, lr: 0.05 }), load: BPR.load })
describeRecommender('bpr (popularity sampling)', { create: () => new BPR({ factors: 8, epochs: 200, sampling: 'popularity' }), load: BPR.load })

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
    expect(() => reg.create('mf', { nope: 1 })).toThrow(/has no parameter "nope"/)
    expect(() => reg.create('bpr', { sampling: 'weird' })).toThrow(/must be one of uniform, popularity/)
  })
})
