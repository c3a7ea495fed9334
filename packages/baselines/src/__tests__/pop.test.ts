import { RecForgeError } from '@recforge/core'
import { describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { Popularity } from '../pop'
import { fromRows } from './helpers'

describeRecommender('pop', {
  create: () => new Popularity(),
  load: (a) => Popularity.load(a),
  skip: { planted: 'popularity gives every user the same ranking, so it cannot personalise' },
})
describeRecommender('pop (weighted, recency-decayed)', {
  create: () => new Popularity({ weighted: true, halfLifeDays: 1 }),
  load: (a) => Popularity.load(a),
  fixture: 'ratings',
  skip: { planted: 'popularity gives every user the same ranking, so it cannot personalise' },
})

describe('popularity', () => {
  const DAY = 86_400
  const t0 = 1_700_000_000
  const data = fromRows(
    3,
    [
      [[0, 5], [1, 2]],
      [[0, 1], [2, 4]],
      [[0, 3]],
    ],
    [[t0, t0 + 10 * DAY], [t0 + 10 * DAY, t0 + 20 * DAY], [t0 + 20 * DAY]],
  )

  it('counts interactions', async () => {
    const pop = new Popularity()
    await pop.fit(data)
    expect(Array.from(pop.itemScores())).toEqual([3, 1, 1])
    expect(Array.from(pop.recommend(2, { k: 3 }).items)).toEqual([1, 2])
  })

  it('weights by value', async () => {
    const pop = new Popularity({ weighted: true })
    await pop.fit(data)
    expect(Array.from(pop.itemScores())).toEqual([9, 2, 4])
  })

  it('halves an interaction per half-life of age before the newest one', async () => {
    const pop = new Popularity({ halfLifeDays: 10 })
    await pop.fit(data)
    const s = pop.itemScores()
    expect(s[0]!).toBeCloseTo(0.25 + 0.5 + 1, 12)
    expect(s[1]!).toBeCloseTo(0.5, 12)
    expect(s[2]!).toBeCloseTo(1, 12)
    const w = new Popularity({ halfLifeDays: 10, weighted: true })
    await w.fit(data)
    expect(w.itemScores()[0]!).toBeCloseTo(5 * 0.25 + 0.5 + 3, 12)
  })

  it('needs timestamps for a half-life and rejects bad options', async () => {
    const noTime = fromRows(2, [[[0, 1], [1, 1]]])
    await expect(new Popularity({ halfLifeDays: 5 }).fit(noTime)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' })
    for (const bad of [{ halfLifeDays: -1 }, { halfLifeDays: Number.POSITIVE_INFINITY }, { weighted: 1 as unknown as boolean }, { halfLife: 3 } as object]) {
      expect(() => new Popularity(bad)).toThrow(RecForgeError)
    }
  })
})
