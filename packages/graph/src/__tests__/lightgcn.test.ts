import { IdVocabulary, Random, fromCoo, plantedFixture } from '@recforge/core'
import { describeModelDefinition, describeRecommender } from '@recforge/core/testing'
import { buildItemIndex, recommendWithIndex } from '@recforge/similarity'
import { describe, expect, it } from 'vitest'
import { batchLossAndGrad, stepWork, triples, TripleSampler } from '../internal/bpr'
import { layerMean, normalizedGraph, propagate, propagationBuffers } from '../internal/graph'
import { LightGCN } from '../lightgcn'
import { graphModels, lightGcnModel } from '../registry'

const fast = { factors: 16, layers: 2, epochs: 60, batchSize: 64, learningRate: 0.02 }

describeRecommender('lightgcn', { create: () => new LightGCN(fast), load: (a) => LightGCN.load(a), withEpochs: (epochs) => new LightGCN({ ...fast, epochs }) })
describeModelDefinition(lightGcnModel, { construct: (c) => new LightGCN(c), fast: { epochs: 1, factors: 4 } })

// users a, b, c; items x, y; a–x, a–y, b–x, c–y, and a repeated a–x
const small = fromCoo({
  users: IdVocabulary.fromJSON(['a', 'b', 'c']),
  items: IdVocabulary.fromJSON(['x', 'y']),
  userIdx: Int32Array.of(0, 0, 1, 2, 0),
  itemIdx: Int32Array.of(0, 1, 0, 1, 0),
  values: Float32Array.of(1, 1, 1, 1, 1),
})

describe('normalised graph', () => {
  it('weights each edge 1/√(d_u d_i), counting a repeated pair once', () => {
    const g = normalizedGraph(small)
    // degrees: a 2, b 1, c 1; x 2, y 2
    expect(Array.from(g.userIndptr)).toEqual([0, 2, 3, 4])
    expect(Array.from(g.userItems)).toEqual([0, 1, 0, 1])
    expect(Array.from(g.userWeights)).toEqual([1 / 2, 1 / 2, 1 / Math.SQRT2, 1 / Math.SQRT2].map(Math.fround))
    expect(Array.from(g.itemIndptr)).toEqual([0, 2, 4])
    expect(Array.from(g.itemUsers)).toEqual([0, 1, 0, 2])
    expect(Array.from(g.itemWeights)).toEqual([1 / 2, 1 / Math.SQRT2, 1 / 2, 1 / Math.SQRT2].map(Math.fround))
  })

  it('propagates as the dense Â = D^-1/2 A D^-1/2 would, and averages K + 1 layers', () => {
    const g = normalizedGraph(small)
    const d = 3
    const nodes = 5
    const x = new Random(1).fillNormal(new Float32Array(nodes * d)) as Float32Array
    // the dense adjacency over (a, b, c, x, y), written out by hand
    const s = 1 / 2
    const t = 1 / Math.SQRT2
    const A = [
      [0, 0, 0, s, s],
      [0, 0, 0, t, 0],
      [0, 0, 0, 0, t],
      [s, t, 0, 0, 0],
      [s, 0, t, 0, 0],
    ]
    const dense = (v: Float32Array) => Float32Array.from({ length: nodes * d }, (_, j) => A[Math.floor(j / d)]!.reduce((acc, w, c) => acc + w * v[c * d + (j % d)]!, 0))
    const one = new Float32Array(nodes * d)
    propagate(g, x, one, d)
    const want1 = dense(x)
    for (let j = 0; j < one.length; j++) expect(one[j]).toBeCloseTo(want1[j]!, 6)
    const mean = new Float32Array(nodes * d)
    layerMean(g, x, 2, d, mean, propagationBuffers(nodes, d))
    const want2 = dense(want1)
    for (let j = 0; j < mean.length; j++) expect(mean[j]).toBeCloseTo((x[j]! + want1[j]! + want2[j]!) / 3, 6)
  })
})

