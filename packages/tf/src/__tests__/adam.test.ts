import { describe, expect, it } from 'vitest'
import { RecForgeError } from '@recforge/core'
import { AdamOptimizer, initBackend, tf } from '../index'

/** Textbook Adam (Kingma & Ba 2015, Algorithm 1) in float64, as the reference. */
function referenceAdam(lr: number, b1: number, b2: number, eps: number) {
  return (theta: number[], m: number[], v: number[], g: number[], t: number): void => {
    for (let i = 0; i < theta.length; i++) {
      m[i] = b1 * m[i]! + (1 - b1) * g[i]!
      v[i] = b2 * v[i]! + (1 - b2) * g[i]! ** 2
      // tfjs's form: epsilon is added to sqrt(v) before the bias correction of the step size
      const step = (lr * Math.sqrt(1 - b2 ** t)) / (1 - b1 ** t)
      theta[i] = theta[i]! - (step * m[i]!) / (Math.sqrt(v[i]!) + eps)
    }
  }
}

const closeAll = (got: ArrayLike<number>, want: ArrayLike<number>, digits = 5) => {
  expect(got.length).toBe(want.length)
  for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, digits)
}

describe.each(['wasm', 'cpu'] as const)('AdamOptimizer on %s', (backend) => {
  it('updates a dense parameter exactly as textbook Adam over several steps', async () => {
    await initBackend({ backend })
    const before = tf.memory().numTensors
    const adam = new AdamOptimizer({ learningRate: 0.1, beta1: 0.8, beta2: 0.99, epsilon: 1e-3 })
    const p = tf.tidy(() => tf.variable(tf.tensor1d([1, -2, 0.5])))
    const s = adam.slot(p)
    const ref = referenceAdam(0.1, 0.8, 0.99, 1e-3)
    const theta = [1, -2, 0.5]
    const m = [0, 0, 0]
    const v = [0, 0, 0]
    const grads = [
      [0.5, -1, 2],
      [0.1, 0.3, -4],
      [-2, 0, 0.25],
      [1, 1, 1],
    ]
    for (const [t, g] of grads.entries()) {
      tf.tidy(() => {
        adam.nextStep()
        adam.update(s, tf.tensor1d(g))
      })
      ref(theta, m, v, g, t + 1)
    }
    expect(adam.iterations).toBe(4)
    closeAll(p.dataSync(), theta)
    closeAll(s.m.dataSync(), m)
    closeAll(s.v.dataSync(), v)
    adam.dispose()
    p.dispose()
    // the moments, constants and step size are all freed: nothing from the optimizer stays alive
    expect(tf.memory().numTensors).toBe(before)
  })

  it('matches tf.train.adam on the same gradients', async () => {
    await initBackend({ backend })
    const a = tf.variable(tf.tensor2d([0.3, -0.7, 1.2, 0.1], [2, 2]))
    const b = tf.variable(tf.tensor2d([0.3, -0.7, 1.2, 0.1], [2, 2]))
    const ours = new AdamOptimizer({ learningRate: 0.05 })
    const slot = ours.slot(a)
    const theirs = tf.train.adam(0.05)
    for (let t = 0; t < 5; t++) {
      const g = tf.tensor2d([Math.sin(t), Math.cos(t), t / 5, -1], [2, 2])
      tf.tidy(() => {
        ours.nextStep()
        ours.update(slot, g)
      })
      theirs.applyGradients([{ name: b.name, tensor: g }])
      g.dispose()
    }
    closeAll(a.dataSync(), b.dataSync(), 5)
    ours.dispose()
    theirs.dispose()
    tf.dispose([a, b])
  })

  it('updateRows changes only the given rows, as dense Adam would on those rows', async () => {
    await initBackend({ backend })
    const init = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10] // 5 rows × 2; row 4 is never in a batch
    const lazy = tf.variable(tf.tensor2d(init, [5, 2]))
    const adam = new AdamOptimizer({ learningRate: 0.1 })
    const s = adam.slot(lazy)
    const ref = referenceAdam(0.1, 0.9, 0.999, 1e-7)
    // moments are per row; the bias correction uses the optimizer's shared step count
    const theta = [...init]
    const m = new Array<number>(10).fill(0)
    const v = new Array<number>(10).fill(0)
    const steps: [number[], number[]][] = [
      [[2, 0], [1, -1, 0.5, 0.5]], // rows 2 and 0
      [[1], [3, -3]], // row 1 only
      [[0, 3], [-1, 2, 0.25, 0.25]],
    ]
    for (const [t, [rows, g]] of steps.entries()) {
      tf.tidy(() => {
        adam.nextStep()
        adam.updateRows(s, tf.tensor2d(rows, [rows.length, 1], 'int32'), tf.tensor2d(g, [rows.length, 2]))
      })
      rows.forEach((r, j) => {
        const th = theta.slice(2 * r, 2 * r + 2)
        const mm = m.slice(2 * r, 2 * r + 2)
        const vv = v.slice(2 * r, 2 * r + 2)
        ref(th, mm, vv, g.slice(2 * j, 2 * j + 2), t + 1)
        theta.splice(2 * r, 2, ...th)
        m.splice(2 * r, 2, ...mm)
        v.splice(2 * r, 2, ...vv)
      })
    }
    closeAll(lazy.dataSync(), theta)
    closeAll(s.m.dataSync(), m)
    closeAll(s.v.dataSync(), v)
    expect(Array.from(lazy.dataSync()).slice(8)).toEqual([9, 10])
    expect(Array.from(s.v.dataSync()).slice(8)).toEqual([0, 0])
    adam.dispose()
    lazy.dispose()
  })

  it('frees what slot() creates (no tensor per slot stays behind)', async () => {
    await initBackend({ backend })
    const p = tf.tidy(() => tf.variable(tf.zeros([5, 3])))
    const before = tf.memory().numTensors
    const adam = new AdamOptimizer()
    adam.slot(p)
    expect(tf.memory().numTensors).toBe(before + 2 + 5) // m, v and five constants
    tf.tidy(() => adam.nextStep())
    adam.dispose()
    expect(tf.memory().numTensors).toBe(before)
    p.dispose()
  })
})

describe('AdamOptimizer options', () => {
  it('has tfjs defaults and rejects out-of-range options', () => {
    const a = new AdamOptimizer()
    expect([a.learningRate, a.beta1, a.beta2, a.epsilon]).toEqual([0.001, 0.9, 0.999, 1e-7])
    expect(a.iterations).toBe(0)
    a.dispose()
    expect(() => new AdamOptimizer({ learningRate: 0 })).toThrow(RecForgeError)
    expect(() => new AdamOptimizer({ learningRate: -1 })).toThrow(RecForgeError)
    expect(() => new AdamOptimizer({ beta1: 1 })).toThrow(RecForgeError)
    expect(() => new AdamOptimizer({ beta2: -0.1 })).toThrow(RecForgeError)
    expect(() => new AdamOptimizer({ epsilon: -1 })).toThrow(RecForgeError)
  })
})
