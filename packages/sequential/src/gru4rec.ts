import { RecForgeError, defineParams, param, resolveConfig, type ConfigOf, type Random } from '@recforge/core'
import { gatherRows, matMul as mm, tf } from '@recforge/tf'
import type { WeightSpec } from './internal/nn'
import { SequentialRecommender, sampleNegatives, sequentialParams, type BatchContext, type Params, type SequenceBatch } from './sequential'

/** The parameters of {@link GRU4Rec} (the `gru4rec` model). */
export const GRU4REC_PARAMS = defineParams({
  ...sequentialParams({ factors: 64, epochs: 20, learningRate: 0.0014, dropout: 0.1 }),
  loss: param.enumOf({
    values: ['bce', 'softmax'],
    default: 'bce',
    description: 'bce: binary cross-entropy against one negative per position the user never interacted with; softmax: sampled softmax against negatives shared by a mini-batch',
  }),
  negatives: param.int({ default: 256, min: 1, description: 'shared negatives per mini-batch of the softmax objective' }),
  cell: param.enumOf({
    values: ['gru', 'lstm'],
    default: 'gru',
    description: 'recurrent cell: gru (gated recurrent unit) or lstm (long short-term memory, forget-gate bias +1)',
  }),
})

/** The configuration of {@link GRU4Rec}: see {@link GRU4REC_PARAMS}. */
export type GRU4RecConfig = ConfigOf<typeof GRU4REC_PARAMS>

/** The training objectives of {@link GRU4Rec}. */
export type GRU4RecLoss = GRU4RecConfig['loss']

/** The recurrent cells of {@link GRU4Rec}. */
export type GRU4RecCell = GRU4RecConfig['cell']

/**
 * One step of a recurrent cell over a batch: the input `x` `[B, d]` and the state before the step
 * (one tensor for the GRU, `[h, c]` for the LSTM) give the state after it. The first state tensor
 * is the hidden state the model scores with.
 */
type CellStep = (x: tf.Tensor2D, state: readonly tf.Tensor2D[]) => tf.Tensor2D[]

/** The GRU step (weights Wz, Wr, Wn, Uz, Ur, Un, bz, br, bn, bhn; see {@link GRU4Rec}). */
function gruStep(p: Params): CellStep {
  const [Wz, Wr, Wn, Uz, Ur, Un] = (['Wz', 'Wr', 'Wn', 'Uz', 'Ur', 'Un'] as const).map((k) => p[k] as tf.Tensor2D) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
  return (x, [h]) => {
    const z = tf.sigmoid(tf.add(tf.add(mm(x, Wz), p.bz!), mm(h!, Uz)))
    const r = tf.sigmoid(tf.add(tf.add(mm(x, Wr), p.br!), mm(h!, Ur)))
    const n = tf.tanh(tf.add(tf.add(mm(x, Wn), p.bn!), tf.mul(r, tf.add(mm(h!, Un), p.bhn!))))
    return [tf.add(n, tf.mul(z, tf.sub(h!, n))) as tf.Tensor2D]
  }
}

/**
 * The LSTM step (Hochreiter & Schmidhuber 1997, with a forget gate, Gers et al. 2000): the four
 * gates come from one product each with the input and the hidden state, `[i f g o] = x W + h U + b`
 * (`W`, `U` of shape `[d, 4d]`), then `c' = σ(f + 1) ⊙ c + σ(i) ⊙ tanh(g)` and
 * `h' = σ(o) ⊙ tanh(c')`. The constant +1 on the forget gate (as TensorFlow's `forget_bias`) keeps
 * the memory open at the start of training.
 */
function lstmStep(p: Params): CellStep {
  const W = p.W as tf.Tensor2D
  const U = p.U as tf.Tensor2D
  return (x, [h, c]) => {
    const gates = tf.add(tf.add(mm(x, W), p.b!), mm(h!, U))
    const [i, f, g, o] = tf.split(gates, 4, 1) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D]
    const next = tf.add(tf.mul(tf.sigmoid(tf.add(f, 1)), c!), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D
    return [tf.mul(tf.sigmoid(o), tf.tanh(next)) as tf.Tensor2D, next]
  }
}

/**
 * `min(count, n)` distinct items (index + 1) drawn uniformly from `n`; all of them, in order, when
 * `count >= n` (the sampled softmax then becomes the full softmax).
 */
function sampleDistinct(n: number, count: number, rng: Random): Int32Array {
  if (count >= n) return Int32Array.from({ length: n }, (_, i) => i + 1)
  const out = new Int32Array(count)
  const taken = new Set<number>()
  for (let j = 0; j < count; ) {
    const c = rng.int(n)
    if (taken.has(c)) continue
    taken.add(c)
    out[j++] = c + 1
  }
  return out
}

