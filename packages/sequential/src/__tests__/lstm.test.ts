import { describe, expect, it } from 'vitest'
import { Random } from '@recforge/core'
import { initBackend, tf } from '@recforge/tf'
import { GRU4Rec, type BatchContext, type Params } from '../index'

// A tiny LSTM network checked against a float64 reference of the documented equations:
// [i f g o] = x W + h U + b, c' = σ(f + 1) ⊙ c + σ(i) ⊙ tanh(g), h' = σ(o) ⊙ tanh(c'),
// scored h · E[j] + bias[j] under the full softmax (negatives ≥ catalogue, so nothing is sampled).
const d = 3
const nItems = 5
const B = 2
const L = 4
// item index + 1, 0 pads on the left; targets are the next items (0 where padded)
const inputs = Int32Array.from([0, 2, 4, 1, 3, 5, 2, 2])
const targets = Int32Array.from([0, 4, 1, 3, 5, 2, 2, 4])

/** Exposes the protected network functions for the check. */
class Probe extends GRU4Rec {
  lossOf(p: Params, batch: BatchContext): tf.Scalar {
    return this.loss(p, batch)
  }
  statesOf(p: Params, batch: BatchContext): tf.Tensor2D {
    return this.lastStates(p, batch)
  }
}

const shapes: Record<string, number[]> = { itemEmbeddings: [nItems + 1, d], itemBias: [nItems + 1], W: [d, 4 * d], U: [d, 4 * d], b: [4 * d] }

function randomParams(seed: number): Record<string, Float64Array> {
  const rng = new Random(seed)
  const out: Record<string, Float64Array> = {}
  for (const [name, shape] of Object.entries(shapes)) out[name] = Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.6)
  return out
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x))

/** Float64 forward pass: the final hidden state of each sequence and the mean softmax loss. */
function reference(w: Record<string, Float64Array>): { states: Float64Array; loss: number } {
  const E = w.itemEmbeddings!
  const states = new Float64Array(B * d)
  let total = 0
  let count = 0
  for (let s = 0; s < B; s++) {
    let h = new Float64Array(d)
    let c = new Float64Array(d)
    for (let t = 0; t < L; t++) {
      const item = inputs[s * L + t]!
      if (item === 0) continue
      const z = Float64Array.from(w.b!)
      for (let k = 0; k < d; k++) {
        for (let j = 0; j < 4 * d; j++) z[j]! += E[item * d + k]! * w.W![k * 4 * d + j]! + h[k]! * w.U![k * 4 * d + j]!
      }
      const nc = new Float64Array(d)
      const nh = new Float64Array(d)
      for (let j = 0; j < d; j++) {
        nc[j] = sigmoid(z[d + j]! + 1) * c[j]! + sigmoid(z[j]!) * Math.tanh(z[2 * d + j]!)
        nh[j] = sigmoid(z[3 * d + j]!) * Math.tanh(nc[j]!)
      }
      h = nh
      c = nc
      const target = targets[s * L + t]!
      if (target === 0) continue
      const logits = Array.from({ length: nItems }, (_, i) => {
        let v = w.itemBias![i + 1]!
        for (let j = 0; j < d; j++) v += h[j]! * E[(i + 1) * d + j]!
        return v
      })
      const max = Math.max(...logits)
      total += max + Math.log(logits.reduce((a, v) => a + Math.exp(v - max), 0)) - logits[target - 1]!
      count++
    }
    states.set(h, s * d)
  }
  return { states, loss: total / count }
}

function batchContext(): BatchContext {
  const inputTensor = tf.tensor2d(inputs, [B, L], 'int32')
  const targetTensor = tf.tensor2d(targets, [B, L], 'int32')
  return {
    size: B,
    length: L,
    inputs,
    inputTensor,
    inputMask: tf.cast(tf.greater(inputTensor, 0), 'float32') as tf.Tensor2D,
    drop: (x) => x,
    targets,
    users: Int32Array.from([0, 1]),
    count: targets.filter((x) => x > 0).length,
    targetTensor,
    targetMask: tf.cast(tf.greater(targetTensor, 0), 'float32') as tf.Tensor2D,
    numItems: nItems,
    rng: new Random(1),
    seen: { indptr: Int32Array.from([0, 0, 0]), items: new Int32Array(0) },
  }
}

describe('the LSTM cell of gru4rec', () => {
  const probe = new Probe({ cell: 'lstm', factors: d, maxLength: L, loss: 'softmax', negatives: nItems, dropout: 0 })

  it('computes the documented LSTM step and softmax loss (float64 reference)', async () => {
    await initBackend()
    const w = randomParams(7)
    const ref = reference(w)
    tf.tidy(() => {
      const p: Record<string, tf.Tensor> = {}
      for (const [name, shape] of Object.entries(shapes)) p[name] = tf.tensor(Float32Array.from(w[name]!), shape)
      const batch = batchContext()
      const states = probe.statesOf(p, batch).dataSync()
      for (let j = 0; j < B * d; j++) expect(states[j]).toBeCloseTo(ref.states[j]!, 5)
      expect(probe.lossOf(p, batch).dataSync()[0]).toBeCloseTo(ref.loss, 5)
    })
  })

  it("has TensorFlow.js gradients that match central finite differences of the reference loss", async () => {
    await initBackend()
    const w = randomParams(11)
    const h = 1e-5
    const grads = tf.tidy(() => {
      const vars: Record<string, tf.Variable> = {}
      for (const [name, shape] of Object.entries(shapes)) vars[name] = tf.variable(tf.tensor(Float32Array.from(w[name]!), shape), true, `lstm-check-${name}`)
      const batch = batchContext()
      const { grads } = tf.variableGrads(() => probe.lossOf(vars, batch), Object.values(vars))
      const out: Record<string, Float32Array> = {}
      for (const [name, v] of Object.entries(vars)) out[name] = grads[v.name]!.dataSync() as Float32Array
      tf.dispose(Object.values(vars))
      return out
    })
    let checked = 0
    for (const name of Object.keys(shapes)) {
      const x = w[name]!
      for (let j = 0; j < x.length; j++) {
        const keep = x[j]!
        x[j] = keep + h
        const up = reference(w).loss
        x[j] = keep - h
        const down = reference(w).loss
        x[j] = keep
        const fd = (up - down) / (2 * h)
        expect(Math.abs(grads[name]![j]! - fd), `${name}[${j}]: autodiff ${grads[name]![j]} vs finite difference ${fd}`).toBeLessThan(1e-4 + 1e-3 * Math.abs(fd))
        checked++
      }
    }
    // every weight of the tiny network, the padding-row embedding (zero gradient) included
    expect(checked).toBe(6 * 3 + 6 + 3 * 12 * 2 + 12)
  })
})
