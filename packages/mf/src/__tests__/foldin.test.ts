import { describe, expect, it } from 'vitest'
import { ALS, BPR, MF, SVDpp } from '../index'
import { pearson, plantedImplicit, plantedRatings, withoutUser } from './helpers'

const im = plantedImplicit()
const rd = plantedRatings()
const allItems = (n: number) => Int32Array.from({ length: n }, (_, i) => i)

describe('fold-in of new users', () => {
  it('als: folding in a training user reproduces its trained vector exactly (closed form)', async () => {
    const m = new ALS({ factors: 8, iterations: 5, l2: 0.1, solver: 'cholesky' })
    await m.fit(im.train)
    for (const u of [0, 11, 57]) {
      const h = m.history(u)
      const f = m.foldIn(h.items, h.values)
      const trained = m.userVector(u)
      for (let j = 0; j < 8; j++) expect(f.vector[j]!).toBeCloseTo(trained[j]!, 5)
    }
  })

  it('als: fold-in of a new user equals retraining with that user, within tolerance', async () => {
    // as many factors as planted clusters, so the factorisation is identified and retraining converges to the same scores
    const big = plantedImplicit({ users: 400 })
    const user = 9
    const row = big.train.indices.slice(big.train.indptr[user]!, big.train.indptr[user + 1]!)
    const opts = { factors: 4, iterations: 30, l2: 1, l2Scaling: 'none', solver: 'cholesky' } as const
    const without = new ALS(opts)
    await without.fit(withoutUser(big.train, user))
    const retrained = new ALS(opts)
    await retrained.fit(big.train)
    const items = allItems(big.train.items.size)
    const folded = without.foldIn(row)
    const V = without.itemVectors().vectors
    const s2 = retrained.score(user, items)
    let maxDiff = 0
    let maxScore = 0
    for (let i = 0; i < items.length; i++) {
      let d = 0
      for (let f = 0; f < 4; f++) d += folded.vector[f]! * V[i * 4 + f]!
      maxDiff = Math.max(maxDiff, Math.abs(d - s2[i]!))
      maxScore = Math.max(maxScore, Math.abs(s2[i]!))
    }
    expect(maxScore).toBeGreaterThan(0.3)
    expect(maxDiff).toBeLessThan(0.03)
    const top1 = without.recommendNewUser(row, undefined, { k: 5 })
    const top2 = retrained.recommend(user, { k: 5 })
    expect(Array.from(top1.items).filter((i) => Array.from(top2.items).includes(i)).length).toBeGreaterThanOrEqual(4)
    for (const i of top1.items) expect(Array.from(row)).not.toContain(i)
  })

  it('mf and svdpp: folding in a training user agrees with its trained predictions', async () => {
    for (const m of [new MF({ factors: 4, epochs: 150, learningRate: 0.01 }), new SVDpp({ factors: 4, epochs: 150, learningRate: 0.01 })]) {
      await m.fit(rd.train)
      const items = allItems(rd.train.items.size)
      for (const u of [1, 40]) {
        const h = m.history(u)
        const rec = m.recommendNewUser(h.items, h.values, { k: items.length, excludeSeen: false })
        const byItem = new Float32Array(items.length)
        rec.items.forEach((i, j) => (byItem[i] = rec.scores[j]!))
        expect(pearson(byItem, m.score(u, items))).toBeGreaterThan(0.95)
      }
    }
  })

  it('bpr: fold-in ranks the new user\'s cluster first', async () => {
    const m = new BPR({ factors: 8, epochs: 100 })
    await m.fit(im.train)
    const rec = m.recommendNewUser(new Int32Array([0, 4, 8, 12, 16]), undefined, { k: 5 })
    for (const i of rec.items) expect(i % 4).toBe(0)
  })
})

describe('incremental updates (feedback loop)', () => {
  it('partialFitUser moves the user towards the new items, excludes them, and survives save/load', async () => {
    const m = new ALS({ factors: 8, iterations: 8, l2: 0.1 })
    await m.fit(im.train)
    const user = 0 // cluster 0
    const before = m.recommend(user, { k: 3 })
    for (const i of before.items) expect(i % 4).toBe(0)
    // the user now interacts heavily with cluster 1
    const news = Int32Array.from([1, 5, 9, 13, 17, 21, 25, 29, 33, 37, 41, 45].filter((i) => !Array.from(m.seenItems(user)).includes(i)))
    m.partialFitUser(user, news, new Float32Array(news.length).fill(5))
    for (const i of news) expect(Array.from(m.seenItems(user))).toContain(i)
    const after = m.recommend(user, { k: 20 })
    for (const i of after.items) expect(Array.from(news)).not.toContain(i)
    expect(Array.from(after.items).filter((i) => i % 4 === 1).length).toBeGreaterThan(0)
    const again = await ALS.load(await m.save())
    expect(Array.from(again.recommend(user, { k: 20 }).items)).toEqual(Array.from(after.items))
    expect(Array.from(again.seenItems(user)).sort()).toEqual(Array.from(m.seenItems(user)).sort())
  })

  it('rating models replace a repeated rating; implicit models add to it', async () => {
    const mf = new MF({ factors: 4, epochs: 5 })
    await mf.fit(rd.train)
    const h = mf.history(3)
    mf.partialFitUser(3, h.items.slice(0, 1), new Float32Array([1]))
    expect(mf.history(3).values[0]).toBe(1)
    expect(mf.history(3).items.length).toBe(h.items.length)
    const als = new ALS({ factors: 4, iterations: 2 })
    await als.fit(im.train)
    const h2 = als.history(3)
    als.partialFitUser(3, h2.items.slice(0, 1), new Float32Array([2]))
    expect(als.history(3).values[0]).toBe(h2.values[0]! + 2)
  })
})