describe('LightGCN objective', () => {
  it('has analytic gradients (through K = 2 propagation layers and the penalty) equal to central differences', () => {
    const g = normalizedGraph(small)
    const d = 4
    const nodes = 5
    const ego = new Random(2).fillNormal(new Float32Array(nodes * d)) as Float32Array
    const batch = triples(3)
    batch.users.set([0, 1, 2])
    batch.positives.set([1, 0, 1])
    batch.negatives.set([0, 1, 0])
    batch.count = 3
    const work = stepWork(nodes, d)
    const grad = new Float32Array(nodes * d)
    batchLossAndGrad(g, ego, 2, d, batch, 0.3, work, grad)
    const scratch = new Float32Array(nodes * d)
    const h = 1e-2
    for (let j = 0; j < ego.length; j++) {
      const w = ego[j]!
      ego[j] = w + h
      const up = batchLossAndGrad(g, ego, 2, d, batch, 0.3, work, scratch).loss
      ego[j] = w - h
      const down = batchLossAndGrad(g, ego, 2, d, batch, 0.3, work, scratch).loss
      ego[j] = w
      expect(grad[j]).toBeCloseTo((up - down) / (2 * h), 3)
    }
  })

  it('is −ln σ(x) of hand-computed scores without layers, plus the penalty', () => {
    const g = normalizedGraph(small)
    // one dimension: users 1, 2, 3; items 0.5, −1
    const ego = Float32Array.of(1, 2, 3, 0.5, -1)
    const batch = triples(1)
    batch.users[0] = 0
    batch.positives[0] = 0
    batch.negatives[0] = 1
    batch.count = 1
    const out = new Float32Array(5)
    const r = batchLossAndGrad(g, ego, 0, 1, batch, 0.5, stepWork(5, 1), out)
    const x = 1 * 0.5 - 1 * -1
    expect(r.bpr).toBeCloseTo(Math.log1p(Math.exp(-x)), 6)
    expect(r.loss).toBeCloseTo(Math.log1p(Math.exp(-x)) + 0.25 * (1 + 0.25 + 1), 6)
    const s = 1 / (1 + Math.exp(x))
    expect(out[0]).toBeCloseTo(-s * (0.5 - -1) + 0.5 * 1, 6)
    expect(out[3]).toBeCloseTo(-s * 1 + 0.5 * 0.5, 6)
    expect(out[4]).toBeCloseTo(s * 1 + 0.5 * -1, 6)
    expect(out[1]).toBe(0)
  })

  it('samples positives from the user and negatives from outside, skipping users with every item', () => {
    const full = fromCoo({
      users: IdVocabulary.fromJSON(['a', 'b']),
      items: IdVocabulary.fromJSON(['x', 'y', 'z']),
      userIdx: Int32Array.of(0, 0, 0, 1),
      itemIdx: Int32Array.of(0, 1, 2, 1),
      values: Float32Array.of(1, 1, 1, 1),
    })
    const sampler = new TripleSampler(normalizedGraph(full))
    expect(sampler.users).toBe(1)
    const t = triples(50)
    sampler.draw(new Random(3), t, 50)
    for (let q = 0; q < 50; q++) {
      expect(t.users[q]).toBe(1)
      expect(t.positives[q]).toBe(1)
      expect([0, 2]).toContain(t.negatives[q])
    }
  })
})

describe('LightGCN', () => {
  it('exports item vectors and user vectors whose inner products are its scores', async () => {
    const { train } = plantedFixture()
    const m = new LightGCN({ ...fast, epochs: 5 })
    await m.fit(train)
    const { vectors, dimensions } = m.itemVectors()
    expect(dimensions).toBe(16)
    expect(vectors.length).toBe(train.items.size * 16)
    const u = m.userVector(3)
    const all = Int32Array.from({ length: train.items.size }, (_, i) => i)
    const s = m.score(3, all)
    for (let i = 0; i < all.length; i++) {
      let dot = 0
      for (let f = 0; f < 16; f++) dot += u[f]! * vectors[i * 16 + f]!
      expect(s[i]).toBeCloseTo(dot, 5)
    }
    expect(m.lastFit!.epochSeconds.length).toBe(5)
    expect(m.lastFit!.losses[4]!).toBeLessThan(m.lastFit!.losses[0]!)
  })

  it('serves the same top-10 through an exact inner-product index of @recforge/similarity', async () => {
    const { train } = plantedFixture()
    const m = new LightGCN({ ...fast, epochs: 10 })
    await m.fit(train)
    const index = buildItemIndex(m, { kind: 'exact', metric: 'ip' })
    for (let u = 0; u < train.users.size; u += 7) {
      expect(Array.from(recommendWithIndex(m, index, u, { k: 10, seen: train }).items)).toEqual(Array.from(m.recommend(u, { k: 10 }).items))
    }
  })

  it('with no layers is matrix factorisation: a different model from K = 2 with the same seed', async () => {
    const { train } = plantedFixture()
    const a = new LightGCN({ ...fast, epochs: 3, layers: 0 })
    const b = new LightGCN({ ...fast, epochs: 3 })
    await a.fit(train)
    await b.fit(train)
    expect(Array.from(a.userVector(0))).not.toEqual(Array.from(b.userVector(0)))
  })

  it('is listed in graphModels and rejects bad stored embeddings with PARSE_ERROR', async () => {
    expect(graphModels.map((d) => d.name)).toEqual(['lightgcn'])
    const m = new LightGCN({ factors: 4, epochs: 1 })
    await m.fit(small)
    const a = await m.save()
    await expect(LightGCN.load({ ...a, tensors: { ...a.tensors, itemEmbeddings: new Float32Array(3) } })).rejects.toThrow(/itemEmbeddings has 3 values/)
  })
})
