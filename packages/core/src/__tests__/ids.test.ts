import { describe, expect, it } from 'vitest'
import { BaseRecommender, IdVocabulary, InteractionsBuilder, isRecForgeError, recommendFor, requireTensor, type Interactions, type ModelArtifacts, type ModelState } from '../index'

// counts of each item, so every score is known by hand
class Counts extends BaseRecommender<Record<string, never>> {
  readonly name = 'counts'
  counts = new Float32Array(0)
  protected async fitModel(d: Interactions) {
    this.counts = new Float32Array(d.items.size)
    for (let q = 0; q < d.indptr[d.users.size]!; q++) this.counts[d.indices[q]!]! += d.values[q]!
  }
  protected scoreAll(_user: number, out: Float32Array) {
    out.set(this.counts)
  }
  protected override saveState(): ModelState {
    return { tensors: { counts: this.counts } }
  }
  protected override restoreState(a: ModelArtifacts): void {
    this.counts = requireTensor(a, 'counts', Float32Array)
  }
}

async function fitted(): Promise<Counts> {
  const b = new InteractionsBuilder()
  for (const [u, i] of [['ann', 'heat'], ['ann', 'ronin'], ['bob', 'heat'], ['bob', 'up'], ['cy', 'heat'], ['cy', 'up'], ['dee', 'alien']] as const) b.push(u, i)
  const model = new Counts({})
  await model.fit(b.build())
  return model
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return isRecForgeError(e) ? e.code : `not a RecForgeError: ${String(e)}`
  }
  return undefined
}

describe('ids are strings', () => {
  it('a vocabulary rejects a number, null or undefined id with INVALID_ARGUMENT', () => {
    const v = new IdVocabulary(['1'])
    for (const bad of [1, null, undefined, 1n, { id: '1' }]) {
      expect(codeOf(() => v.add(bad as never))).toBe('INVALID_ARGUMENT')
      expect(codeOf(() => v.index(bad as never))).toBe('INVALID_ARGUMENT')
      expect(codeOf(() => v.require(bad as never))).toBe('INVALID_ARGUMENT')
    }
    expect(codeOf(() => new IdVocabulary([2 as never]))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => IdVocabulary.fromJSON(['a', 3 as never]))).toBe('INVALID_ARGUMENT')
    expect(v.size).toBe(1)
    expect(v.index('1')).toBe(0)
  })

  it('the message names the kind of id and the value', () => {
    const b = new InteractionsBuilder()
    expect(() => b.push(1 as never, '10')).toThrow('user id must be a string; got number 1')
    expect(() => b.push('1', 10 as never)).toThrow('item id must be a string; got number 10')
    // nothing was stored by the refused pushes
    expect(b.length).toBe(0)
    expect(b.users.size).toBe(0)
    expect(b.items.size).toBe(0)
  })
})

describe('recommendFor', () => {
  it('takes and returns external ids with the scores of recommend', async () => {
    const model = await fitted()
    // counts: heat 3, up 2, ronin 1, alien 1; ann has seen heat and ronin
    expect(model.recommendFor('ann', { k: 2 })).toEqual([
      { id: 'up', score: 2 },
      { id: 'alien', score: 1 },
    ])
    expect(recommendFor(model, 'ann', { k: 2 })).toEqual(model.recommendFor('ann', { k: 2 }))
    const byIndex = model.recommend(model.vocabularies.users.index('dee')!, { k: 3 })
    expect(model.recommendFor('dee', { k: 3 })).toEqual([...byIndex.items].map((i, j) => ({ id: model.vocabularies.items.id(i), score: byIndex.scores[j] })))
  })

  it('maps excludeSeen, exclude and candidates through the item vocabulary', async () => {
    const model = await fitted()
    expect(model.recommendFor('ann', { k: 2, excludeSeen: false }).map((r) => r.id)).toEqual(['heat', 'up'])
    expect(model.recommendFor('ann', { exclude: ['up'] }).map((r) => r.id)).toEqual(['alien'])
    expect(model.recommendFor('dee', { candidates: ['ronin', 'up'] })).toEqual([
      { id: 'up', score: 2 },
      { id: 'ronin', score: 1 },
    ])
  })

  it('rejects non-string and unknown ids, and a bad k', async () => {
    const model = await fitted()
    expect(codeOf(() => model.recommendFor(1 as never))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => model.recommendFor('zed'))).toBe('UNKNOWN_ID')
    expect(codeOf(() => model.recommendFor('ann', { candidates: [2 as never] }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => model.recommendFor('ann', { exclude: ['nope'] }))).toBe('UNKNOWN_ID')
    expect(codeOf(() => model.recommendFor('ann', { k: -1 }))).toBe('INVALID_ARGUMENT')
    expect(codeOf(() => new Counts({}).recommendFor('ann'))).toBe('NOT_FITTED')
  })

  it('works the same after save and load', async () => {
    const model = await fitted()
    const again = await Counts.load(await model.save())
    expect(again.recommendFor('bob', { k: 4 })).toEqual(model.recommendFor('bob', { k: 4 }))
  })
})
