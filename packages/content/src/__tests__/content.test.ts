import { describe, expect, it } from 'vitest'
import { InteractionsBuilder, RecForgeError, resolveParams, type Encoder } from '@recforge/core'
import { describeRecommender, plantedFixture } from '@recforge/core/testing'
import { HashingEncoder } from '@recforge/encoders'
import { ContentRecommender, contentModel, contentModels, createTextEncoder, hybridModel } from '../index'
import { plantedItemInfo } from './helpers'

const itemInfo = plantedItemInfo()

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return e instanceof RecForgeError ? e.code : 'not a RecForgeError'
  }
  return undefined
}

describeRecommender('content (tfidf, cosine)', {
  create: () => new ContentRecommender({ encoder: 'tfidf', cache: false }),
  load: (a) => ContentRecommender.load(a),
  fitOptions: { itemInfo },
})
describeRecommender('content (hashing, euclidean, binary profile)', {
  create: () => new ContentRecommender({ encoder: 'hashing', dimensions: 256, similarity: 'euclidean', profile: 'binary', cache: false }),
  load: (a) => ContentRecommender.load(a),
  fitOptions: { itemInfo },
})
describeRecommender('content (Universal Sentence Encoder lite)', {
  create: () => new ContentRecommender({ encoder: 'use', cache: false }),
  load: (a) => ContentRecommender.load(a),
  fitOptions: { itemInfo },
})

function tiny() {
  const b = new InteractionsBuilder()
  b.items.add('heist')
  b.items.add('robbery')
  b.items.add('romance')
  b.items.add('wedding')
  b.push('u0', 'heist', 5)
  b.push('u1', 'romance', 4)
  b.users.add('u2')
  const info = { titles: ['Heat. A heist crime thriller', 'The Score. A robbery crime thriller', 'Notting Hill. A love romance', 'Wedding Crashers. A love wedding comedy'] }
  return { data: b.build(), info }
}

describe('ContentRecommender', () => {
  it('recommends by text similarity, explains with the nearest liked items, and finds similar items', async () => {
    const { data, info } = tiny()
    const m = new ContentRecommender({ encoder: 'tfidf', cache: false })
    await m.fit(data, { itemInfo: info })
    expect(m.recommend(0, { k: 1 }).items[0]).toBe(1)
    expect(m.recommend(1, { k: 1 }).items[0]).toBe(3)
    const why = m.explain(0, 1, 3)
    expect(Array.from(why.items)).toEqual([0])
    expect(why.scores[0]).toBeGreaterThan(0)
    expect(m.similarItems(0, 1).items[0]).toBe(1)
    expect(m.encoderId).toMatch(/^tfidf-/)
  })

  it('recommends for a user unseen in training from their fresh interactions (fold-in)', async () => {
    const { data, info } = tiny()
    const m = new ContentRecommender({ encoder: 'tfidf', cache: false })
    await m.fit(data, { itemInfo: info })
    const rec = m.recommendNewUser(Int32Array.of(2), undefined, { k: 3 })
    expect(rec.items[0]).toBe(3)
    expect(Array.from(rec.items)).not.toContain(2)
    expect(Array.from(m.recommendNewUser(Int32Array.of(0), Float32Array.of(5), { k: 1, candidates: Int32Array.of(1, 3) }).items)).toEqual([1])
    expect(() => m.recommendNewUser(Int32Array.of(9))).toThrow(RecForgeError)
    expect(() => m.recommendNewUser(Int32Array.of(0), new Float32Array(2))).toThrow(/values/)
  })

  it("builds a new user's profile from their own text (LLM4Rec user embedding)", async () => {
    const { data, info } = tiny()
    const m = new ContentRecommender({ encoder: 'tfidf', cache: false })
    await m.fit(data, { itemInfo: info, userText: [undefined, undefined, 'I love a good heist'] })
    expect(m.recommend(2, { k: 1 }).items[0]).toBe(0)
    // without text, a user with no interactions has a zero profile and no preference
    const plain = new ContentRecommender({ encoder: 'tfidf', cache: false })
    await plain.fit(data, { itemInfo: info })
    expect(new Set(plain.score(2, Int32Array.of(0, 1, 2, 3)))).toEqual(new Set([0]))
  })

  it('uses an injected encoder instance and keeps vectors through save/load without encoding', async () => {
    const { data, info } = tiny()
    let calls = 0
    const inner = new HashingEncoder({ dimensions: 64 })
    const enc: Encoder<string> = { modelId: 'counting', dimensions: 64, encode: async (x) => (calls++, inner.encode(x)), dispose: async () => {} }
    const m = new ContentRecommender({}, { encoder: enc })
    await m.fit(data, { itemInfo: info })
    expect(calls).toBe(1)
    const again = (await ContentRecommender.load(await m.save())) as ContentRecommender
    expect(calls).toBe(1)
    expect(again.encoderId).toBe('counting')
    expect(Array.from(again.itemVectors().vectors)).toEqual(Array.from(m.itemVectors().vectors))
    expect(Array.from(again.userVector(0))).toEqual(Array.from(m.userVector(0)))
  })

  it('rejects missing or mismatched item text and bad options with RecForgeError', async () => {
    const { data, info } = tiny()
    await expect(new ContentRecommender({ encoder: 'tfidf' }).fit(data)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/itemInfo/) })
    await expect(new ContentRecommender({ encoder: 'tfidf' }).fit(data, { itemInfo: { titles: info.titles.slice(1) } })).rejects.toMatchObject({ code: 'DIMENSION_MISMATCH' })
    expect(() => new ContentRecommender({ similarity: 'manhattan' as never })).toThrow(RecForgeError)
    // an unknown encoder is refused by the constructor (and by createTextEncoder), before any fit
    expect(codeOf(() => new ContentRecommender({ encoder: 'word2vec' as never }))).toBe('INVALID_ARGUMENT')
    await expect(createTextEncoder({ encoder: 'word2vec' as never }, info.titles)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/"encoder"/) })
  })

  it('registers content and hybrid with item text required and working defaults', async () => {
    expect(contentModels.map((d) => d.name)).toEqual(['content', 'hybrid'])
    expect(contentModels.every((d) => d.needsItemInfo)).toBe(true)
    const params = resolveParams(contentModel, { encoder: 'hashing', dimensions: '128', cache: 'false' })
    const m = contentModel.create(params)
    const fx = plantedFixture()
    await m.fit(fx.train, { itemInfo })
    expect(m.recommend(0, { k: 1 }).items[0]).toBe(fx.heldOut[0])
    expect(resolveParams(hybridModel, {}).cf).toBe('als')
  })
})
