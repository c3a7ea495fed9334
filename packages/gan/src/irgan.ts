import {
  BaseRecommender,
  checkArtifacts,
  checkNumber,
  Random,
  RecForgeError,
  requireTensor,
  throwIfAborted,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
} from '@recforge/core'
import { initBackend, tf } from '@recforge/tf'
import { activeUsers, checkFinite, denseRows, matMul, normalInit } from './internal/common'

/** Options of {@link IRGAN}. */
export interface IRGANConfig {
  /** Embedding size of the generator and of the discriminator. Defaults to `32`. */
  factors: number
  /** Adversarial epochs (one discriminator and one generator pass over all users each). Defaults to `30`. */
  epochs: number
  /** Maximum-likelihood epochs that warm-start the generator's softmax before the adversarial game. Defaults to `20`. */
  pretrainEpochs: number
  /** Users per mini-batch. Defaults to `64`. */
  batchSize: number
  /** Adam learning rate of the generator. Defaults to `0.005`. */
  generatorLearningRate: number
  /** Adam learning rate of the discriminator. Defaults to `0.005`. */
  discriminatorLearningRate: number
  /** Softmax temperature of the generator's sampling policy. Defaults to `0.5`. */
  temperature: number
  /** Share of the generator's samples drawn from the user's positives (importance sampling, as in the IRGAN code). Defaults to `0.2`. */
  sampleLambda: number
  /** L2 penalty on the embeddings of both players. Defaults to `0.00001`. */
  l2: number
  /** Seed for initialisation and sampling; `fit({ seed })` overrides it. Defaults to `42`. */
  seed: number
}

const DEFAULTS: IRGANConfig = {
  factors: 32,
  epochs: 30,
  pretrainEpochs: 20,
  batchSize: 64,
  generatorLearningRate: 0.005,
  discriminatorLearningRate: 0.005,
  temperature: 0.5,
  sampleLambda: 0.2,
  l2: 0.00001,
  seed: 42,
}
const FORMAT_VERSION = 1

function resolveConfig(c: Partial<IRGANConfig>): IRGANConfig {
  const cfg = { ...DEFAULTS, ...c }
  checkNumber('factors', cfg.factors, { min: 1, integer: true })
  checkNumber('epochs', cfg.epochs, { min: 0, integer: true })
  checkNumber('pretrainEpochs', cfg.pretrainEpochs, { min: 0, integer: true })
  checkNumber('batchSize', cfg.batchSize, { min: 1, integer: true })
  checkNumber('generatorLearningRate', cfg.generatorLearningRate, { min: 0, exclusiveMin: true })
  checkNumber('discriminatorLearningRate', cfg.discriminatorLearningRate, { min: 0, exclusiveMin: true })
  checkNumber('temperature', cfg.temperature, { min: 0, exclusiveMin: true })
  checkNumber('sampleLambda', cfg.sampleLambda, { min: 0, max: 1 })
  checkNumber('l2', cfg.l2, { min: 0 })
  checkNumber('seed', cfg.seed, { integer: true })
  if (cfg.epochs + cfg.pretrainEpochs === 0) throw new RecForgeError('INVALID_ARGUMENT', 'irgan: epochs and pretrainEpochs are both 0; at least one must be positive')
  return cfg
}

