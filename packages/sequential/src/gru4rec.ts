import { checkArtifacts, checkNumber, type ModelArtifacts } from '@recforge/core'
import { gatherRows, tf } from '@recforge/tf'
import type { WeightSpec } from './internal/nn'
import { SEQUENTIAL_DEFAULTS, SequentialRecommender, validateSequential, type BatchContext, type Params, type SequentialConfig } from './sequential'

/** Options of {@link GRU4Rec}. */
export interface GRU4RecConfig extends SequentialConfig {
  /** Passes over the training windows. Defaults to `20`. */
  epochs: number
  /** Adam learning rate. Defaults to `0.002`. */
  learningRate: number
  /** Dropout rate on the input embeddings and on the GRU output. Defaults to `0.1`. */
  dropout: number
  /** Items sampled uniformly per mini-batch as shared negatives of the sampled softmax. Defaults to `256`. */
  negatives: number
}

/** The defaults of {@link GRU4RecConfig}. */
export const GRU4REC_DEFAULTS: Readonly<GRU4RecConfig> = Object.freeze({ ...SEQUENTIAL_DEFAULTS, epochs: 20, learningRate: 0.002, dropout: 0.1, negatives: 256 })

/**
 * GRU4Rec-style next-item model (Hidasi et al. 2016, "Session-based Recommendations with Recurrent
 * Neural Networks"): item embeddings feed a gated recurrent unit over the user's last `maxLength`
 * items, and the hidden state after each item scores the next one against the same (tied) item
 * embeddings plus an item bias. Training uses a sampled softmax: at every position the true next
 * item competes with `negatives` items drawn uniformly per mini-batch and shared by all positions
 * (a sampled negative equal to the target is masked out). The GRU cell is written with tfjs-core
 * ops: `z = σ(x Wz + h Uz + bz)`, `r = σ(x Wr + h Ur + br)`, `n = tanh(x Wn + bn + r ⊙ (h Un + bhn))`,
 * `h' = (1 − z) ⊙ n + z ⊙ h`; left padding keeps `h` unchanged.
 *
 * @example
 * ```ts
 * const model = new GRU4Rec({ factors: 64, epochs: 20 })
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
    const c = validateSequential({ ...GRU4REC_DEFAULTS, ...config })
    checkNumber('negatives', c.negatives, { min: 1, integer: true })
    super(c)
  }

  protected networkParams(): Record<string, WeightSpec> {
    const d = this.config.factors
    const m: WeightSpec = { shape: [d, d], init: 'glorot' }
    const b: WeightSpec = { shape: [d], init: 'zeros' }
    return { Wz: m, Wr: m, Wn: m, Uz: m, Ur: m, Un: m, bz: b, br: b, bn: b, bhn: b }
  }

  protected encode(p: Params, seq: tf.Tensor2D, mask: tf.Tensor2D, drop: (x: tf.Tensor) => tf.Tensor): tf.Tensor3D {
    const [B, L] = seq.shape
    const d = this.config.factors
    const x = drop(gatherRows(p.itemEmbeddings!, tf.reshape(seq, [B, L, 1])))
    // time-major, so each step reads a contiguous [B, d] slice
    const xt = tf.reshape(tf.transpose(x, [1, 0, 2]), [L * B, d]) as tf.Tensor2D
    const proj = (w: tf.Tensor, b: tf.Tensor) => tf.unstack(tf.reshape(tf.add(tf.matMul(xt, w as tf.Tensor2D), b), [L, B, d]))
    const xz = proj(p.Wz!, p.bz!)
    const xr = proj(p.Wr!, p.br!)
    const xn = proj(p.Wn!, p.bn!)
    const m = tf.unstack(tf.reshape(tf.transpose(mask), [L, B, 1]))
    const Uz = p.Uz as tf.Tensor2D
    const Ur = p.Ur as tf.Tensor2D
    const Un = p.Un as tf.Tensor2D
    let h = tf.zeros([B, d]) as tf.Tensor2D
    const outs: tf.Tensor[] = []
    for (let t = 0; t < L; t++) {
      const z = tf.sigmoid(tf.add(xz[t]!, tf.matMul(h, Uz)))
      const r = tf.sigmoid(tf.add(xr[t]!, tf.matMul(h, Ur)))
      const n = tf.tanh(tf.add(xn[t]!, tf.mul(r, tf.add(tf.matMul(h, Un), p.bhn!))))
      const next = tf.add(n, tf.mul(z, tf.sub(h, n)))
      h = tf.add(h, tf.mul(m[t]!, tf.sub(next, h))) as tf.Tensor2D
      outs.push(h)
    }
    return tf.transpose(tf.stack(outs), [1, 0, 2]) as tf.Tensor3D
  }

  protected loss(p: Params, hidden: tf.Tensor3D, batch: BatchContext): tf.Scalar {
    const N = batch.size * batch.length
    const d = this.config.factors
    const S = this.config.negatives
    const E = p.itemEmbeddings!
    const bias = tf.reshape(p.itemBias!, [batch.numItems + 1, 1])
    const H = tf.reshape(batch.drop(hidden), [N, d]) as tf.Tensor2D
    const tgt = tf.reshape(batch.targetTensor, [N, 1])
    const pos = tf.add(tf.sum(tf.mul(H, gatherRows(E, tgt)), 1, true), gatherRows(bias, tgt))
    const negIds = new Int32Array(S)
    for (let j = 0; j < S; j++) negIds[j] = 1 + batch.rng.int(batch.numItems)
    const neg = tf.tensor2d(negIds, [S, 1], 'int32')
    let negLogits = tf.add(tf.matMul(H, gatherRows(E, neg) as tf.Tensor2D, false, true), tf.reshape(gatherRows(bias, neg), [1, S]))
    const collide = tf.cast(tf.equal(tgt, tf.reshape(neg, [1, S])), 'float32')
    negLogits = tf.sub(negLogits, tf.mul(collide, 1e9))
    const per = tf.sub(tf.logSumExp(tf.concat([pos, negLogits], 1), 1, true), pos)
    return tf.div(tf.sum(tf.mul(per, tf.reshape(batch.targetMask, [N, 1]))), Math.max(1, batch.count)) as tf.Scalar
  }

  /**
   * Rebuilds a fitted GRU4Rec from {@link GRU4Rec.save} artifacts; scoring needs no TensorFlow.js backend.
   *
   * @example
   * ```ts
   * const again = await GRU4Rec.load(await model.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT / UNSUPPORTED_VERSION / PARSE_ERROR for foreign or damaged artifacts.
   */
  static async load(a: ModelArtifacts): Promise<GRU4Rec> {
    checkArtifacts(a, 'gru4rec', 1)
    return new GRU4Rec(a.config as Partial<GRU4RecConfig>).restore(a)
  }
}
