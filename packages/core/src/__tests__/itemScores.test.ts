import { describe, expect, it } from 'vitest'
import { ItemScoresRecommender, itemCounts, type Interactions } from '../index'
import { plantedFixture } from '../testing'

class Counts extends ItemScoresRecommender<object> {
  readonly name = 'counts'
  protected readonly scoresTensor = 'counts'
  protected async fitModel(data: Interactions): Promise<void> {
    this.setScores(Float64Array.from(itemCounts(data)))
  }
}

describe('ItemScoresRecommender', () => {
  const fx = plantedFixture()

  it('ranks by its scores, copies them out, and saves them under its tensor', async () => {
    const m = new Counts()
    await m.fit(fx.train)
    const counts = Float64Array.from(itemCounts(fx.train))
    expect(Array.from(m.itemScores())).toEqual(Array.from(counts))
    m.itemScores()[0] = -1
    expect(m.itemScores()[0]).toBe(counts[0])
    expect(Array.from(m.score(0, Int32Array.of(0, 1)))).toEqual([counts[0], counts[1]])
    const a = await m.save()
    expect(Object.keys(a.tensors).sort()).toEqual(['counts', 'seenIndices', 'seenIndptr'])
    const again = await Counts.load(a)
    expect(Array.from(again.itemScores())).toEqual(Array.from(counts))
    expect(Array.from(again.recommend(1, { k: 3 }).items)).toEqual(Array.from(m.recommend(1, { k: 3 }).items))
  })

  it('refuses saved scores of another length, naming the model and the tensor', async () => {
    const m = new Counts()
    await m.fit(fx.train)
    const a = await m.save()
    await expect(Counts.load({ ...a, tensors: { ...a.tensors, counts: new Float64Array(1) } })).rejects.toThrow(
      `counts artifacts: counts has 1 entries; the catalogue has ${fx.train.items.size} items`,
    )
    expect(() => new Counts().itemScores()).toThrow('counts: call fit() or load() before scoring')
  })
})
