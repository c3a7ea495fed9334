import { ModelRegistry, decodeArtifacts, encodeArtifacts, plantedFixture, resolveParams } from '@recforge/core'
import { describeModelDefinition } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { EASE } from '../ease'
import { ItemKNN } from '../itemknn'
import { Popularity } from '../pop'
import { baselinesModels, easeModel, itemKnnModel, popModel } from '../registry'

describeModelDefinition(popModel, { construct: (c) => new Popularity(c) })
describeModelDefinition(itemKnnModel, {
  construct: (c) => new ItemKNN(c),
  fixture: 'ratings',
  vary: { task: 'rating' },
  keep: { binary: 'binary: true and task: "rating" exclude each other, and task is varied' },
})
describeModelDefinition(easeModel, { construct: (c) => new EASE(c), vary: { lambda: 20 } })

describe('baselinesModels', () => {
  it('registers every model the package exports, with documented parameters', async () => {
    const exported = Object.entries(await import('../index')).filter(([name]) => name.endsWith('Model')).map(([, d]) => d)
    expect(new Set(baselinesModels)).toEqual(new Set(exported))
    expect(baselinesModels.map((d) => d.name)).toEqual(['pop', 'itemknn', 'ease', 'bias'])
    for (const d of baselinesModels) {
      expect(d.package).toBe('@recforge/baselines')
      for (const spec of Object.values(d.params)) expect(spec.description.length).toBeGreaterThan(5)
    }
  })

  it('creates each model from its defaults, and overrides given as strings, then loads it back', async () => {
    const registry = new ModelRegistry().register(...baselinesModels)
    const { train } = plantedFixture()
    for (const d of baselinesModels) {
      const { model, params } = registry.create(d.name, d.name === 'ease' ? { lambda: '20' as unknown as number } : {})
      expect(model.name).toBe(d.name)
      expect((model.config as Record<string, unknown>)).toMatchObject(params)
      await model.fit(train)
      const again = await d.load(decodeArtifacts(encodeArtifacts(await model.save())))
      expect(Array.from(again.recommend(0, { k: 5 }).items)).toEqual(Array.from(model.recommend(0, { k: 5 }).items))
    }
    expect(resolveParams(registry.get('ease'), { lambda: '20' }).lambda).toBe(20)
  })

  it('rejects a negative lambda or neighbours < 1 when resolving parameters', () => {
    const registry = new ModelRegistry().register(...baselinesModels)
    expect(() => registry.create('ease', { lambda: -1 })).toThrow(/lambda/)
    expect(() => registry.create('ease', { lambda: 0 })).toThrow(/lambda/)
    expect(() => registry.create('itemknn', { neighbors: 0 })).toThrow(/neighbors/)
  })
})
