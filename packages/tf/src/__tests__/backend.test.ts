import { describe, expect, it } from 'vitest'
import { RecForgeError } from '@recforge/core'
import { initBackend, registerGatherGradient, tf } from '../index'

describe('initBackend', () => {
  it('falls through to wasm here (no tfjs-node installed) and reports what it passed over', async () => {
    const info = await initBackend()
    expect(['tensorflow-gpu', 'tensorflow-node', 'tensorflow-wasm']).toContain(info.name)
    expect(tf.getBackend()).toBe(info.tfBackend)
    if (info.name === 'tensorflow-wasm') expect(info.tried.map((t) => t.name)).toEqual(['tensorflow-gpu', 'tensorflow-node'])
  })
  it('honours a forced backend and names the package to install when it is missing', async () => {
    expect((await initBackend({ backend: 'cpu' })).name).toBe('tensorflow-cpu')
    expect(tf.getBackend()).toBe('cpu')
    await expect(initBackend({ backend: 'tensorflow-gpu' })).rejects.toThrow(/@tensorflow\/tfjs-node-gpu/)
    await expect(initBackend({ backend: 'tpu' as never })).rejects.toBeInstanceOf(RecForgeError)
    expect((await initBackend({ backend: 'wasm' })).name).toBe('tensorflow-wasm')
  })
})

describe.each(['wasm', 'cpu'] as const)('GatherV2 gradient on %s', (backend) => {
  it('matches the numeric gradient, summing repeated indices', async () => {
    await initBackend({ backend })
    registerGatherGradient()
    const tableVals = [0.3, -1.2, 0.7, 2.0, -0.4, 0.9, 1.1, -0.6]
    const table = tf.tensor2d(tableVals, [4, 2])
    const idx = tf.tensor1d([2, 0, 2, 3], 'int32')
    const w = tf.tensor2d([1, 2, 3, 4, 5, 6, 7, 8], [4, 2])
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.square(tf.gather(t, idx)), w))
    const g = await tf.grad(f)(table).data()
    // numeric central differences
    const eps = 1e-2
    for (let j = 0; j < tableVals.length; j++) {
      const plus = tableVals.slice()
      const minus = tableVals.slice()
      plus[j]! += eps
      minus[j]! -= eps
      const fp = (await f(tf.tensor2d(plus, [4, 2])).data())[0]!
      const fm = (await f(tf.tensor2d(minus, [4, 2])).data())[0]!
      expect(g[j]).toBeCloseTo((fp - fm) / (2 * eps), 2)
    }
    // row 1 is never gathered
    expect(g[2]).toBe(0)
    expect(g[3]).toBe(0)
  })
  it('keeps the stock gradient for gathers along other axes', async () => {
    await initBackend({ backend: 'cpu' })
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3])
    const g = await tf.grad((t: tf.Tensor) => tf.sum(tf.gather(t, tf.tensor1d([2, 2], 'int32'), 1)))(x).data()
    expect(Array.from(g)).toEqual([0, 0, 2, 0, 0, 2])
  })
})
