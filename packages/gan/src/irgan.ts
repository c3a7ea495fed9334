import { defineParams, param, RecForgeError, resolveConfig, searchCumulative, type ConfigOf, type Random, type FitOptions, type Interactions } from '@recforge/core'
import { Batcher, VariableAdam, matMul, tf } from '@recforge/tf'
import { activeUsers, denseRows, minimizeStep, normalInit, trainUserEpochs } from './internal/common'
import { GANRecommender } from './internal/model'

/** The parameters of {@link IRGAN} (the `irgan` model). */
export const IRGAN_PARAMS = defineParams({
  factors: param.int({ default: 32, min: 1, description: 'embedding size of the generator and of the discriminator' }),
  epochs: param.int({ default: 30, min: 0, description: 'adversarial epochs (one discriminator and one generator pass over all users each)' }),
  pretrainEpochs: param.int({ default: 20, min: 0, description: 'maximum-likelihood epochs that warm-start the generator before the adversarial game' }),
  batchSize: param.int({ default: 64, min: 1, description: 'users per mini-batch' }),
  generatorLearningRate: param.float({ default: 0.003, min: 0, exclusiveMin: true, description: 'Adam step size of the generator' }),
  discriminatorLearningRate: param.float({ default: 0.005, min: 0, exclusiveMin: true, description: 'Adam step size of the discriminator' }),
  temperature: param.float({ default: 0.5, min: 0, exclusiveMin: true, description: 'softmax temperature of the generator\'s sampling policy' }),
  sampleLambda: param.float({ default: 0.2, min: 0, max: 1, description: 'share of the generator\'s samples drawn from the user\'s positives (importance sampling, as in the IRGAN code)' }),
  l2: param.float({ default: 0.00001, min: 0, description: 'L2 penalty on the embeddings of both players' }),
  seed: param.int({ default: 42, description: 'seed of initialisation and sampling (fit({ seed }) overrides it)' }),
})

/** The configuration of {@link IRGAN}: see {@link IRGAN_PARAMS}. */
export type IRGANConfig = ConfigOf<typeof IRGAN_PARAMS>

/** Draws `count` indices from the discrete distribution `p` (length n, sums to 1) by inverting its CDF. */
function sampleFrom(cdf: Float64Array, count: number, rng: Random, out: Int32Array): void {
  const total = cdf[cdf.length - 1]!
  for (let s = 0; s < count; s++) {
    out[s] = searchCumulative(cdf, rng.float() * total)
  }
}

/**
 * IRGAN for item ranking (Wang et al. 2017, "IRGAN: A Minimax Game for Unifying Generative and
 * Discriminative Information Retrieval Models"). The generator is a softmax policy over the
 * catalogue, p(i|u) ∝ exp((g_u·g_i + b_i)/τ); the discriminator scores (user, item) pairs with
 * σ(d_u·d_i + c_i). The discriminator learns to tell observed items from the generator's samples;
 * the generator is updated by policy gradient (REINFORCE) with the discriminator's score as reward,
 * sampling with the importance-sampling mixture of the authors' code. The generator ranks items.
 *
 * @example
 * ```ts
 * const model = new IRGAN({ factors: 32, epochs: 30 })
 * await model.fit(train, { seed: 42 })
 * model.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for options out of range; EMPTY_INPUT for empty data;
 * NOT_FITTED / UNKNOWN_ID when scoring; ABORTED when the signal fires.
 */
export class IRGAN extends GANRecommender<IRGANConfig, 'userEmb' | 'itemEmb' | 'itemBias'> {
  readonly name = 'irgan'

  constructor(config: Partial<IRGANConfig> = {}) {
    const c = resolveConfig(IRGAN_PARAMS, config, { model: 'irgan' })
    if (c.epochs + c.pretrainEpochs === 0) throw new RecForgeError('INVALID_ARGUMENT', 'irgan: parameters "epochs" and "pretrainEpochs" are both 0; at least one must be positive')
    super(c)
  }

