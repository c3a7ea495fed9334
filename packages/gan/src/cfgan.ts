import { defineParams, param, RecForgeError, throwIfAborted, type Random, type ConfigOf, type FitOptions, type Interactions, type ModelArtifacts } from '@recforge/core'
import { Adam, dot } from '@recforge/compute'
import { Batcher, trainEpochs } from '@recforge/tf'
import { activate, CfganNet, fillMasks, type BinaryRows } from './internal/cfganNet'
import { tfProduct } from './internal/dense'
import { GANRecommender } from './internal/model'

/** The parameters of {@link CFGAN} (the `cfgan` model). */
export const CFGAN_PARAMS = defineParams({
  mode: param.enumOf({
    values: ['item', 'user'],
    default: 'item',
    description: "item: generate each item's vector over users (iCFGAN, the paper's choice for MovieLens); user: each user's vector over items (uCFGAN)",
  }),
  hidden: param.int({ default: 100, min: 1, description: 'hidden units of the generator (400 in the paper on ML-100K)' }),
  discriminatorHidden: param.int({ default: 50, min: 1, description: 'hidden units of the discriminator (125 in the paper on ML-100K)' }),
  activation: param.enumOf({ values: ['sigmoid', 'relu'], default: 'sigmoid', description: "hidden-layer activation of both networks (sigmoid in the paper's code)" }),
  epochs: param.int({ default: 150, min: 1, description: 'epochs; each draws new ZR and PM samples, then runs discriminatorSteps and generatorSteps passes over all vectors' }),
  generatorSteps: param.int({ default: 1, min: 1, description: 'generator passes over all vectors per epoch' }),
  discriminatorSteps: param.int({ default: 1, min: 1, description: 'discriminator passes over all vectors per epoch' }),
  batchSize: param.int({ default: 64, min: 1, description: 'vectors per mini-batch' }),
  learningRate: param.float({ default: 0.001, min: 0, exclusiveMin: true, description: 'Adam step size of both networks (0.0001 in the paper, over 1000 epochs)' }),
  zrRatio: param.float({ default: 0.7, min: 0, max: 1, description: 'share of unpurchased entries whose generated value is pushed to 0 each epoch (S_ZR, zero-reconstruction)' }),
  zrWeight: param.float({ default: 0.5, min: 0, description: 'weight alpha of the zero-reconstruction penalty (0 = no ZR; 0.03 in the paper)' }),
  pmRatio: param.float({ default: 0.7, min: 0, max: 1, description: 'share of unpurchased entries the discriminator also sees each epoch (S_PM, partial masking; 0 = no PM)' }),
  l2: param.float({ default: 0.001, min: 0, description: "penalty l2 · ½‖θ‖² on the generator's weights and biases (reg_G)" }),
  seed: param.int({ default: 42, description: 'seed of initialisation and sampling (fit({ seed }) overrides it)' }),
})

/** The configuration of {@link CFGAN}: see {@link CFGAN_PARAMS}. */
export type CFGANConfig = ConfigOf<typeof CFGAN_PARAMS>

/** The rows of `data` as columns: for each item, the users who interacted with it, in user order. Not part of the package's exports (bench/curve.ts uses it). */
export function byItem(data: { readonly indptr: Int32Array; readonly indices: Int32Array }, users: number, items: number): BinaryRows {
  const indptr = new Int32Array(items + 1)
  const nnz = data.indptr[users]!
  for (let k = 0; k < nnz; k++) indptr[data.indices[k]! + 1]!++
  for (let i = 0; i < items; i++) indptr[i + 1]! += indptr[i]!
  const fill = indptr.slice(0, items)
  const indices = new Int32Array(nnz)
  for (let u = 0; u < users; u++) for (let k = data.indptr[u]!; k < data.indptr[u + 1]!; k++) indices[fill[data.indices[k]!]!++] = u
  return { indptr, indices }
}

