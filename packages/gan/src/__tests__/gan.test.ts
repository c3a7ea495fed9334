import { readFile } from 'node:fs/promises'
import { describe, expect, it } from 'vitest'
import { describeModelDefinition, describeReadmeParams, describeRecommender } from '@recforge/core/testing'
import { loadArtifactsFile } from '@recforge/core/node'
import { isRecForgeError, ModelRegistry, plantedFixture, type ProgressEvent } from '@recforge/core'
import { CFGAN, IRGAN, cfganModel, ganModels, irganModel } from '../index'

const cfganSmall = { hidden: 32, discriminatorHidden: 16, epochs: 60, batchSize: 16, learningRate: 0.01 }
const irganSmall = { factors: 16, pretrainEpochs: 40, epochs: 10, batchSize: 16, generatorLearningRate: 0.02, discriminatorLearningRate: 0.02 }

describeRecommender('cfgan', { create: () => new CFGAN(cfganSmall), load: (a) => CFGAN.load(a), withEpochs: (epochs) => new CFGAN({ ...cfganSmall, epochs }) })
describeRecommender('cfgan (user vectors)', { create: () => new CFGAN({ ...cfganSmall, mode: 'user' }), load: (a) => CFGAN.load(a) })
describeRecommender('irgan', { create: () => new IRGAN(irganSmall), load: (a) => IRGAN.load(a) })
describeModelDefinition(cfganModel, { construct: (c) => new CFGAN(c), fast: { epochs: 2, hidden: 8 } })
describeModelDefinition(irganModel, { construct: (c) => new IRGAN(c), fast: { epochs: 1, pretrainEpochs: 1, factors: 4 } })
describeReadmeParams(new URL('../../README.md', import.meta.url), ganModels)

describe('GAN training', () => {
  it('reports generator and discriminator losses per epoch and is reproducible with a seed', async () => {
    const { train } = plantedFixture()
    const events: ProgressEvent[] = []
    const a = new CFGAN({ ...cfganSmall, epochs: 5 })
    await a.fit(train, { seed: 7, onProgress: (e) => events.push(e) })
    expect(events.map((e) => e.current)).toEqual([1, 2, 3, 4, 5])
    for (const e of events) {
      expect(e.stage).toBe('epoch')
      expect(Number.isFinite(e.metrics!.generatorLoss)).toBe(true)
      expect(Number.isFinite(e.metrics!.discriminatorLoss)).toBe(true)
    }
    const b = new CFGAN({ ...cfganSmall, epochs: 5 })
    await b.fit(train, { seed: 7 })
    const all = Int32Array.from({ length: train.items.size }, (_, i) => i)
    expect(Array.from(b.score(3, all))).toEqual(Array.from(a.score(3, all)))
  })

  it('loads a file of format 1 (user vectors, ReLU) and scores as the build that wrote it', async () => {
    const fixtures = new URL('./fixtures/', import.meta.url)
    const artifacts = await loadArtifactsFile(new URL('cfgan-v1.rfm', fixtures).pathname)
    expect(artifacts.formatVersion).toBe(1)
    const model = (await CFGAN.load(artifacts)) as CFGAN
    expect(model.config).toMatchObject({ mode: 'user', activation: 'relu', hidden: 6, discriminatorHidden: 6 })
    const expected = JSON.parse(await readFile(new URL('cfgan-v1-scores.json', fixtures), 'utf8')) as { users: number[]; scores: number[][] }
    const all = Int32Array.from({ length: expected.scores[0]!.length }, (_, i) => i)
    expected.users.forEach((u, q) => expect(Array.from(model.score(u, all))).toEqual(expected.scores[q]))
    // saved again, it is a format-2 file that loads to the same scores
    const again = (await CFGAN.load(await model.save())) as CFGAN
    expect((await again.save()).formatVersion).toBe(2)
    expect(Array.from(again.score(expected.users[1]!, all))).toEqual(expected.scores[1])
  })

  it('rejects a file whose weights do not fit its config with PARSE_ERROR', async () => {
    const artifacts = await loadArtifactsFile(new URL('./fixtures/cfgan-v1.rfm', import.meta.url).pathname)
    const err = await CFGAN.load({ ...artifacts, config: { ...artifacts.config, hidden: 7 } }).catch((e: unknown) => e)
    expect(isRecForgeError(err, 'PARSE_ERROR')).toBe(true)
    expect((err as Error).message).toMatch(/tensor "w1" holds 192 values/)
  })

  it('IRGAN reports pretraining then adversarial losses', async () => {
    const { train } = plantedFixture()
    const events: ProgressEvent[] = []
    await new IRGAN({ ...irganSmall, pretrainEpochs: 2, epochs: 3 }).fit(train, { seed: 1, onProgress: (e) => events.push(e) })
    expect(events.map((e) => e.stage)).toEqual(['pretrain', 'pretrain', 'epoch', 'epoch', 'epoch'])
    expect(events.at(-1)!.current).toBe(5)
    expect(Object.keys(events.at(-1)!.metrics!).sort()).toEqual(['discriminatorLoss', 'generatorLoss'])
  })

  it('rejects bad options and stops on abort', async () => {
    expect(() => new CFGAN({ hidden: 0 })).toThrowError(/hidden/)
    expect(() => new CFGAN({ mode: 'both' as 'item' })).toThrowError(/mode/)
    expect(() => new IRGAN({ temperature: -1 })).toThrowError(/temperature/)
    expect(() => new IRGAN({ epochs: 0, pretrainEpochs: 0 })).toThrowError(/both 0/)
    // a learning rate must be strictly positive, in the constructor and on the command line alike
    expect(() => new CFGAN({ learningRate: 0 })).toThrowError(/learningRate/)
    expect(() => new ModelRegistry().register(...ganModels).create('irgan', { generatorLearningRate: 0 })).toThrowError(/generatorLearningRate/)
    const ac = new AbortController()
    ac.abort()
    const err = await new CFGAN(cfganSmall).fit(plantedFixture().train, { signal: ac.signal }).catch((e: unknown) => e)
    expect(isRecForgeError(err, 'ABORTED')).toBe(true)
  })

  it('registers cfgan and irgan for the command line', () => {
    const reg = new ModelRegistry().register(...ganModels)
    expect(reg.list().map((d) => d.name)).toEqual(['cfgan', 'irgan'])
    const { model, params } = reg.create('cfgan', { epochs: '3' as unknown as number })
    expect(model.name).toBe('cfgan')
    expect(params.epochs).toBe(3)
    expect(reg.get('irgan').task).toBe('ranking')
  })
})
