import { RecForgeError, decodeArtifacts, encodeArtifacts, plantedFixture } from '@recforge/core'
import { describeModelDefinition, describeRecommender } from '@recforge/core/testing'
import { beforeAll, describe, expect, it } from 'vitest'
import { MultDAE, MultVAE, klWeight } from '../mult'
import { multDaeModel, multVaeModel } from '../registry'

// small networks on the planted fixture (48 users × 32 items): every product stays in TypeScript
const fastVae = { layers: [16, 4], epochs: 150, batchSize: 16, learningRate: 0.01, annealSteps: 200, dropout: 0.2 }
const fastDae = { layers: [8], epochs: 150, batchSize: 16, learningRate: 0.01, dropout: 0.2 }

describeRecommender('multvae', { create: () => new MultVAE(fastVae), load: (a) => MultVAE.load(a), withEpochs: (epochs) => new MultVAE({ ...fastVae, epochs }) })
describeRecommender('multdae', { create: () => new MultDAE(fastDae), load: (a) => MultDAE.load(a), withEpochs: (epochs) => new MultDAE({ ...fastDae, epochs }) })

const vary = { layers: [6, 3] }
describeModelDefinition(multVaeModel, { construct: (c) => new MultVAE(c), fast: { epochs: 1, layers: [6, 3] }, vary })
describeModelDefinition(multDaeModel, { construct: (c) => new MultDAE(c), fast: { epochs: 1, layers: [5] }, vary: { layers: [5] } })

describe('klWeight', () => {
  it('grows linearly from 0 by 1/steps per step and stops at the cap (the paper: cap 0.2 over 200,000 steps)', () => {
    expect(klWeight(0, 0.2, 200_000)).toBe(0)
    expect(klWeight(10_000, 0.2, 200_000)).toBeCloseTo(0.05, 12)
    expect(klWeight(39_999, 0.2, 200_000)).toBeCloseTo(0.199995, 12)
    expect(klWeight(40_000, 0.2, 200_000)).toBe(0.2)
    expect(klWeight(1_000_000, 0.2, 200_000)).toBe(0.2)
    expect(klWeight(5, 1, 10)).toBe(0.5)
  })

  it('is the β a fit uses at the end of each epoch: one step per batch, counted from 0', async () => {
    const { train } = plantedFixture()
    // 48 users in batches of 16: 3 steps per epoch; β of the last batch of epoch e is min(0.25, (3e − 1)/30)
    const vae = new MultVAE({ layers: [4, 2], epochs: 4, batchSize: 16, annealSteps: 30, annealCap: 0.25 })
    await vae.fit(train)
    expect(vae.lastFit!.betas).toEqual([2 / 30, 5 / 30, 0.25, 0.25])
    const dae = new MultDAE({ layers: [4], epochs: 2, batchSize: 16 })
    await dae.fit(train)
    expect(dae.lastFit!.betas).toEqual([0, 0])
  })
})

describe('fold-in', () => {
  const { train, heldOut } = plantedFixture()
  let vae: MultVAE
  let dae: MultDAE
  beforeAll(async () => {
    vae = new MultVAE(fastVae)
    await vae.fit(train)
    dae = new MultDAE(fastDae)
    await dae.fit(train)
  })

  it("equals the training-time code for a training user's own history, and gives the same list", () => {
    for (const model of [vae, dae]) {
      for (let u = 0; u < train.users.size; u += 5) {
        const history = model.seenItems(u)
        const code = model.foldIn(history)
        const trained = model.userVector(u)
        expect(code.length).toBe(trained.length)
        for (let j = 0; j < code.length; j++) expect(Math.abs(code[j]! - trained[j]!)).toBeLessThan(1e-5)
        const rec = model.recommend(u, { k: 5 })
        expect(Array.from(model.recommendNewUser(history, undefined, { k: 5 }).items)).toEqual(Array.from(rec.items))
      }
    }
  })

  it('recommends the planted item to an unseen user from their history alone (order and repeats do not matter)', () => {
    // user 0's cluster: items 0..7 without the held-out one, given reversed and with a repeat
    const history = Int32Array.from([...vae.seenItems(0)].reverse())
    const withRepeat = Int32Array.from([...history, history[0]!])
    for (const model of [vae, dae]) {
      expect(model.recommendNewUser(withRepeat, undefined, { k: 1 }).items[0]).toBe(heldOut[0])
      const rec = model.recommendNewUser(history, undefined, { k: 40 })
      for (const i of history) expect(Array.from(rec.items)).not.toContain(i)
    }
  })

  it('rejects items outside the catalogue with UNKNOWN_ID and unfitted models with NOT_FITTED', () => {
    expect(() => vae.recommendNewUser(Int32Array.of(train.items.size), undefined)).toThrow(RecForgeError)
    expect(() => vae.foldIn(Int32Array.of(-1))).toThrow(/item index -1/)
    expect(() => new MultVAE().foldIn(Int32Array.of(0))).toThrow(/fit\(\) or load\(\)/)
  })

  it('folds in the same after save and load', async () => {
    const again = (await MultVAE.load(decodeArtifacts(encodeArtifacts(await vae.save())))) as MultVAE
    const history = Int32Array.of(8, 9, 10)
    expect(Array.from(again.foldIn(history))).toEqual(Array.from(vae.foldIn(history)))
  })
})

describe('MultVAE options', () => {
  it('is seeded: the same seed gives the same scores, another seed others', async () => {
    const { train } = plantedFixture()
    const all = Int32Array.from({ length: train.items.size }, (_, i) => i)
    const fit = async (seed: number) => {
      const m = new MultVAE({ ...fastVae, epochs: 5 })
      await m.fit(train, { seed })
      return Array.from(m.score(3, all))
    }
    expect(await fit(7)).toEqual(await fit(7))
    expect(await fit(7)).not.toEqual(await fit(8))
  })

  it('names the parameter of a bad option', () => {
    expect(() => new MultVAE({ dropout: 1 })).toThrow(/"dropout"/)
    expect(() => new MultVAE({ layers: [] })).toThrow(/"layers"/)
    expect(() => new MultDAE({ annealCap: 0.2 } as never)).toThrow(/unknown parameter "annealCap"/)
  })

  it('rejects saved parameters of the wrong size with PARSE_ERROR naming the tensor', async () => {
    const { train } = plantedFixture()
    const m = new MultDAE({ layers: [4], epochs: 1 })
    await m.fit(train)
    const a = await m.save()
    await expect(MultDAE.load({ ...a, tensors: { ...a.tensors, params: new Float32Array(3) } })).rejects.toThrow(/params has 3 values/)
    await expect(MultDAE.load({ ...a, tensors: { ...a.tensors, codes: new Float32Array(3) } })).rejects.toThrow(/codes has 3 values/)
  })
})