/**
 * CFGAN (Chae et al. 2018, "CFGAN: A Generic Collaborative Filtering Framework based on Generative
 * Adversarial Networks"), as the authors' code trains it. The generator maps a binary purchase
 * vector to a real-valued vector of the same length (one hidden layer, linear output, no noise);
 * the discriminator, conditioned on the same vector, tells real vectors from generated ones. With
 * `mode: 'item'` (iCFGAN) the vectors are items over users, with `mode: 'user'` (uCFGAN) users
 * over items. Every epoch draws a `zrRatio` share of each vector's unpurchased entries, whose
 * generated values are pushed towards 0 with weight `zrWeight` (zero-reconstruction), and a
 * `pmRatio` share that the discriminator sees besides the purchased entries (partial masking);
 * the samples stay fixed for the epoch's `discriminatorSteps` and `generatorSteps` passes. The
 * generator's output ranks items. Products with the binary vectors are sparse sums of weight rows;
 * the dense products run on TensorFlow.js; both networks train with `@recforge/compute`'s Adam.
 *
 * @example
 * ```ts
 * const model = new CFGAN({ mode: 'item', hidden: 100, epochs: 80 })
 * await model.fit(train, { seed: 42, onProgress: (e) => console.log(e.metrics) })
 * model.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for options out of range or a loss that stops being
 * finite; EMPTY_INPUT for empty data; NOT_FITTED / UNKNOWN_ID when scoring; ABORTED when the
 * signal fires.
 */
export class CFGAN extends GANRecommender<CFGANConfig, 'w1' | 'b1' | 'w2' | 'b2'> {
  static override readonly params = CFGAN_PARAMS
  readonly name = 'cfgan'
  /** Format 2 adds item vectors and the sigmoid activation; format 1 (user vectors, ReLU) still loads. */
  static override readonly formatVersion = 2
  /** Item mode: every item's hidden code (items × hidden) and W2 by user (users × hidden), built when first scored. */
  private itemCodes: { readonly hidden: Float32Array; readonly byUser: Float32Array } | undefined

  /** Format 1 trained user vectors with ReLU hidden layers of one size and one pass of each network per epoch. */
  static override upgradeConfig(config: Readonly<Record<string, unknown>>, version: number): Record<string, unknown> {
    if (version >= 2) return { ...config }
    return { mode: 'user', activation: 'relu', discriminatorHidden: config.hidden, generatorSteps: 1, discriminatorSteps: 1, ...config }
  }

  protected async train(data: Interactions, opts: FitOptions, rng: Random): Promise<void> {
    const cfg = this.config
    const nU = data.users.size
    const nI = data.items.size
    const item = cfg.mode === 'item'
    const vectors: BinaryRows = item ? byItem(data, nU, nI) : { indptr: data.indptr, indices: data.indices }
    const count = item ? nI : nU
    const cols = item ? nU : nI
    const net = new CfganNet({ cols, hidden: cfg.hidden, discriminatorHidden: cfg.discriminatorHidden, activation: cfg.activation }, tfProduct)
    net.init(rng)
    const adamG = new Adam(net.g, { learningRate: cfg.learningRate })
    const adamD = new Adam(net.d, { learningRate: cfg.learningRate })
    const batcher = new Batcher({ size: count, batchSize: cfg.batchSize, rng })
    const pmBuf = new Float32Array(Math.min(cfg.batchSize, count) * cols)
    const zrBuf = new Float32Array(pmBuf.length)
    this.itemCodes = undefined
    const publish = (): void => {
      const G = net.layout.g
      const h = cfg.hidden
      this.weights = {
        w1: net.g.slice(G.w1, G.w1 + cols * h),
        b1: net.g.slice(G.b1, G.b1 + h),
        w2: net.g.slice(G.w2, G.w2 + h * cols),
        b2: net.g.slice(G.b2, G.b2 + cols),
      }
      this.itemCodes = undefined
    }
    const pass = async (run: (rows: Int32Array, pm: Float32Array, zr: Float32Array) => number): Promise<number> => {
      let sum = 0
      let batches = 0
      for (const rows of batcher.epoch()) {
        throwIfAborted(opts.signal, `${this.name} fit`)
        sum += run(rows, pmBuf.subarray(0, rows.length * cols), zrBuf.subarray(0, rows.length * cols))
        batches++
      }
      // lets an abort from a timer or another task be seen between passes
      await new Promise((r) => setTimeout(r, 0))
      return sum / batches
    }
    await trainEpochs({
      epochs: cfg.epochs,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      afterEpoch: (epoch, figures) => this.epochDone(data, opts, epoch + 1, cfg.epochs, figures, publish),
      runEpoch: async (epoch) => {
        const pm = { ratio: cfg.pmRatio, seed: rng.uint32() }
        const zr = { ratio: cfg.zrRatio, seed: rng.uint32() }
        let discriminatorLoss = 0
        for (let s = 0; s < cfg.discriminatorSteps; s++) {
          discriminatorLoss += await pass((rows, pmOut) => {
            fillMasks(vectors, rows, cols, { ...pm, out: pmOut })
            const loss = net.discriminatorStep(vectors, rows, pmOut)
            adamD.step()
            adamD.update(net.d, net.dGrad, 0, 0, net.d.length)
            return loss
          })
        }
        let generatorLoss = 0
        for (let s = 0; s < cfg.generatorSteps; s++) {
          generatorLoss += await pass((rows, pmOut, zrOut) => {
            fillMasks(vectors, rows, cols, { ...pm, out: pmOut }, { ...zr, out: zrOut })
            const loss = net.generatorStep(vectors, rows, pmOut, zrOut, cfg.zrWeight, cfg.l2)
            adamG.step()
            adamG.update(net.g, net.gGrad, 0, 0, net.g.length)
            return loss
          })
        }
        const figures = { generatorLoss: generatorLoss / cfg.generatorSteps, discriminatorLoss: discriminatorLoss / cfg.discriminatorSteps }
        for (const [key, value] of Object.entries(figures)) {
          if (!Number.isFinite(value)) throw new RecForgeError('INVALID_ARGUMENT', `${this.name}: ${key} became ${value} at epoch ${epoch + 1}; lower learningRate (now ${cfg.learningRate})`)
        }
        return figures
      },
    })
    publish()
  }

