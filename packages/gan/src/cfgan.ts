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
import { activeUsers, checkFinite, denseRows, glorot, matMul } from './internal/common'

/** Options of {@link CFGAN}. */
export interface CFGANConfig {
  /** Hidden units of the generator and of the discriminator. Defaults to `128`. */
  hidden: number
  /** Training epochs (one pass over all users, one discriminator and one generator step per batch). Defaults to `100`. */
  epochs: number
  /** Users per mini-batch. Defaults to `64`. */
  batchSize: number
  /** Adam learning rate of both networks. Defaults to `0.001`. */
  learningRate: number
  /** Share of a user's unpurchased items whose generated value is pushed to zero (S_ZR, zero-reconstruction). Defaults to `0.5`. */
  zrRatio: number
  /** Weight α of the zero-reconstruction penalty. Defaults to `0.1`. */
  zrWeight: number
  /** Share of unpurchased items the discriminator also sees (S_PM, partial masking); the rest are masked out. Defaults to `0.5`. */
  pmRatio: number
  /** L2 penalty on the generator's weights. Defaults to `0.00001`. */
  l2: number
  /** Seed for initialisation and sampling; `fit({ seed })` overrides it. Defaults to `42`. */
  seed: number
}

const DEFAULTS: CFGANConfig = { hidden: 128, epochs: 100, batchSize: 64, learningRate: 0.001, zrRatio: 0.5, zrWeight: 0.1, pmRatio: 0.5, l2: 0.00001, seed: 42 }
const FORMAT_VERSION = 1

function resolveConfig(c: Partial<CFGANConfig>): CFGANConfig {
  const cfg = { ...DEFAULTS, ...c }
  checkNumber('hidden', cfg.hidden, { min: 1, integer: true })
  checkNumber('epochs', cfg.epochs, { min: 1, integer: true })
  checkNumber('batchSize', cfg.batchSize, { min: 1, integer: true })
  checkNumber('learningRate', cfg.learningRate, { min: 0, exclusiveMin: true })
  checkNumber('zrRatio', cfg.zrRatio, { min: 0, max: 1 })
  checkNumber('zrWeight', cfg.zrWeight, { min: 0 })
  checkNumber('pmRatio', cfg.pmRatio, { min: 0, max: 1 })
  checkNumber('l2', cfg.l2, { min: 0 })
  checkNumber('seed', cfg.seed, { integer: true })
  return cfg
}

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
export class CFGAN extends BaseRecommender<CFGANConfig> {
  readonly name = 'cfgan'
  private w1: Float32Array | undefined
  private b1: Float32Array | undefined
  private w2: Float32Array | undefined
  private b2: Float32Array | undefined

