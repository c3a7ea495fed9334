import { describe, expect, it } from 'vitest'
import { describeRecommender } from '@recforge/core/testing'
import { isRecForgeError, ModelRegistry, plantedFixture, type ProgressEvent } from '@recforge/core'
import { initBackend, tf } from '@recforge/tf'
import { CFGAN, IRGAN, ganModels } from '../index'
import { matMul } from '../internal/common'

const cfganSmall = { hidden: 32, epochs: 60, batchSize: 16, learningRate: 0.005 }
const irganSmall = { factors: 16, pretrainEpochs: 40, epochs: 10, batchSize: 16, generatorLearningRate: 0.02, discriminatorLearningRate: 0.02 }

describeRecommender('cfgan', { create: () => new CFGAN(cfganSmall), load: CFGAN.load })
describeRecommender('irgan', { create: () => new IRGAN(irganSmall), load: IRGAN.load })

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

  it('IRGAN reports pretraining then adversarial losses', async () => {
    const { train } = plantedFixture()
    const events: ProgressEvent[] = []
    await new IRGAN({ ...irganSmall, pretrainEpochs: 2, epochs: 3 }).fit(train, { seed: 1, onProgress: (e) => events.push(e) })
    expect(events.map((e) => e.stage)).toEqual(['pretrain', 'pretrain', 'epoch', 'epoch', 'epoch'])
    expect(events.at(-1)!.current).toBe(5)
    expect(Object.keys(events.at(-1)!.metrics!).sort()).toEqual(['discriminatorLoss', 'generatorLoss'])
  })

  it('the discriminator learns to separate observed items from generated ones', async () => {
    const { train } = plantedFixture()
    const losses: number[] = []
    await new CFGAN({ ...cfganSmall, epochs: 30 }).fit(train, { seed: 3, onProgress: (e) => losses.push(e.metrics!.discriminatorLoss!) })
    // 2·ln 2 ≈ 1.386 is the loss of a discriminator that cannot tell real from fake
    expect(losses[0]!).toBeGreaterThan(1.2)
    expect(Math.min(...losses)).toBeLessThan(1.35)
  })

  it('rejects bad options and stops on abort', async () => {
    expect(() => new CFGAN({ hidden: 0 })).toThrowError(/hidden/)
    expect(() => new IRGAN({ temperature: -1 })).toThrowError(/temperature/)
    expect(() => new IRGAN({ epochs: 0, pretrainEpochs: 0 })).toThrowError(/both 0/)
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

describe('matMul with explicit-transpose gradients', () => {
  it('matches tf.matMul in value and in both gradients; constA gives a zero gradient to a', async () => {
    await initBackend()
    const a = tf.variable(tf.randomNormal([5, 7], 0, 1, 'float32', 1)) as tf.Variable<tf.Rank.R2>
    const b = tf.variable(tf.randomNormal([7, 3], 0, 1, 'float32', 2)) as tf.Variable<tf.Rank.R2>
    const w = tf.randomNormal([5, 3], 0, 1, 'float32', 3)
    const want = tf.variableGrads(() => tf.sum(tf.mul(tf.matMul(a, b), w)) as tf.Scalar, [a, b]).grads
    const got = tf.variableGrads(() => tf.sum(tf.mul(matMul(a, b), w)) as tf.Scalar, [a, b]).grads
    const near = (x: tf.Tensor, y: tf.Tensor) => expect(tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]).toBeLessThan(1e-5)
    near(matMul(a, b), tf.matMul(a, b))
    near(got[a.name]!, want[a.name]!)
    near(got[b.name]!, want[b.name]!)
    // b's gradient by hand: aᵀ·w
    near(got[b.name]!, tf.matMul(tf.transpose(a), w))
    const constA = tf.variableGrads(() => tf.sum(tf.mul(matMul(a, b, true), w)) as tf.Scalar, [a, b]).grads
    expect(tf.max(tf.abs(constA[a.name]!)).dataSync()[0]).toBe(0)
    near(constA[b.name]!, want[b.name]!)
    for (const t of [a, b, w]) t.dispose()
  })
})