/** Draws `count` indices from the discrete distribution `p` (length n, sums to 1) by inverting its CDF. */
function sampleFrom(cdf: Float64Array, count: number, rng: Random, out: Int32Array): void {
  const n = cdf.length
  const total = cdf[n - 1]!
  for (let s = 0; s < count; s++) {
    const x = rng.float() * total
    let lo = 0
    let hi = n - 1
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (cdf[mid]! > x) hi = mid
      else lo = mid + 1
    }
    out[s] = lo
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
export class IRGAN extends BaseRecommender<IRGANConfig> {
  readonly name = 'irgan'
  private userEmb: Float32Array | undefined
  private itemEmb: Float32Array | undefined
  private itemBias: Float32Array | undefined

  constructor(config: Partial<IRGANConfig> = {}) {
    super(resolveConfig(config))
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    await initBackend()
    const cfg = this.config
    const rng = new Random(opts.seed ?? cfg.seed)
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
    const optG = tf.train.adam(cfg.generatorLearningRate)
    const optD = tf.train.adam(cfg.discriminatorLearningRate)
    // Generator logits for a batch of users (before the temperature): B × n.
    const gLogits = (idx: tf.Tensor1D): tf.Tensor2D => tf.add(matMul(tf.gather(gU, idx), tf.transpose(gI)), gB)
    const dLogits = (idx: tf.Tensor1D): tf.Tensor2D => tf.add(matMul(tf.gather(dU, idx), tf.transpose(dI)), dB)
    const l2Of = (vars: tf.Variable[], idx: tf.Tensor1D): tf.Scalar =>
      tf.mul(tf.add(tf.sum(tf.square(tf.gather(vars[0]!, idx))), tf.sum(tf.square(vars[1]!))), cfg.l2) as tf.Scalar
    const batches = (): Int32Array[] => {
      rng.shuffle(users)
      const out: Int32Array[] = []
      for (let s = 0; s < users.length; s += cfg.batchSize) out.push(users.slice(s, Math.min(users.length, s + cfg.batchSize)))
      return out
    }
    const total = cfg.pretrainEpochs + cfg.epochs
    try {
      // Warm start: maximum likelihood of the observed items under the generator's softmax
      // (the authors warm-start from a pretrained MF model for the same reason).
      for (let epoch = 0; epoch < cfg.pretrainEpochs; epoch++) {
        let sum = 0
        let count = 0
        for (const batch of batches()) {
          throwIfAborted(opts.signal, `${this.name} fit`)
          const cost = tf.tidy(() => {
            const idx = tf.tensor1d(batch, 'int32')
            const pos = tf.tensor2d(denseRows(data.indptr, data.indices, batch, n), [batch.length, n])
            return optG.minimize(
              () => {
                const logp = tf.logSoftmax(tf.div(gLogits(idx), cfg.temperature))
                const nll = tf.div(tf.neg(tf.sum(tf.mul(pos, logp))), tf.sum(pos))
                return (cfg.l2 > 0 ? tf.add(nll, l2Of(gVars, idx)) : nll) as tf.Scalar
              },
              true,
              gVars,
            )!
          })
          sum += (await cost.data())[0]!
          cost.dispose()
          count++
        }
        const generatorLoss = sum / count
        checkFinite(this.name, 'the generator pretraining loss', generatorLoss, epoch + 1)
        opts.onProgress?.({ stage: 'pretrain', current: epoch + 1, total, metrics: { generatorLoss } })
      }
      const cdf = new Float64Array(n)
      for (let epoch = 0; epoch < cfg.epochs; epoch++) {
        let dSum = 0
        let gSum = 0
        let count = 0
        for (const batch of batches()) {
          throwIfAborted(opts.signal, `${this.name} fit`)
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
          const dCost = tf.tidy(() => {
            const posT = tf.tensor2d(pos, [B, n])
            const negT = tf.tensor2d(neg, [B, n])
            const norm = tf.add(tf.sum(posT), tf.sum(negT))
            return optD.minimize(
              () => {
                const l = dLogits(idx)
                const bce = tf.div(tf.add(tf.sum(tf.mul(posT, tf.softplus(tf.neg(l)))), tf.sum(tf.mul(negT, tf.softplus(l)))), norm)
                return (cfg.l2 > 0 ? tf.add(bce, l2Of(dVars, idx)) : bce) as tf.Scalar
              },
              true,
              dVars,
            )!
          })
          dSum += (await dCost.data())[0]!
          dCost.dispose()
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
          const gCost = tf.tidy(() => {
            const w = tf.tensor2d(weights, [B, n])
            return optG.minimize(
              () => {
                const logp = tf.logSoftmax(tf.div(gLogits(idx), cfg.temperature))
                const pg = tf.div(tf.neg(tf.sum(tf.mul(w, logp))), samples)
                return (cfg.l2 > 0 ? tf.add(pg, l2Of(gVars, idx)) : pg) as tf.Scalar
              },
              true,
              gVars,
            )!
          })
          gSum += (await gCost.data())[0]!
          gCost.dispose()
          idx.dispose()
          count++
        }
        const generatorLoss = gSum / count
        const discriminatorLoss = dSum / count
        checkFinite(this.name, 'the generator loss', generatorLoss, epoch + 1)
        checkFinite(this.name, 'the discriminator loss', discriminatorLoss, epoch + 1)
        opts.onProgress?.({ stage: 'epoch', current: cfg.pretrainEpochs + epoch + 1, total, metrics: { generatorLoss, discriminatorLoss } })
      }
      this.userEmb = (await gU.data()) as Float32Array
      this.itemEmb = (await gI.data()) as Float32Array
      this.itemBias = (await gB.data()) as Float32Array
    } finally {
      optG.dispose()
      optD.dispose()
      for (const v of [...gVars, ...dVars]) v.dispose()
    }
  }

  /** Generator logits g_u·g_i + b_i (the policy's ranking; the temperature does not change the order). */
  protected scoreAll(user: number, out: Float32Array): void {
    const d = this.config.factors
    const U = this.userEmb!
    const I = this.itemEmb!
    const bias = this.itemBias!
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
    return { vectors: this.itemEmb!, dimensions: this.config.factors }
  }

  /** The generator's vector of `user`. */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const d = this.config.factors
    return this.userEmb!.slice(user * d, user * d + d)
  }

  override async save(): Promise<ModelArtifacts> {
    const base = this.baseArtifacts()
    return {
      model: this.name,
      formatVersion: FORMAT_VERSION,
      config: { ...this.config },
      meta: base.meta,
      tensors: { ...base.tensors, userEmb: this.userEmb!, itemEmb: this.itemEmb!, itemBias: this.itemBias! },
    }
  }

  /**
   * Rebuilds a fitted IRGAN from {@link IRGAN.save} artifacts; scoring needs no TensorFlow.js backend.
   *
   * @example
   * ```ts
   * const again = await IRGAN.load(await model.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT / UNSUPPORTED_VERSION / PARSE_ERROR for foreign or damaged artifacts.
   */
  static override async load(a: ModelArtifacts): Promise<IRGAN> {
    checkArtifacts(a, 'irgan', FORMAT_VERSION)
    const m = new IRGAN(a.config as Partial<IRGANConfig>)
    m.restoreBase(a)
    m.userEmb = requireTensor(a, 'userEmb', Float32Array)
    m.itemEmb = requireTensor(a, 'itemEmb', Float32Array)
    m.itemBias = requireTensor(a, 'itemBias', Float32Array)
    const { users, items } = m.vocabularies
    const d = m.config.factors
    if (m.userEmb.length !== users.size * d || m.itemEmb.length !== items.size * d || m.itemBias.length !== items.size) {
      throw new RecForgeError('PARSE_ERROR', `irgan artifacts: embedding sizes (${m.userEmb.length}, ${m.itemEmb.length}, ${m.itemBias.length}) do not match ${users.size} users, ${items.size} items, ${d} factors`)
    }
    return m
  }
}
