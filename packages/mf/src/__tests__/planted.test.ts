import { describe, expect, it } from 'vitest'
import { ALS, BPR, MF, SVDpp } from '../index'
import { clusterAuc, pearson, plantedImplicit, plantedRatings, rmseOf } from './helpers'

describe('recovery of planted structure', () => {
  const rd = plantedRatings()
  const meanOnly = Math.sqrt(rd.test.reduce((s, [, , r]) => s + (r - 3) ** 2, 0) / rd.test.length)

  it('mf recovers planted biased factors: held-out RMSE near the noise, item biases match', async () => {
    const m = new MF({ factors: 4, epochs: 150, learningRate: 0.01, l2: 0.02, initStd: 0.1 })
    await m.fit(rd.train)
    const rmse = rmseOf(m, rd.test)
    expect(meanOnly).toBeGreaterThan(0.6)
    expect(rmse).toBeLessThan(0.3)
    const learned = m.itemVectors()
    const d = learned.dimensions
    const bias = Array.from({ length: rd.bi.length }, (_, i) => learned.vectors[i * d + d - 2]!)
    expect(pearson(bias, rd.bi)).toBeGreaterThan(0.9)
  })

  it('mf with early stopping stops before the epoch budget and keeps its best validation RMSE', async () => {
    const m = new MF({ factors: 4, epochs: 400, learningRate: 0.02, l2: 0.0, validationFraction: 0.1, patience: 3 })
    await m.fit(rd.train)
    expect(m.epochsRun).toBeLessThan(400)
    expect(m.validationRmse).toBeLessThan(0.5)
  })

  it('svdpp recovers planted factors', async () => {
    const m = new SVDpp({ factors: 4, epochs: 150, learningRate: 0.01, l2: 0.02 })
    await m.fit(rd.train)
    expect(rmseOf(m, rd.test)).toBeLessThan(0.3)
  })

  const im = plantedImplicit()
  it('als (cg and cholesky) ranks each held-out in-cluster item above the other clusters\' items', async () => {
    for (const solver of ['cg', 'cholesky'] as const) {
      const m = new ALS({ factors: 8, iterations: 10, l2: 0.1, solver })
      await m.fit(im.train)
      expect(clusterAuc(m, im.heldOut, im.clusters, im.train.items.size)).toBeGreaterThan(0.97)
    }
  })

  it('als cg converges to the cholesky solution', async () => {
    const a = new ALS({ factors: 8, iterations: 15, l2: 0.1, solver: 'cholesky' })
    const b = new ALS({ factors: 8, iterations: 15, l2: 0.1, solver: 'cg', cgSteps: 8 })
    await a.fit(im.train)
    await b.fit(im.train)
    const all = Int32Array.from({ length: im.train.items.size }, (_, i) => i)
    for (const u of [0, 7, 33]) expect(pearson(a.score(u, all), b.score(u, all))).toBeGreaterThan(0.99)
  })

  it('bpr (uniform and popularity sampling) ranks each held-out in-cluster item above the other clusters\' items', async () => {
    for (const sampling of ['uniform', 'popularity'] as const) {
      const m = new BPR({ factors: 8, epochs: 150, learningRate: 0.05, sampling })
      await m.fit(im.train)
      expect(clusterAuc(m, im.heldOut, im.clusters, im.train.items.size)).toBeGreaterThan(0.95)
    }
  })

  it('similarItems finds items of the same planted cluster; similarUsers finds users of the same cluster', async () => {
    const m = new ALS({ factors: 8, iterations: 10, l2: 0.1 })
    await m.fit(im.train)
    const sim = m.similarItems(5, 5)
    expect(Array.from(sim.items)).not.toContain(5)
    for (const i of sim.items) expect(i % im.clusters).toBe(5 % im.clusters)
    const su = m.similarUsers(3, 5)
    expect(Array.from(su.items)).not.toContain(3)
    for (const u of su.items) expect(u % im.clusters).toBe(3 % im.clusters)
  })

  it('itemVectors · userVector equals the score (vector-index serving)', async () => {
    for (const m of [new MF({ factors: 4, epochs: 5 }), new BPR({ factors: 4, epochs: 5 }), new ALS({ factors: 4, iterations: 2 })]) {
      await m.fit(m instanceof MF ? rd.train : im.train)
      const { vectors, dimensions } = m.itemVectors()
      const q = m.userVector(2)
      expect(q.length).toBe(dimensions)
      const items = Int32Array.from([0, 1, 2, 3])
      const s = m.score(2, items)
      for (let j = 0; j < 4; j++) {
        let dot = 0
        for (let f = 0; f < dimensions; f++) dot += q[f]! * vectors[j * dimensions + f]!
        expect(dot).toBeCloseTo(s[j]!, 4)
      }
    }
  })
})
