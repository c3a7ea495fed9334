import { defineParams, param, Random, resolveConfig, type ConfigOf, type FitOptions, type Interactions } from '@recforge/core'
import { glorotUniform } from '@recforge/compute'
import { Batcher, initBackend, matMul, tf } from '@recforge/tf'
import { activeUsers, denseRows, minimizeStep, trainUserEpochs } from './internal/common'
import { GANRecommender } from './internal/model'

/** The parameters of {@link CFGAN} (the `cfgan` model). */
export const CFGAN_PARAMS = defineParams({
  hidden: param.int({ default: 128, min: 1, description: 'hidden units of the generator and of the discriminator' }),
  epochs: param.int({ default: 100, min: 1, description: 'passes over all users (one discriminator and one generator step per batch)' }),
  batchSize: param.int({ default: 64, min: 1, description: 'users per mini-batch' }),
  learningRate: param.float({ default: 0.001, min: 0, exclusiveMin: true, description: 'Adam step size of both networks' }),
  zrRatio: param.float({ default: 0.5, min: 0, max: 1, description: 'share of unpurchased items whose generated value is pushed to 0 (S_ZR, zero-reconstruction)' }),
  zrWeight: param.float({ default: 0.1, min: 0, description: 'weight alpha of the zero-reconstruction penalty' }),
  pmRatio: param.float({ default: 0.5, min: 0, max: 1, description: 'share of unpurchased items the discriminator also sees (S_PM, partial masking)' }),
  l2: param.float({ default: 0.00001, min: 0, description: 'L2 penalty on the generator\'s weights' }),
  seed: param.int({ default: 42, description: 'seed of initialisation and sampling (fit({ seed }) overrides it)' }),
})

/** The configuration of {@link CFGAN}: see {@link CFGAN_PARAMS}. */
export type CFGANConfig = ConfigOf<typeof CFGAN_PARAMS>

/** Fills `mask` (B × n) with 1 where the user purchased the item, and with 1 on a random `ratio` share of the rest. */
function sampleMask(purchases: Float32Array, ratio: number, rng: Random, includePurchased: boolean): Float32Array {
  const out = new Float32Array(purchases.length)
  for (let j = 0; j < out.length; j++) {
    if (purchases[j] === 1) out[j] = includePurchased ? 1 : 0
    else if (ratio > 0 && rng.float() < ratio) out[j] = 1
  }
  return out
}

/**
 * CFGAN (Chae et al. 2018, "CFGAN: A Generic Collaborative Filtering Framework based on Generative
 * Adversarial Networks"): a vector-wise generator maps a user's purchase vector to a real-valued
 * vector over all items; a discriminator, conditioned on the same purchase vector, tells real
 * purchase vectors from generated ones. Zero-reconstruction pushes a sampled share of unpurchased
 * items towards 0, and partial masking shows the discriminator the purchased items plus a sampled
 * share of the others. The generator's output (pre-sigmoid) ranks items.
 *
 * @example
 * ```ts
 * const model = new CFGAN({ hidden: 128, epochs: 100 })
 * await model.fit(train, { seed: 42, onProgress: (e) => console.log(e.metrics) })
 * model.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for options out of range; EMPTY_INPUT for empty data;
 * NOT_FITTED / UNKNOWN_ID when scoring; ABORTED when the signal fires.
 */
export class CFGAN extends GANRecommender<CFGANConfig, 'w1' | 'b1' | 'w2' | 'b2'> {
  readonly name = 'cfgan'