/** The distinct items of a batch with their embeddings, and each step's position among them (time-major). */
interface LocalItems {
  /** Distinct item ids (index + 1), `[u, 1]`. */
  readonly ids: tf.Tensor2D
  /** Their embeddings, `[u, factors]`. */
  readonly embeddings: tf.Tensor
  /** `inputs[t * B + b]`: where input `(b, t)` lies among the distinct items. */
  readonly inputs: Int32Array
  /** The same for the targets, when given. */
  readonly targets: Int32Array | undefined
  /** The same for per-position negatives, when given. */
  readonly negatives: Int32Array | undefined
}

function localItems(table: tf.Tensor, inputs: Int32Array, targets: Int32Array | undefined, B: number, L: number, negatives?: Int32Array): LocalItems {
  const where = new Map<number, number>()
  const distinct: number[] = []
  const place = (src: Int32Array): Int32Array => {
    const out = new Int32Array(B * L)
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < L; t++) {
        const id = src[b * L + t]!
        let w = where.get(id)
        if (w === undefined) {
          w = distinct.length
          where.set(id, w)
          distinct.push(id)
        }
        out[t * B + b] = w
      }
    }
    return out
  }
  const li = place(inputs)
  const lt = targets ? place(targets) : undefined
  const ln = negatives ? place(negatives) : undefined
  const ids = tf.tensor2d(Int32Array.from(distinct), [distinct.length, 1], 'int32')
  return { ids, embeddings: gatherRows(table, ids), inputs: li, targets: lt, negatives: ln }
}

/**
 * GRU4Rec-style next-item model (Hidasi et al. 2016, "Session-based Recommendations with Recurrent
 * Neural Networks"): item embeddings feed a gated recurrent unit over the user's last `maxLength`
 * items, and the hidden state after each item scores the next one against the same (tied) item
 * embeddings plus an item bias. Training uses binary cross-entropy with one negative per position
 * (`loss: 'bce'`, the default), or a sampled softmax (`loss: 'softmax'`) in which the true next
 * item competes with `negatives` items drawn uniformly per mini-batch and shared by all positions
 * (a sampled negative equal to the target is masked out). The cell is a GRU (`cell: 'gru'`, the
 * default) or an LSTM (`cell: 'lstm'`), both written with tfjs-core ops and trained and scored
 * through the same paths. GRU: `z = σ(x Wz + h Uz + bz)`, `r = σ(x Wr + h Ur + br)`,
 * `n = tanh(x Wn + bn + r ⊙ (h Un + bhn))`, `h' = (1 − z) ⊙ n + z ⊙ h`. LSTM: `[i f g o] = x W + h U + b`,
 * `c' = σ(f + 1) ⊙ c + σ(i) ⊙ tanh(g)`, `h' = σ(o) ⊙ tanh(c')`. Left padding keeps the state unchanged.
 *
 * @example
 * ```ts
 * const model = new GRU4Rec({ factors: 64, epochs: 20 }) // or { cell: 'lstm' }
 * await model.fit(train, { seed: 42, onProgress: (e) => console.log(e.current, e.metrics) })
 * model.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for options out of range or data without timestamps
 * (with `order: 'time'`); EMPTY_INPUT for empty data; NOT_FITTED / UNKNOWN_ID when scoring;
 * ABORTED when the signal fires.
 */
export class GRU4Rec extends SequentialRecommender<GRU4RecConfig> {
  readonly name = 'gru4rec'

  constructor(config: Partial<GRU4RecConfig> = {}) {
    super(resolveConfig(GRU4REC_PARAMS, config, { model: 'gru4rec' }))
  }

  protected networkParams(): Record<string, WeightSpec> {
    const d = this.config.factors
    if (this.config.cell === 'lstm') {
      // Glorot over [d, 4d] as a whole, as Keras initialises its fused LSTM kernels
      const m: WeightSpec = { shape: [d, 4 * d], init: 'glorot' }
      return { W: m, U: m, b: { shape: [4 * d], init: 'zeros' } }
    }
    const m: WeightSpec = { shape: [d, d], init: 'glorot' }
    const b: WeightSpec = { shape: [d], init: 'zeros' }
    return { Wz: m, Wr: m, Wn: m, Uz: m, Ur: m, Un: m, bz: b, br: b, bn: b, bhn: b }
  }