  protected async train(data: Interactions, opts: FitOptions, rng: Random): Promise<void> {
    const cfg = this.config
    const nu = data.users.size
    const n = data.items.size
    const d = cfg.factors
    const users = activeUsers(data.indptr)
    const gU = tf.variable(tf.tensor2d(normalInit(rng, nu * d, 0.1), [nu, d]))
    const gI = tf.variable(tf.tensor2d(normalInit(rng, n * d, 0.1), [n, d]))
    const gB = tf.variable(tf.zeros([n]))
    const dU = tf.variable(tf.tensor2d(normalInit(rng, nu * d, 0.1), [nu, d]))
    const dI = tf.variable(tf.tensor2d(normalInit(rng, n * d, 0.1), [n, d]))
    const dB = tf.variable(tf.zeros([n]))
    const gVars = [gU, gI, gB]
    const dVars = [dU, dI, dB]
    const optG = new VariableAdam({ gU, gI, gB }, { learningRate: cfg.generatorLearningRate })
    const optD = new VariableAdam({ dU, dI, dB }, { learningRate: cfg.discriminatorLearningRate })
    // Generator logits for a batch of users (before the temperature): B × n.
    const gLogits = (idx: tf.Tensor1D): tf.Tensor2D => tf.add(matMul(tf.gather(gU, idx), tf.transpose(gI)), gB)
    const dLogits = (idx: tf.Tensor1D): tf.Tensor2D => tf.add(matMul(tf.gather(dU, idx), tf.transpose(dI)), dB)
    const l2Of = (vars: tf.Variable[], idx: tf.Tensor1D): tf.Scalar =>
      tf.mul(tf.add(tf.sum(tf.square(tf.gather(vars[0]!, idx))), tf.sum(tf.square(vars[1]!))), cfg.l2) as tf.Scalar
    const total = cfg.pretrainEpochs + cfg.epochs
    const phase = { name: this.name, users, batcher: new Batcher({ size: users.length, batchSize: cfg.batchSize, rng }), total }
    try {
      // Warm start: maximum likelihood of the observed items under the generator's softmax
      // (the authors warm-start from a pretrained MF model for the same reason).
      await trainUserEpochs({ ...phase, epochs: cfg.pretrainEpochs, stage: 'pretrain', losses: { generatorLoss: 'the generator pretraining loss' } }, opts, async (batch) => ({
        generatorLoss: minimizeStep(optG, () => {
          const idx = tf.tensor1d(batch, 'int32')
          const pos = tf.tensor2d(denseRows(data.indptr, data.indices, batch, n), [batch.length, n])
          return () => {
            const logp = tf.logSoftmax(tf.div(gLogits(idx), cfg.temperature))
            const nll = tf.div(tf.neg(tf.sum(tf.mul(pos, logp))), tf.sum(pos))
            return (cfg.l2 > 0 ? tf.add(nll, l2Of(gVars, idx)) : nll) as tf.Scalar
          }
        }),
      }))
      const cdf = new Float64Array(n)
      const losses = { generatorLoss: 'the generator loss', discriminatorLoss: 'the discriminator loss' }
      await trainUserEpochs({ ...phase, epochs: cfg.epochs, offset: cfg.pretrainEpochs, losses }, opts, async (batch) => {
        const B = batch.length
        const idx = tf.tensor1d(batch, 'int32')
        const probs = tf.tidy(() => tf.softmax(tf.div(gLogits(idx), cfg.temperature)))
        const p = (await probs.data()) as Float32Array
        probs.dispose()
        // Discriminator: observed items against as many items sampled from the generator.
        const pos = denseRows(data.indptr, data.indices, batch, n)
        const neg = new Float32Array(B * n)
        // Generator: samples from the mixture of its policy and the user's positives, with importance weights.
        const sampledItems: Int32Array[] = []
        for (let b = 0; b < B; b++) {
          const u = batch[b]!
          const np = data.indptr[u + 1]! - data.indptr[u]!
          let acc = 0
          for (let i = 0; i < n; i++) {
            acc += p[b * n + i]!
            cdf[i] = acc
          }
          const draws = new Int32Array(np)
          sampleFrom(cdf, np, rng, draws)
          for (const i of draws) neg[b * n + i]! += 1
          const m = 2 * np
          const mixed = new Int32Array(m)
          acc = 0
          for (let i = 0; i < n; i++) {
            acc += (1 - cfg.sampleLambda) * p[b * n + i]! + (pos[b * n + i]! * cfg.sampleLambda) / np
            cdf[i] = acc
          }
          sampleFrom(cdf, m, rng, mixed)
          sampledItems.push(mixed)
        }
        const discriminatorLoss = minimizeStep(optD, () => {
          const posT = tf.tensor2d(pos, [B, n])
          const negT = tf.tensor2d(neg, [B, n])
          const norm = tf.add(tf.sum(posT), tf.sum(negT))
          return () => {
            const l = dLogits(idx)
            const bce = tf.div(tf.add(tf.sum(tf.mul(posT, tf.softplus(tf.neg(l)))), tf.sum(tf.mul(negT, tf.softplus(l)))), norm)
            return (cfg.l2 > 0 ? tf.add(bce, l2Of(dVars, idx)) : bce) as tf.Scalar
          }
        })
        // Reward of a sampled item: 2·(σ(discriminator logit) − 0.5), times p/q for the mixture.
        const dl = tf.tidy(() => dLogits(idx))
        const dScores = (await dl.data()) as Float32Array
        dl.dispose()
        const weights = new Float32Array(B * n)
        let samples = 0
        for (let b = 0; b < B; b++) {
          const u = batch[b]!
          const np = data.indptr[u + 1]! - data.indptr[u]!
          for (const i of sampledItems[b]!) {
            const pi = p[b * n + i]!
            const q = (1 - cfg.sampleLambda) * pi + (pos[b * n + i]! * cfg.sampleLambda) / np
            const reward = 2 * (1 / (1 + Math.exp(-dScores[b * n + i]!)) - 0.5)
            weights[b * n + i]! += (reward * pi) / q
            samples++
          }
        }
        const generatorLoss = minimizeStep(optG, () => {
          const w = tf.tensor2d(weights, [B, n])
          return () => {
            const logp = tf.logSoftmax(tf.div(gLogits(idx), cfg.temperature))
            const pg = tf.div(tf.neg(tf.sum(tf.mul(w, logp))), samples)
            return (cfg.l2 > 0 ? tf.add(pg, l2Of(gVars, idx)) : pg) as tf.Scalar
          }
        })
        idx.dispose()
        return { generatorLoss, discriminatorLoss }
      })
      await this.keepWeights({ userEmb: gU, itemEmb: gI, itemBias: gB })
    } finally {
      for (const v of [...gVars, ...dVars]) v.dispose()
    }
  }

  /** Generator logits g_u·g_i + b_i (the policy's ranking; the temperature does not change the order). */
  protected scoreAll(user: number, out: Float32Array): void {
    const d = this.config.factors
    const { userEmb: U, itemEmb: I, itemBias: bias } = this.weights!
    const uo = user * d
    for (let i = 0; i < out.length; i++) {
      let s = bias[i]!
      const io = i * d
      for (let f = 0; f < d; f++) s += U[uo + f]! * I[io + f]!
      out[i] = s
    }
  }

  /** Row-major item vectors of the generator (items × factors). */
  itemVectors(): { vectors: Float32Array; dimensions: number } {
    this.requireFitted()
    return { vectors: this.weights!.itemEmb, dimensions: this.config.factors }
  }

  /** The generator's vector of `user`. */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const d = this.config.factors
    return this.weights!.userEmb.slice(user * d, user * d + d)
  }

  protected weightSizes(): Record<'userEmb' | 'itemEmb' | 'itemBias', number> {
    const d = this.config.factors
    return { userEmb: this.numUsers * d, itemEmb: this.numItems * d, itemBias: this.numItems }
  }
}