  protected override restoreState(a: ModelArtifacts): void {
    super.restoreState(a)
    this.itemCodes = undefined
  }

  /** Item mode: each item's hidden code from the users who interacted with it in training, and W2 by user. */
  private codes(): { readonly hidden: Float32Array; readonly byUser: Float32Array } {
    if (this.itemCodes) return this.itemCodes
    const s = this.requireFitted()
    const { w1, b1, w2 } = this.weights!
    const h = b1.length
    const nU = s.users.size
    const nI = s.items.size
    const cols = byItem(s, nU, nI)
    const hidden = new Float32Array(nI * h)
    for (let i = 0; i < nI; i++) {
      const o = i * h
      hidden.set(b1, o)
      for (let q = cols.indptr[i]!; q < cols.indptr[i + 1]!; q++) {
        const row = cols.indices[q]! * h
        for (let j = 0; j < h; j++) hidden[o + j]! += w1[row + j]!
      }
    }
    activate(hidden, this.config.activation)
    const byUser = new Float32Array(nU * h)
    for (let j = 0; j < h; j++) for (let u = 0; u < nU; u++) byUser[u * h + j] = w2[j * nU + u]!
    this.itemCodes = { hidden, byUser }
    return this.itemCodes
  }

  /**
   * Generator outputs, in plain typed arrays. User mode: `act(b1 + Σ W1 rows of the user's items) · W2 + b2`.
   * Item mode: for each item, entry `user` of the generated vector, `code(item) · W2[:, user] + b2[user]`.
   */
  protected scoreAll(user: number, out: Float32Array): void {
    const s = this.requireFitted()
    const { w1, b1, w2, b2 } = this.weights!
    const h = b1.length
    if (this.config.mode === 'item') {
      const { hidden, byUser } = this.codes()
      const q = user * h
      const bias = b2[user]!
      for (let i = 0; i < out.length; i++) out[i] = bias + dot(hidden, i * h, byUser, q, h)
      return
    }
    const n = out.length
    const hid = Float32Array.from(b1)
    for (let k = s.indptr[user]!; k < s.indptr[user + 1]!; k++) {
      const row = s.indices[k]! * h
      for (let j = 0; j < h; j++) hid[j]! += w1[row + j]!
    }
    activate(hid, this.config.activation)
    out.set(b2)
    for (let j = 0; j < h; j++) {
      const a = hid[j]!
      if (a === 0) continue
      const row = j * n
      for (let i = 0; i < n; i++) out[i]! += a * w2[row + i]!
    }
  }

  protected weightSizes(): Record<'w1' | 'b1' | 'w2' | 'b2', number> {
    const cols = this.config.mode === 'item' ? this.numUsers : this.numItems
    const h = this.config.hidden
    return { w1: cols * h, b1: h, w2: h * cols, b2: cols }
  }
}