  /**
   * Runs the recurrent cell over a batch step by step. Each step reads its inputs with a look-up
   * into a batch-local table of the distinct items (per-step slices of one large tensor would copy
   * the whole tensor on every step on the wasm backend), and all-padding steps are skipped.
   * `onStep(t, h)` sees the hidden state after step `t`.
   */
  private run(p: Params, batch: SequenceBatch, local: LocalItems, onStep?: (t: number, h: tf.Tensor2D) => void): tf.Tensor2D {
    const { size: B, length: L, inputs } = batch
    const d = this.config.factors
    const U = batch.drop(local.embeddings)
    const step = this.config.cell === 'lstm' ? lstmStep(p) : gruStep(p)
    let state: tf.Tensor2D[] = (this.config.cell === 'lstm' ? [0, 1] : [0]).map(() => tf.zeros([B, d]) as tf.Tensor2D)
    const maskCol = new Float32Array(B)
    for (let t = 0; t < L; t++) {
      let any = false
      for (let b = 0; b < B; b++) {
        maskCol[b] = inputs[b * L + t]! > 0 ? 1 : 0
        any ||= maskCol[b] === 1
      }
      if (!any) continue
      const x = gatherRows(U, tf.tensor2d(local.inputs.subarray(t * B, (t + 1) * B), [B, 1], 'int32')) as tf.Tensor2D
      const next = step(x, state)
      // left padding keeps the state unchanged
      const keep = tf.tensor2d(maskCol, [B, 1])
      state = state.map((s, k) => tf.add(s, tf.mul(keep, tf.sub(next[k]!, s))) as tf.Tensor2D)
      onStep?.(t, state[0]!)
    }
    return state[0]!
  }

  protected lastStates(p: Params, batch: SequenceBatch): tf.Tensor2D {
    return this.run(p, batch, localItems(p.itemEmbeddings!, batch.inputs, undefined, batch.size, batch.length))
  }

  protected loss(p: Params, batch: BatchContext): tf.Scalar {
    const B = batch.size
    const L = batch.length
    const bce = this.config.loss === 'bce'
    const local = localItems(p.itemEmbeddings!, batch.inputs, batch.targets, B, L, bce ? sampleNegatives(batch) : undefined)
    const biasTable = tf.reshape(p.itemBias!, [batch.numItems + 1, 1])
    const localBias = gatherRows(biasTable, local.ids)
    const negIds = bce ? new Int32Array(0) : sampleDistinct(batch.numItems, this.config.negatives, batch.rng)
    const S = negIds.length
    const negPos = new Map<number, number>()
    for (let j = 0; j < S; j++) negPos.set(negIds[j]!, j)
    const neg = bce ? undefined : tf.tensor2d(negIds, [S, 1], 'int32')
    const negT = neg && tf.transpose(gatherRows(p.itemEmbeddings!, neg))
    const negBias = neg && tf.reshape(gatherRows(biasTable, neg), [1, S])
    const losses: tf.Tensor[] = []
    // the loss runs on chunks of steps: one stack per chunk instead of per-step kernels, and the
    // stack's gradient (slices, which copy their whole input on wasm) stays on small tensors
    const CHUNK = 10
    let chunk: tf.Tensor2D[] = []
    let steps: number[] = []
    const flush = () => {
      if (chunk.length === 0) return
      const c = chunk.length
      const n = c * B
      const H = batch.drop(tf.reshape(tf.stack(chunk), [n, this.config.factors]))
      const tl = new Int32Array(n)
      const nl = new Int32Array(bce ? n : 0)
      const tm = new Float32Array(n)
      const collide = new Float32Array(bce ? 0 : n * S)
      let collisions = false
      for (let k = 0; k < c; k++) {
        const t = steps[k]!
        tl.set(local.targets!.subarray(t * B, (t + 1) * B), k * B)
        if (bce) nl.set(local.negatives!.subarray(t * B, (t + 1) * B), k * B)
        for (let b = 0; b < B; b++) {
          const target = batch.targets[b * L + t]!
          if (target === 0) continue
          tm[k * B + b] = 1
          if (bce) continue
          const j = negPos.get(target)
          if (j !== undefined) {
            collide[(k * B + b) * S + j] = -1e9
            collisions = true
          }
        }
      }
      const logit = (ids: Int32Array) => {
        const at = tf.tensor2d(ids, [n, 1], 'int32')
        return tf.add(tf.sum(tf.mul(H, gatherRows(local.embeddings, at)), 1, true), gatherRows(localBias, at))
      }
      const pos = logit(tl)
      let per: tf.Tensor
      if (bce) {
        per = tf.add(tf.softplus(tf.neg(pos)), tf.softplus(logit(nl)))
      } else {
        let negLogits = tf.add(mm(H, negT!), negBias!)
        if (collisions) negLogits = tf.add(negLogits, tf.tensor2d(collide, [n, S]))
        per = tf.sub(tf.logSumExp(tf.concat([pos, negLogits], 1), 1, true), pos)
      }
      losses.push(tf.sum(tf.mul(per, tf.tensor2d(tm, [n, 1]))))
      chunk = []
      steps = []
    }
    this.run(p, batch, local, (t, h) => {
      chunk.push(h)
      steps.push(t)
      if (chunk.length === CHUNK) flush()
    })
    flush()
    return tf.div(tf.addN(losses), Math.max(1, batch.count)) as tf.Scalar
  }
}