  constructor(config: Partial<CFGANConfig> = {}) {
    super(resolveConfig(CFGAN_PARAMS, config, { model: 'cfgan' }))
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    await initBackend()
    const cfg = this.config
    const rng = new Random(opts.seed ?? cfg.seed)
    const n = data.items.size
    const h = cfg.hidden
    const users = activeUsers(data.indptr)
    const glorot = (fanIn: number, fanOut: number, rows: number, cols: number) => tf.tensor2d(glorotUniform(new Float32Array(fanIn * fanOut), fanIn, fanOut, rng).subarray(0, rows * cols), [rows, cols])
    const gW1 = tf.variable(glorot(n, h, n, h))
    const gB1 = tf.variable(tf.zeros([h]))
    const gW2 = tf.variable(glorot(h, n, h, n))
    const gB2 = tf.variable(tf.zeros([n]))
    // the discriminator's first layer reads [real or fake | condition]: two halves of a 2n × h matrix
    const dW1r = tf.variable(glorot(2 * n, h, n, h))
    const dW1c = tf.variable(glorot(2 * n, h, n, h))
    const dB1 = tf.variable(tf.zeros([h]))
    const dW2 = tf.variable(glorot(h, 1, h, 1))
    const dB2 = tf.variable(tf.zeros([1]))
    const gVars = [gW1, gB1, gW2, gB2]
    const dVars = [dW1r, dW1c, dB1, dW2, dB2]
    const optG = tf.train.adam(cfg.learningRate)
    const optD = tf.train.adam(cfg.learningRate)
    const generate = (c: tf.Tensor2D): tf.Tensor2D => tf.sigmoid(tf.add<tf.Tensor2D>(matMul(tf.relu(tf.add(matMul(c, gW1, { constA: true }), gB1)) as tf.Tensor2D, gW2), gB2))
    const discriminate = (r: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D =>
      tf.add(matMul(tf.relu(tf.add(tf.add(matMul(r, dW1r), matMul(c, dW1c, { constA: true })), dB1)) as tf.Tensor2D, dW2), dB2)
    try {
      const losses = { generatorLoss: 'the generator loss', discriminatorLoss: 'the discriminator loss' }
      await trainUserEpochs({ name: this.name, epochs: cfg.epochs, users, batcher: new Batcher({ size: users.length, batchSize: cfg.batchSize, rng }), losses }, opts, async (batch) => {
        const B = batch.length
        const purchases = denseRows(data.indptr, data.indices, batch, n)
        const pmD = sampleMask(purchases, cfg.pmRatio, rng, true)
        const pmG = sampleMask(purchases, cfg.pmRatio, rng, true)
        const zr = sampleMask(purchases, cfg.zrRatio, rng, false)
        const discriminatorLoss = await minimizeStep(optD, dVars, () => {
          const c = tf.tensor2d(purchases, [B, n])
          const fake = tf.mul(generate(c), tf.tensor2d(pmD, [B, n])) as tf.Tensor2D
          return () => tf.add(tf.mean(tf.softplus(tf.neg(discriminate(c, c)))), tf.mean(tf.softplus(discriminate(fake, c)))) as tf.Scalar
        })
        const generatorLoss = await minimizeStep(optG, gVars, () => {
          const c = tf.tensor2d(purchases, [B, n])
          const pm = tf.tensor2d(pmG, [B, n])
          const zm = tf.tensor2d(zr, [B, n])
          return () => {
            const out = generate(c)
            const adv = tf.mean(tf.softplus(tf.neg(discriminate(tf.mul(out, pm) as tf.Tensor2D, c))))
            const zrLoss = tf.div(tf.sum(tf.mul(zm, tf.square(out))), B)
            let loss = tf.add(adv, tf.mul(zrLoss, cfg.zrWeight))
            if (cfg.l2 > 0) loss = tf.add(loss, tf.mul(tf.add(tf.sum(tf.square(gW1)), tf.sum(tf.square(gW2))), cfg.l2))
            return loss as tf.Scalar
          }
        })
        return { generatorLoss, discriminatorLoss }
      })
      await this.keepWeights({ w1: gW1, b1: gB1, w2: gW2, b2: gB2 })
    } finally {
      optG.dispose()
      optD.dispose()
      tf.dispose([...gVars, ...dVars])
    }
  }

  /** Generator logits: relu(b1 + Σ over purchased items of W1 rows) · W2 + b2, in plain typed arrays. */
  protected scoreAll(user: number, out: Float32Array): void {
    const s = this.requireFitted()
    const { w1, b1, w2, b2 } = this.weights!
    const n = out.length
    const h = b1.length
    const hid = Float32Array.from(b1)
    for (let k = s.indptr[user]!; k < s.indptr[user + 1]!; k++) {
      const row = s.indices[k]! * h
      for (let j = 0; j < h; j++) hid[j]! += w1[row + j]!
    }
    out.set(b2)
    for (let j = 0; j < h; j++) {
      const a = hid[j]!
      if (a <= 0) continue
      const row = j * n
      for (let i = 0; i < n; i++) out[i]! += a * w2[row + i]!
    }
  }

  protected weightSizes(): Record<'w1' | 'b1' | 'w2' | 'b2', number> {
    const n = this.numItems
    const h = this.config.hidden
    return { w1: n * h, b1: h, w2: h * n, b2: n }
  }
}