  constructor(config: Partial<CFGANConfig> = {}) {
    super(resolveConfig(config))
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    await initBackend()
    const cfg = this.config
    const rng = new Random(opts.seed ?? cfg.seed)
    const n = data.items.size
    const h = cfg.hidden
    const users = activeUsers(data.indptr)
    const gW1 = tf.variable(tf.tensor2d(glorot(rng, n, h), [n, h]))
    const gB1 = tf.variable(tf.zeros([h]))
    const gW2 = tf.variable(tf.tensor2d(glorot(rng, h, n), [h, n]))
    const gB2 = tf.variable(tf.zeros([n]))
    const dW1r = tf.variable(tf.tensor2d(glorot(rng, 2 * n, h).subarray(0, n * h), [n, h]))
    const dW1c = tf.variable(tf.tensor2d(glorot(rng, 2 * n, h).subarray(0, n * h), [n, h]))
    const dB1 = tf.variable(tf.zeros([h]))
    const dW2 = tf.variable(tf.tensor2d(glorot(rng, h, 1), [h, 1]))
    const dB2 = tf.variable(tf.zeros([1]))
    const gVars = [gW1, gB1, gW2, gB2]
    const dVars = [dW1r, dW1c, dB1, dW2, dB2]
    const optG = tf.train.adam(cfg.learningRate)
    const optD = tf.train.adam(cfg.learningRate)
    const generate = (c: tf.Tensor2D): tf.Tensor2D => tf.sigmoid(tf.add<tf.Tensor2D>(matMul(tf.relu(tf.add(matMul(c, gW1, true), gB1)) as tf.Tensor2D, gW2), gB2))
    const discriminate = (r: tf.Tensor2D, c: tf.Tensor2D): tf.Tensor2D =>
      tf.add(matMul(tf.relu(tf.add(tf.add(matMul(r, dW1r), matMul(c, dW1c, true)), dB1)) as tf.Tensor2D, dW2), dB2)
    try {
      for (let epoch = 0; epoch < cfg.epochs; epoch++) {
        rng.shuffle(users)
        let gSum = 0
        let dSum = 0
        let batches = 0
        for (let start = 0; start < users.length; start += cfg.batchSize) {
          throwIfAborted(opts.signal, `${this.name} fit`)
          const batch = users.subarray(start, Math.min(users.length, start + cfg.batchSize))
          const B = batch.length
          const purchases = denseRows(data.indptr, data.indices, batch, n)
          const pmD = sampleMask(purchases, cfg.pmRatio, rng, true)
          const pmG = sampleMask(purchases, cfg.pmRatio, rng, true)
          const zr = sampleMask(purchases, cfg.zrRatio, rng, false)
          const dCost = tf.tidy(() => {
            const c = tf.tensor2d(purchases, [B, n])
            const pm = tf.tensor2d(pmD, [B, n])
            const fake = tf.mul(generate(c), pm) as tf.Tensor2D
            return optD.minimize(
              () => tf.add(tf.mean(tf.softplus(tf.neg(discriminate(c, c)))), tf.mean(tf.softplus(discriminate(fake, c)))) as tf.Scalar,
              true,
              dVars,
            )!
          })
          const gCost = tf.tidy(() => {
            const c = tf.tensor2d(purchases, [B, n])
            const pm = tf.tensor2d(pmG, [B, n])
            const zm = tf.tensor2d(zr, [B, n])
            return optG.minimize(
              () => {
                const out = generate(c)
                const adv = tf.mean(tf.softplus(tf.neg(discriminate(tf.mul(out, pm) as tf.Tensor2D, c))))
                const zrLoss = tf.div(tf.sum(tf.mul(zm, tf.square(out))), B)
                let loss = tf.add(adv, tf.mul(zrLoss, cfg.zrWeight))
                if (cfg.l2 > 0) loss = tf.add(loss, tf.mul(tf.add(tf.sum(tf.square(gW1)), tf.sum(tf.square(gW2))), cfg.l2))
                return loss as tf.Scalar
              },
              true,
              gVars,
            )!
          })
          dSum += (await dCost.data())[0]!
          gSum += (await gCost.data())[0]!
          dCost.dispose()
          gCost.dispose()
          batches++
        }
        const generatorLoss = gSum / batches
        const discriminatorLoss = dSum / batches
        checkFinite(this.name, 'the generator loss', generatorLoss, epoch + 1)
        checkFinite(this.name, 'the discriminator loss', discriminatorLoss, epoch + 1)
        opts.onProgress?.({ stage: 'epoch', current: epoch + 1, total: cfg.epochs, metrics: { generatorLoss, discriminatorLoss } })
      }
      this.w1 = (await gW1.data()) as Float32Array
      this.b1 = (await gB1.data()) as Float32Array
      this.w2 = (await gW2.data()) as Float32Array
      this.b2 = (await gB2.data()) as Float32Array
    } finally {
      optG.dispose()
      optD.dispose()
      for (const v of [...gVars, ...dVars]) v.dispose()
    }
  }

  /** Generator logits: relu(b1 + Σ over purchased items of W1 rows) · W2 + b2, in plain typed arrays. */
  protected scoreAll(user: number, out: Float32Array): void {
    const s = this.requireFitted()
    const w1 = this.w1!
    const b1 = this.b1!
    const w2 = this.w2!
    const n = out.length
    const h = b1.length
    const hid = Float32Array.from(b1)
    for (let k = s.indptr[user]!; k < s.indptr[user + 1]!; k++) {
      const row = s.indices[k]! * h
      for (let j = 0; j < h; j++) hid[j]! += w1[row + j]!
    }
    out.set(this.b2!)
    for (let j = 0; j < h; j++) {
      const a = hid[j]!
      if (a <= 0) continue
      const row = j * n
      for (let i = 0; i < n; i++) out[i]! += a * w2[row + i]!
    }
  }

  override async save(): Promise<ModelArtifacts> {
    const base = this.baseArtifacts()
    return {
      model: this.name,
      formatVersion: FORMAT_VERSION,
      config: { ...this.config },
      meta: base.meta,
      tensors: { ...base.tensors, w1: this.w1!, b1: this.b1!, w2: this.w2!, b2: this.b2! },
    }
  }

  /**
   * Rebuilds a fitted CFGAN from {@link CFGAN.save} artifacts; scoring needs no TensorFlow.js backend.
   *
   * @example
   * ```ts
   * const again = await CFGAN.load(await model.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT / UNSUPPORTED_VERSION / PARSE_ERROR for foreign or damaged artifacts.
   */
  static override async load(a: ModelArtifacts): Promise<CFGAN> {
    checkArtifacts(a, 'cfgan', FORMAT_VERSION)
    const m = new CFGAN(a.config as Partial<CFGANConfig>)
    m.restoreBase(a)
    m.w1 = requireTensor(a, 'w1', Float32Array)
    m.b1 = requireTensor(a, 'b1', Float32Array)
    m.w2 = requireTensor(a, 'w2', Float32Array)
    m.b2 = requireTensor(a, 'b2', Float32Array)
    const n = m.vocabularies.items.size
    const h = m.config.hidden
    if (m.w1.length !== n * h || m.b1.length !== h || m.w2.length !== h * n || m.b2.length !== n) {
      throw new RecForgeError('PARSE_ERROR', `cfgan artifacts: weight sizes (${m.w1.length}, ${m.b1.length}, ${m.w2.length}, ${m.b2.length}) do not match ${n} items and ${h} hidden units`)
    }
    return m
  }
}
