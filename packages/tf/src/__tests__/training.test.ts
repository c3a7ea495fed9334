import { describe, expect, it } from 'vitest'
import { Random, RecForgeError } from '@recforge/core'
import { Batcher, EarlyStopping, ScalarMean, initBackend, takeRows, tf, trainEpochs } from '../index'

describe('Batcher and takeRows', () => {
  it('covers every row once per epoch, in a seeded order, without allocating per batch', () => {
    const b = new Batcher({ size: 10, batchSize: 4, seed: 7 })
    expect(b.batches).toBe(3)
    const e1 = [...b.epoch()].map((x) => Array.from(x))
    expect(e1.map((x) => x.length)).toEqual([4, 4, 2])
    expect(e1.flat().sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    const e2 = [...b.epoch()].map((x) => Array.from(x)).flat()
    expect(e2).not.toEqual(e1.flat())
    const again = new Batcher({ size: 10, batchSize: 4, seed: 7 })
    expect([...again.epoch()].map((x) => Array.from(x)).flat()).toEqual(e1.flat())
    expect([...new Batcher({ size: 5, batchSize: 2, shuffle: false }).epoch()].map((x) => Array.from(x))).toEqual([[0, 1], [2, 3], [4]])
    expect(() => new Batcher({ size: 5, batchSize: 0 })).toThrow(RecForgeError)
  })
  it('shuffles with a shared generator as that generator would shuffle the rows themselves', () => {
    const rows = Int32Array.from([5, 8, 13, 21, 34, 55, 89])
    const own = new Random(3)
    const shared = new Random(3)
    const b = new Batcher({ size: rows.length, batchSize: 3, rng: shared })
    for (let e = 0; e < 3; e++) {
      own.shuffle(rows)
      const got = [...b.epoch()].flatMap((x) => Array.from(x, (r) => [5, 8, 13, 21, 34, 55, 89][r]!))
      // the Fisher-Yates swaps act on positions, so shuffling indices and mapping them agrees
      expect(got).toEqual(Array.from(rows))
      expect(shared.float()).toBe(own.float())
    }
  })
  it('copies rows of width 1 and 2 into a reused buffer', () => {
    const pairs = new Int32Array([10, 11, 20, 21, 30, 31])
    const out = new Int32Array(4)
    expect(Array.from(takeRows(pairs, new Int32Array([2, 0]), out, 2))).toEqual([30, 31, 10, 11])
    expect(Array.from(takeRows(new Float32Array([1, 2, 3]), new Int32Array([1]), new Float32Array(2)))).toEqual([2])
    expect(() => takeRows(pairs, new Int32Array([0, 1, 2]), out, 2)).toThrow(RecForgeError)
  })
})

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement', () => {
    const s = new EarlyStopping({ patience: 1, minDelta: 0.01 })
    expect(s.update(0, 1.0)).toBe(false)
    expect(s.update(1, 0.8)).toBe(false)
    expect(s.update(2, 0.795)).toBe(false) // not better by minDelta: waits 1
    expect(s.update(3, 0.9)).toBe(true)
    expect(s.best).toBe(0.8)
    expect(s.bestEpoch).toBe(1)
    const up = new EarlyStopping({ patience: 0, mode: 'max' })
    expect(up.update(0, 0.5)).toBe(false)
    expect(up.update(1, 0.4)).toBe(true)
  })
})

describe.each(['wasm', 'cpu'] as const)('training loop on %s', (backend) => {
  it('averages batch losses on the device, reports progress, and keeps tf.memory() flat', async () => {
    await initBackend({ backend })
    const w = tf.variable(tf.tensor1d([3, -2]))
    const opt = tf.train.adam(0.1)
    const events: number[] = []
    const res = await trainEpochs({
      epochs: 3,
      onProgress: (e) => events.push(e.current),
      runEpoch: async () => {
        const acc = new ScalarMean()
        for (let b = 0; b < 4; b++) acc.add(tf.tidy(() => opt.minimize(() => tf.sum(tf.square(w)) as tf.Scalar, true)!))
        return { loss: await acc.read() }
      },
    })
    expect(events).toEqual([1, 2, 3])
    expect(res.epochs).toBe(3)
    expect(res.history[2]!.loss).toBeLessThan(res.history[0]!.loss!)
    expect(res.tensorCounts[2]).toBe(res.tensorCounts[0])
    opt.dispose()
    w.dispose()
  })
  it('catches a leaking epoch, honours abort and early stopping', async () => {
    await initBackend({ backend })
    const kept: tf.Tensor[] = []
    await expect(trainEpochs({ epochs: 3, runEpoch: async () => (kept.push(tf.scalar(1)), { loss: 1 }) })).rejects.toThrow(/leaks tensors/)
    tf.dispose(kept)
    const ac = new AbortController()
    ac.abort()
    await expect(trainEpochs({ epochs: 3, signal: ac.signal, runEpoch: async () => ({ loss: 1 }) })).rejects.toMatchObject({ code: 'ABORTED' })
    const losses = [1, 0.5, 0.6, 0.7, 0.1]
    const res = await trainEpochs({ epochs: 5, earlyStopping: { monitor: 'loss', rule: new EarlyStopping({ patience: 1 }) }, runEpoch: async (e) => ({ loss: losses[e]! }) })
    expect(res.stoppedEarly).toBe(true)
    expect(res.epochs).toBe(4)
  })
  it('runs afterEpoch after each epoch and its progress event; tensors it keeps are not a leak', async () => {
    await initBackend({ backend })
    const order: string[] = []
    const kept: tf.Tensor[] = []
    const res = await trainEpochs({
      epochs: 3,
      onProgress: (e) => order.push(`progress ${e.current}`),
      afterEpoch: async (e, figures) => {
        order.push(`after ${e} loss ${figures['loss']}`)
        kept.push(tf.scalar(e))
      },
      runEpoch: async (e) => ({ loss: e / 2 }),
    })
    expect(order).toEqual(['progress 1', 'after 0 loss 0', 'progress 2', 'after 1 loss 0.5', 'progress 3', 'after 2 loss 1'])
    expect(res.tensorCounts[2]! - res.tensorCounts[0]!).toBe(2)
    tf.dispose(kept)
  })
  it('numbers the progress of a later phase after an earlier one', async () => {
    await initBackend({ backend })
    const events: [string, number, number][] = []
    const onProgress = (e: { stage: string; current: number; total?: number }): void => {
      events.push([e.stage, e.current, e.total ?? -1])
    }
    await trainEpochs({ epochs: 2, stage: 'pretrain', progressTotal: 5, onProgress, runEpoch: async () => ({ loss: 1 }) })
    await trainEpochs({ epochs: 3, progressOffset: 2, onProgress, runEpoch: async () => ({ loss: 1 }) })
    expect(events).toEqual([['pretrain', 1, 5], ['pretrain', 2, 5], ['epoch', 3, 5], ['epoch', 4, 5], ['epoch', 5, 5]])
  })
})
