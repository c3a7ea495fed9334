import { Random, RecForgeError } from '@recforge/core'
import { describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { ItemKNN, type ItemKNNConfig } from '../itemknn'
import { fromRows, randomImplicit } from './helpers'

describeRecommender('itemknn', { create: () => new ItemKNN({ neighbors: 20 }), load: (a) => ItemKNN.load(a) })
describeRecommender('itemknn (conditional)', { create: () => new ItemKNN({ neighbors: 20, similarity: 'conditional', shrink: 0 }), load: (a) => ItemKNN.load(a) })
describeRecommender('itemknn (rating task)', {
  // the neighbour table keeps about one cluster, so clusters the user never rated fall back to baseline
  create: () => new ItemKNN({ neighbors: 10, task: 'rating' }),
  load: (a) => ItemKNN.load(a),
  fixture: 'ratings',
})

/** The neighbour row of `item` as [neighbour, similarity] pairs. */
function row(knn: ItemKNN, item: number): [number, number][] {
  const t = knn.neighborTable()
  const out: [number, number][] = []
  for (let p = t.indptr[item]!; p < t.indptr[item + 1]!; p++) out.push([t.items[p]!, t.sims[p]!])
  return out
}

function expectRow(got: [number, number][], want: [number, number][]): void {
  expect(got.map((x) => x[0])).toEqual(want.map((x) => x[0]))
  got.forEach(([, s], k) => expect(s).toBeCloseTo(want[k]![1], 6))
}

describe('item-kNN similarities', () => {
  // users: u0 {0,1}, u1 {0,1,2}, u2 {1,2}, u3 {2,3}; co-counts 01:2 02:1 12:2 23:1; counts [2,3,3,1]
  const toy = fromRows(4, [
    [[0, 1], [1, 1]],
    [[0, 1], [1, 1], [2, 1]],
    [[1, 1], [2, 1]],
    [[2, 1], [3, 1]],
  ])

  it('cosine without shrinkage equals co-count / sqrt(count_i count_j), sorted best first', async () => {
    const knn = new ItemKNN({ shrink: 0, threads: 1 })
    await knn.fit(toy)
    expectRow(row(knn, 0), [[1, 2 / Math.sqrt(6)], [2, 1 / Math.sqrt(6)]])
    expectRow(row(knn, 1), [[0, 2 / Math.sqrt(6)], [2, 2 / 3]])
    expectRow(row(knn, 2), [[1, 2 / 3], [3, 1 / Math.sqrt(3)], [0, 1 / Math.sqrt(6)]])
    expectRow(row(knn, 3), [[2, 1 / Math.sqrt(3)]])
    // user 0 (items 0 and 1): score(t) = sim(0, t) + sim(1, t)
    const s = knn.score(0, Int32Array.from([2, 3]))
    expect(s[0]!).toBeCloseTo(1 / Math.sqrt(6) + 2 / 3, 6)
    expect(s[1]).toBe(0)
    expect(Array.from(knn.recommend(0, { k: 5 }).items)).toEqual([2, 3])
  })

  it('shrinkage adds to the denominator; neighbors caps each row', async () => {
    const knn = new ItemKNN({ shrink: 1, neighbors: 1, threads: 1 })
    await knn.fit(toy)
    expectRow(row(knn, 0), [[1, 2 / (Math.sqrt(6) + 1)]])
    expectRow(row(knn, 2), [[1, 2 / (3 + 1)]])
  })

  it('conditional probability is co-count / count_i (ties by item index)', async () => {
    const knn = new ItemKNN({ similarity: 'conditional', shrink: 0, threads: 1 })
    await knn.fit(toy)
    expectRow(row(knn, 0), [[1, 1], [2, 1 / 2]])
    expectRow(row(knn, 1), [[0, 2 / 3], [2, 2 / 3]])
    expectRow(row(knn, 2), [[1, 2 / 3], [0, 1 / 3], [3, 1 / 3]])
    expectRow(row(knn, 3), [[2, 1]])
  })

  it('weights scores by interaction value unless binary', async () => {
    const rated = fromRows(3, [
      [[0, 2], [1, 3]],
      [[0, 1], [2, 4]],
    ])
    // item vectors over users: i0 (2, 1), i1 (3, 0), i2 (0, 4)
    const knn = new ItemKNN({ shrink: 0, threads: 1 })
    await knn.fit(rated)
    const c01 = 6 / (Math.sqrt(5) * 3)
    const c02 = 4 / (Math.sqrt(5) * 4)
    expectRow(row(knn, 0), [[1, c01], [2, c02]])
    // user 0 rated i0 = 2, i1 = 3; i1 and i2 share no user
    expect(knn.score(0, Int32Array.from([2]))[0]!).toBeCloseTo(2 * c02, 6)
    const bin = new ItemKNN({ shrink: 0, binary: true, threads: 1 })
    await bin.fit(rated)
    expectRow(row(bin, 0), [[1, 1 / Math.sqrt(2)], [2, 1 / Math.sqrt(2)]])
    expect(bin.score(0, Int32Array.from([2]))[0]!).toBeCloseTo(1 / Math.sqrt(2), 6)
  })

  it('adjusted cosine centres each user on their mean and keeps positive similarities', async () => {
    const rated = fromRows(3, [
      [[0, 5], [1, 5], [2, 1]],
      [[0, 4], [1, 4], [2, 1]],
    ])
    // centred: u0 (4/3, 4/3, -8/3), u1 (1, 1, -2); i0 . i1 = 16/9 + 1 = 25/9 = |i0|^2 = |i1|^2
    const knn = new ItemKNN({ similarity: 'adjusted-cosine', shrink: 1, threads: 1 })
    await knn.fit(rated)
    expectRow(row(knn, 0), [[1, 25 / 9 / (25 / 9 + 1)]])
    expectRow(row(knn, 2), [])
    await expect(new ItemKNN({ similarity: 'adjusted-cosine' }).fit(fromRows(2, [[[0, 1], [1, 1]]]))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
  })

  it('predicts ratings as baseline plus the similarity-weighted mean deviation on rated neighbours', async () => {
    const rated = fromRows(3, [
      [[0, 5], [1, 5], [2, 1]],
      [[0, 4], [1, 4], [2, 2]],
      [[0, 5], [2, 3]],
    ])
    const damping = 1
    const knn = new ItemKNN({ task: 'rating', shrink: 0, damping, threads: 1 })
    await knn.fit(rated)
    const mu = (5 + 5 + 1 + 4 + 4 + 2 + 5 + 3) / 8
    const bi = [(5 - mu + (4 - mu) + (5 - mu)) / (3 + damping), (5 - mu + (4 - mu)) / (2 + damping), (1 - mu + (2 - mu) + (3 - mu)) / (3 + damping)]
    const bu2 = (5 - mu - bi[0]! + (3 - mu - bi[2]!)) / (2 + damping)
    // item vectors over users: i0 (5, 4, 5), i1 (5, 4, 0), i2 (1, 2, 3)
    const s10 = (25 + 16) / (Math.sqrt(25 + 16) * Math.sqrt(25 + 16 + 25))
    const s12 = (5 + 8) / (Math.sqrt(25 + 16) * Math.sqrt(1 + 4 + 9))
    const d0 = 5 - mu - bu2 - bi[0]!
    const d2 = 3 - mu - bu2 - bi[2]!
    const want = mu + bu2 + bi[1]! + (s10 * d0 + s12 * d2) / (s10 + s12)
    expect(knn.score(2, Int32Array.from([1]))[0]!).toBeCloseTo(want, 5)
  })

  it('similarItems returns the head of the neighbour row', async () => {
    const knn = new ItemKNN({ shrink: 0, threads: 1 })
    await knn.fit(toy)
    const sim = knn.similarItems(2, 2)
    expect(Array.from(sim.items)).toEqual([1, 3])
    expect(sim.scores[0]!).toBeCloseTo(2 / 3, 6)
    expect(() => knn.similarItems(4)).toThrow(RecForgeError)
  })

  it('gives identical tables with and without worker threads, and on refit', async () => {
    const data = randomImplicit(400, 600, 30, new Random(4))
    const one = new ItemKNN({ neighbors: 30, threads: 1 })
    const two = new ItemKNN({ neighbors: 30, threads: 2 })
    await one.fit(data)
    await two.fit(data)
    expect(two.neighborTable()).toEqual(one.neighborTable())
    const again = new ItemKNN({ neighbors: 30, threads: 1 })
    await again.fit(data)
    expect(again.neighborTable()).toEqual(one.neighborTable())
  }, 60_000)

  it('rejects bad options with INVALID_ARGUMENT', () => {
    const bad: Partial<ItemKNNConfig>[] = [
      { neighbors: 0 },
      { neighbors: 2.5 },
      { shrink: -1 },
      { damping: -1 },
      { similarity: 'pearson' as 'cosine' },
      { task: 'rank' as 'ranking' },
      { binary: true, task: 'rating' },
      { k: 3 } as Partial<ItemKNNConfig>,
    ]
    for (const b of bad) {
      let caught: unknown
      try {
        new ItemKNN(b)
      } catch (e) {
        caught = e
      }
      expect(caught).toBeInstanceOf(RecForgeError)
      expect((caught as RecForgeError).code).toBe('INVALID_ARGUMENT')
    }
  })
})
