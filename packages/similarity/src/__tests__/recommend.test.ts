import { describe, expect, it } from 'vitest'
import { RecForgeError, fromCoo, rangeVocabulary, topK, type ModelArtifacts, type Recommender, type ScoredItems } from '@recforge/core'
import { buildItemIndex, recommendWithIndex } from '../recommend'
import { ExactIndex } from '../exact'

/** A hand-made dot-product model: 2 users, 5 items, 2 dimensions. */
class TinyModel implements Recommender<object> {
  readonly name = 'tiny'
  readonly config = {}
  readonly fitted = true
  readonly users = new Float32Array([1, 0, 0, 1])
  readonly items = new Float32Array([0.9, 0.1, 0.5, 0.5, 0.1, 0.9, 0.8, 0.0, 0.0, 0.3])
  async fit(): Promise<void> {}
  score(user: number, items: Int32Array): Float32Array {
    return Float32Array.from(items, (i) => this.users[user * 2]! * this.items[i * 2]! + this.users[user * 2 + 1]! * this.items[i * 2 + 1]!)
  }
  recommend(user: number, opts: { k?: number; exclude?: Int32Array } = {}): ScoredItems {
    return topK(this.score(user, Int32Array.from({ length: 5 }, (_, i) => i)), opts.k ?? 10, opts.exclude ? { exclude: opts.exclude } : {})
  }
  async save(): Promise<ModelArtifacts> {
    return { model: 'tiny', formatVersion: 1, config: {}, tensors: {} }
  }
  itemVectors() {
    return { vectors: this.items, dimensions: 2 }
  }
  userVector(user: number): Float32Array {
    return this.users.slice(user * 2, user * 2 + 2)
  }
}

describe('recommendWithIndex', () => {
  const model = new TinyModel()
  // user 0 has seen item 0; user 1 has seen items 2 and 4
  const train = fromCoo({ users: rangeVocabulary(2), items: rangeVocabulary(5), userIdx: new Int32Array([0, 1, 1]), itemIdx: new Int32Array([0, 2, 4]), values: new Float32Array([1, 1, 1]) })

  it('ranks by dot product through an exact and an HNSW index, excluding seen items', () => {
    for (const kind of ['exact', 'hnsw'] as const) {
      const index = buildItemIndex(model, { kind, metric: 'ip' })
      expect(index.size).toBe(5)
      const r0 = recommendWithIndex(model, index, 0, { k: 3, seen: train })
      expect(Array.from(r0.items)).toEqual([3, 1, 2])
      expect(r0.scores[0]).toBeCloseTo(0.8, 6)
      expect(r0.scores[1]).toBeCloseTo(0.5, 6)
      const r1 = recommendWithIndex(model, index, 1, { k: 10, seen: train })
      expect(Array.from(r1.items)).toEqual([1, 0, 3])
      // agrees with the model's own ranking
      expect(Array.from(r1.items)).toEqual(Array.from(model.recommend(1, { exclude: new Int32Array([2, 4]) }).items))
      expect(Array.from(recommendWithIndex(model, index, 1, { k: 2, seen: new Int32Array([2]), exclude: new Int32Array([4]), filter: (i) => i !== 1 }).items)).toEqual([0, 3])
    }
  })

  it('turns cosine distances back into cosine scores', () => {
    const index = buildItemIndex(model, { metric: 'cosine' })
    const r = recommendWithIndex(model, index, 0, { k: 1 })
    expect(r.items[0]).toBe(3)
    expect(r.scores[0]).toBeCloseTo(1, 6)
  })

  it('rejects models without vectors and indexes of another width', () => {
    const plain = { name: 'plain' } as unknown as Recommender<object>
    expect(() => buildItemIndex(plain)).toThrow(RecForgeError)
    expect(() => recommendWithIndex(plain, new ExactIndex({ dimensions: 2 }), 0)).toThrow(/does not expose userVector/)
    expect(() => recommendWithIndex(model, new ExactIndex({ dimensions: 3 }), 0)).toThrow(/has 2 dimensions; the index expects 3/)
  })
})
