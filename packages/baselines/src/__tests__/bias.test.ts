import { RecForgeError } from '@recforge/core'
import { describeModelDefinition, describeRecommender } from '@recforge/core/testing'
import { describe, expect, it } from 'vitest'
import { Bias } from '../bias'
import { biasModel } from '../registry'
import { fromRows } from './helpers'

describeModelDefinition(biasModel, { construct: (c) => new Bias(c), fixture: 'ratings', vary: { l2User: 3 } })
describeRecommender('bias', {
  create: () => new Bias(),
  load: (a) => Bias.load(a),
  fixture: 'ratings',
  skip: { planted: 'user and item biases give every user the same ranking, so they cannot personalise' },
})

describe('bias', () => {
  // u0 rates i0 4 and i1 2; u1 rates i0 5. The mean is 11/3.
  const data = fromRows(2, [[[0, 4], [1, 2]], [[0, 5]]])

  it('fits item biases, then user biases, as worked out by hand (one epoch, shrinkage 1)', async () => {
    const bias = new Bias({ epochs: 1, l2User: 1, l2Item: 1 })
    await bias.fit(data)
    const { mean, users, items } = bias.biases()
    expect(mean).toBeCloseTo(11 / 3, 12)
    // b_i0 = ((4 - μ) + (5 - μ)) / (1 + 2), b_i1 = (2 - μ) / (1 + 1)
    expect(Array.from(items)).toEqual([expect.closeTo(5 / 9, 12), expect.closeTo(-5 / 6, 12)])
    // b_u0 = ((4 - μ - b_i0) + (2 - μ - b_i1)) / (1 + 2), b_u1 = (5 - μ - b_i0) / (1 + 1)
    expect(Array.from(users)).toEqual([expect.closeTo(-19 / 54, 12), expect.closeTo(7 / 18, 12)])
    // u1 has not rated i1: μ + b_u1 + b_i1 = 29/9
    expect(bias.score(1, Int32Array.of(1))[0]).toBeCloseTo(29 / 9, 5)
  })

  it('converges to the regularised least-squares biases, and scores the same after save and load', async () => {
    const bias = new Bias({ epochs: 200, l2User: 0.5, l2Item: 0.5 })
    await bias.fit(data)
    const { mean, users, items } = bias.biases()
    // at the fixed point each bias is its shrunk mean residual
    expect(items[0]).toBeCloseTo((4 - mean - users[0]! + (5 - mean - users[1]!)) / 2.5, 10)
    expect(items[1]).toBeCloseTo((2 - mean - users[0]!) / 1.5, 10)
    expect(users[0]).toBeCloseTo((4 - mean - items[0]! + (2 - mean - items[1]!)) / 2.5, 10)
    expect(users[1]).toBeCloseTo((5 - mean - items[0]!) / 1.5, 10)
    const again = await Bias.load(await bias.save())
    expect(Array.from(again.score(0, Int32Array.of(0, 1)))).toEqual(Array.from(bias.score(0, Int32Array.of(0, 1))))
  })

  it('refuses negative shrinkage, zero epochs and unknown options, naming the parameter', () => {
    expect(() => new Bias({ l2User: -1 })).toThrow(/l2User/)
    expect(() => new Bias({ epochs: 0 })).toThrow(/epochs/)
    expect(() => new Bias({ reg: 1 } as object)).toThrow(RecForgeError)
  })

  it('refuses artifacts whose bias vectors do not match the vocabularies', async () => {
    const bias = new Bias()
    await bias.fit(data)
    const saved = await bias.save()
    await expect(Bias.load({ ...saved, tensors: { ...saved.tensors, itemBias: new Float64Array(5) } })).rejects.toMatchObject({ code: 'PARSE_ERROR', message: /item biases/ })
  })
})
