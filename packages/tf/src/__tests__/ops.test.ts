import { describe, expect, it } from 'vitest'
import { RecForgeError } from '@recforge/core'
import { gatherRows, initBackend, matMul, sigmoidCrossEntropy, tf } from '../index'

async function numericGrad(f: (x: tf.Tensor) => tf.Scalar, vals: number[], shape: number[], eps = 1e-2): Promise<number[]> {
  const out: number[] = []
  for (let j = 0; j < vals.length; j++) {
    const p = vals.slice()
    const m = vals.slice()
    p[j]! += eps
    m[j]! -= eps
    const fp = (await f(tf.tensor(p, shape)).data())[0]!
    const fm = (await f(tf.tensor(m, shape)).data())[0]!
    out.push((fp - fm) / (2 * eps))
  }
  return out
}

describe.each(['wasm', 'cpu'] as const)('ops on %s', (backend) => {
  it('gatherRows looks up rows and its gradient matches the numeric one (repeated rows sum)', async () => {
    await initBackend({ backend })
    const vals = [0.5, -1, 2, 0.25, -0.75, 1.5, 0.1, 0.2, -0.3]
    const idx = tf.tensor3d([2, 0, 2, 1], [2, 2, 1], 'int32')
    const rows = gatherRows(tf.tensor2d(vals, [3, 3]), idx)
    expect(rows.shape).toEqual([2, 2, 3])
    expect(Array.from(await rows.data()).slice(0, 6)).toEqual([0.1, 0.2, -0.3, 0.5, -1, 2].map((x) => Math.fround(x)))
    const w = tf.tensor3d(Array.from({ length: 12 }, (_, i) => i - 5), [2, 2, 3])
    const f = (t: tf.Tensor) => tf.sum(tf.mul(tf.square(gatherRows(t, idx)), w)) as tf.Scalar
    const g = Array.from(await tf.grad(f)(tf.tensor2d(vals, [3, 3])).data())
    const n = await numericGrad(f, vals, [3, 3])
    for (let j = 0; j < vals.length; j++) expect(g[j]).toBeCloseTo(n[j]!, 1)
    expect(() => gatherRows(tf.tensor2d(vals, [3, 3]), tf.tensor1d([0, 1], 'int32'))).toThrow(RecForgeError)
  })

  it('sigmoidCrossEntropy equals the textbook loss and its gradient (sigmoid(z) - y) / n', async () => {
    await initBackend({ backend })
    const z = [2, -1, 0.5, -3]
    const y = tf.tensor1d([1, 0, 0, 1])
    const loss = (await sigmoidCrossEntropy(tf.tensor1d(z), y).data())[0]!
    const sig = (x: number) => 1 / (1 + Math.exp(-x))
    const yv = [1, 0, 0, 1]
    const want = z.reduce((s, zi, i) => s - (yv[i]! * Math.log(sig(zi)) + (1 - yv[i]!) * Math.log(1 - sig(zi))), 0) / 4
    expect(loss).toBeCloseTo(want, 5)
    const g = Array.from(await tf.grad((t: tf.Tensor) => sigmoidCrossEntropy(t, y))(tf.tensor1d(z)).data())
    for (let j = 0; j < 4; j++) expect(g[j]).toBeCloseTo((sig(z[j]!) - yv[j]!) / 4, 5)
    // weighted: only weighted entries count
    const wl = (await sigmoidCrossEntropy(tf.tensor1d(z), y, tf.tensor1d([1, 0, 0, 1])).data())[0]!
    expect(wl).toBeCloseTo((-Math.log(sig(2)) - Math.log(sig(-3))) / 2, 5)
    expect(() => sigmoidCrossEntropy(tf.tensor1d(z), tf.tensor1d([1, 0]))).toThrow(RecForgeError)
    // labels and weights made inside the differentiated function (as in optimizer.minimize) survive until backprop
    const zv = tf.variable(tf.tensor1d(z))
    const inside = tf.variableGrads(() => sigmoidCrossEntropy(zv, tf.tensor1d(yv), tf.tensor1d([1, 1, 0, 1])), [zv])
    const gi = Array.from(await inside.grads[zv.name]!.data())
    for (let j = 0; j < 4; j++) expect(gi[j]).toBeCloseTo(j === 2 ? 0 : (sig(z[j]!) - yv[j]!) / 3, 5)
    tf.dispose([inside.value, ...Object.values(inside.grads), zv])
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
    const constA = tf.variableGrads(() => tf.sum(tf.mul(matMul(a, b, { constA: true }), w)) as tf.Scalar, [a, b]).grads
    expect(tf.max(tf.abs(constA[a.name]!)).dataSync()[0]).toBe(0)
    near(constA[b.name]!, want[b.name]!)
    for (const t of [a, b, w]) t.dispose()
  })

  it('multiplies batched rank-3 tensors with the same gradients as tf.matMul', async () => {
    await initBackend()
    const a = tf.variable(tf.randomNormal([2, 4, 3], 0, 1, 'float32', 4))
    const b = tf.variable(tf.randomNormal([2, 3, 5], 0, 1, 'float32', 5))
    const w = tf.randomNormal([2, 4, 5], 0, 1, 'float32', 6)
    const want = tf.variableGrads(() => tf.sum(tf.mul(tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D), w)) as tf.Scalar, [a, b]).grads
    const got = tf.variableGrads(() => tf.sum(tf.mul(matMul(a, b), w)) as tf.Scalar, [a, b]).grads
    const near = (x: tf.Tensor, y: tf.Tensor) => expect(tf.max(tf.abs(tf.sub(x, y))).dataSync()[0]).toBeLessThan(1e-5)
    expect(matMul(a, b).shape).toEqual([2, 4, 5])
    near(got[a.name]!, want[a.name]!)
    near(got[b.name]!, want[b.name]!)
    for (const t of [a, b, w]) t.dispose()
  })
})
