import { RecForgeError, defineParams, param, resolveConfig, type ConfigOf } from '@recforge/core'
import { gatherRows, matMul as mm, tf } from '@recforge/tf'
import { dense3, layerNorm, type WeightSpec } from './internal/nn'
import { SequentialRecommender, sampleNegatives, sequentialParams, type BatchContext, type Params, type SequenceBatch } from './sequential'

/** The parameters of {@link SASRec} (the `sasrec` model). */
export const SASREC_PARAMS = defineParams({
  ...sequentialParams({ factors: 32, epochs: 15, learningRate: 0.005, dropout: 0.2 }),
  blocks: param.int({ default: 2, min: 1, description: 'self-attention blocks' }),
  heads: param.int({ default: 1, min: 1, description: 'attention heads per block (must divide factors)' }),
})

/** The configuration of {@link SASRec}: see {@link SASREC_PARAMS}. */
export type SASRecConfig = ConfigOf<typeof SASREC_PARAMS>

/**
 * SASRec-style next-item model (Kang & McAuley 2018, "Self-Attentive Sequential Recommendation"):
 * item embeddings scaled by √factors plus learned position embeddings go through `blocks` causal
 * self-attention blocks (pre-norm queries, scaled dot-product attention over earlier positions
 * only, a two-layer ReLU feed-forward part, residual connections, layer normalisation), and the
 * output at each position scores the next item against the same item embeddings plus an item
 * bias. Training uses binary cross-entropy with one negative per position, drawn uniformly from
 * the items the user never interacted with. Attention is written with tfjs-core ops.
 *
 * @example
 * ```ts
 * const model = new SASRec({ factors: 64, blocks: 2, epochs: 30 })
 * await model.fit(train, { seed: 42 })
 * model.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for options out of range or data without timestamps
 * (with `order: 'time'`); EMPTY_INPUT for empty data; NOT_FITTED / UNKNOWN_ID when scoring;
 * ABORTED when the signal fires.
 */
export class SASRec extends SequentialRecommender<SASRecConfig> {
  readonly name = 'sasrec'

  constructor(config: Partial<SASRecConfig> = {}) {
    const c = resolveConfig(SASREC_PARAMS, config, { model: 'sasrec' })
    if (c.factors % c.heads !== 0) throw new RecForgeError('INVALID_ARGUMENT', `sasrec: parameter "heads" (${c.heads}) must divide parameter "factors" (${c.factors})`)
    super(c)
  }

  protected networkParams(): Record<string, WeightSpec> {
    const d = this.config.factors
    const m: WeightSpec = { shape: [d, d], init: 'glorot' }
    const zeros: WeightSpec = { shape: [d], init: 'zeros' }
    const ones: WeightSpec = { shape: [d], init: 'ones' }
    const p: Record<string, WeightSpec> = { positions: { shape: [this.config.maxLength, d], init: 'glorot' }, finalGain: ones, finalBias: zeros }
    for (let k = 0; k < this.config.blocks; k++) {
      Object.assign(p, {
        [`b${k}.ln1Gain`]: ones,
        [`b${k}.ln1Bias`]: zeros,
        [`b${k}.Wq`]: m,
        [`b${k}.Wk`]: m,
        [`b${k}.Wv`]: m,
        [`b${k}.ln2Gain`]: ones,
        [`b${k}.ln2Bias`]: zeros,
        [`b${k}.W1`]: m,
        [`b${k}.b1`]: zeros,
        [`b${k}.W2`]: m,
        [`b${k}.b2`]: zeros,
      })
    }
    return p
  }

  /** Output states `[B, L, factors]` at every position. */
  private encode(p: Params, batch: SequenceBatch): tf.Tensor3D {
    const { size: B, length: L, inputTensor: seq, inputMask: mask, drop } = batch
    const d = this.config.factors
    const heads = this.config.heads
    const dk = d / heads
    const mask3 = tf.reshape(mask, [B, L, 1])
    let x = tf.add(tf.mul(gatherRows(p.itemEmbeddings!, tf.reshape(seq, [B, L, 1])), Math.sqrt(d)), tf.reshape(p.positions!, [1, L, d]))
    x = tf.mul(drop(x), mask3)
    // attend to earlier real positions only: causal mask times key padding mask, as additive -1e9
    const causal = new Float32Array(L * L)
    for (let i = 0; i < L; i++) causal.fill(1, i * L, i * L + i + 1)
    const allowed = tf.mul(tf.reshape(mask, [B, 1, L]), tf.tensor3d(causal, [1, L, L]))
    let additive = tf.mul(tf.sub(1, allowed), -1e9)
    if (heads > 1) additive = tf.reshape(tf.tile(tf.reshape(additive, [B, 1, L, L]), [1, heads, 1, 1]), [B * heads, L, L])
    const split = (t: tf.Tensor) => (heads > 1 ? tf.reshape(tf.transpose(tf.reshape(t, [B, L, heads, dk]), [0, 2, 1, 3]), [B * heads, L, dk]) : t)
    for (let k = 0; k < this.config.blocks; k++) {
      const w = (n: string) => p[`b${k}.${n}`]!
      const q = layerNorm(x, w('ln1Gain'), w('ln1Bias'))
      const Q = split(dense3(q, w('Wq')))
      const K = split(dense3(x, w('Wk')))
      const V = split(dense3(x, w('Wv')))
      const att = drop(tf.softmax(tf.add(tf.mul(mm(Q, tf.transpose(K, [0, 2, 1])), 1 / Math.sqrt(dk)), additive)))
      let o = mm(att, V)
      if (heads > 1) o = tf.reshape(tf.transpose(tf.reshape(o, [B, heads, L, dk]), [0, 2, 1, 3]), [B, L, d])
      const y = layerNorm(tf.add(q, o), w('ln2Gain'), w('ln2Bias'))
      const f = dense3(drop(tf.relu(dense3(y, w('W1'), w('b1')))), w('W2'), w('b2'))
      x = tf.mul(tf.add(y, drop(f)), mask3)
    }
    return layerNorm(x, p.finalGain!, p.finalBias!) as tf.Tensor3D
  }

  protected lastStates(p: Params, batch: SequenceBatch): tf.Tensor2D {
    const d = this.config.factors
    return tf.reshape(tf.slice(this.encode(p, batch), [0, batch.length - 1, 0], [batch.size, 1, d]), [batch.size, d])
  }

  protected loss(p: Params, batch: BatchContext): tf.Scalar {
    const hidden = this.encode(p, batch)
    const N = batch.size * batch.length
    const d = this.config.factors
    const E = p.itemEmbeddings!
    const bias = tf.reshape(p.itemBias!, [batch.numItems + 1, 1])
    const H = tf.reshape(hidden, [N, d])
    // one negative per real position, uniform over the items the user never interacted with
    const negIds = sampleNegatives(batch)
    const tgt = tf.reshape(batch.targetTensor, [N, 1])
    const neg = tf.tensor2d(negIds, [N, 1], 'int32')
    const logit = (ids: tf.Tensor) => tf.add(tf.sum(tf.mul(H, gatherRows(E, ids)), 1, true), gatherRows(bias, ids))
    const per = tf.add(tf.softplus(tf.neg(logit(tgt))), tf.softplus(logit(neg)))
    return tf.div(tf.sum(tf.mul(per, tf.reshape(batch.targetMask, [N, 1]))), Math.max(1, batch.count)) as tf.Scalar
  }
}
