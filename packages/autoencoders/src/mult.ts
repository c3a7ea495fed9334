import {
  BaseRecommender,
  Random,
  RecForgeError,
  defineParams,
  param,
  requireTensor,
  throwIfAborted,
  validateInteractions,
  type ConfigOf,
  type FitOptions,
  type IncrementalRecommender,
  type Interactions,
  type ModelArtifacts,
  type ModelState,
  type RecommendOptions,
  type ScoredItems,
} from '@recforge/core'
import { Adam } from '@recforge/compute'
import { gemmFor, jsGemm } from './internal/gemm'
import { MultNet, largestProduct, multLayout, type MultLayout, type SparseRows } from './internal/multNet'

const common = {
  epochs: param.int({ default: 100, min: 0, description: 'passes over the training users' }),
  batchSize: param.int({ default: 500, min: 1, description: 'users per Adam step' }),
  learningRate: param.float({ default: 0.001, min: 0, exclusiveMin: true, description: 'Adam step size' }),
  dropout: param.float({ default: 0.5, min: 0, max: 1, exclusiveMax: true, description: 'share of input entries dropped in training (the rest scaled by 1/(1 - dropout))' }),
  seed: param.int({ default: 42, description: 'seed of initialisation, batch order, dropout and noise' }),
}

/** The parameters of {@link MultVAE} (the `multvae` model). */
export const MULTVAE_PARAMS = defineParams({
  layers: param.ints({ default: [200], min: 1, description: 'encoder sizes after the input, the last being the latent size (the decoder mirrors them); the paper has 600,200' }),
  ...common,
  batchSize: param.int({ default: 100, min: 1, description: 'users per Adam step (the paper has 500)' }),
  annealCap: param.float({ default: 0.2, min: 0, description: 'largest weight beta of the KL term' }),
  annealSteps: param.int({ default: 2000, min: 1, description: 'Adam steps over which beta grows linearly from 0 to 1 (it stops at annealCap); the paper has 200000' }),
  l2: param.float({ default: 0, min: 0, description: 'penalty on the sum of squared weights' }),
})

/** The parameters of {@link MultDAE} (the `multdae` model). */
export const MULTDAE_PARAMS = defineParams({
  layers: param.ints({ default: [200], min: 1, description: 'encoder sizes after the input, the last being the code size (the decoder mirrors them)' }),
  ...common,
  l2: param.float({ default: 0.00002, min: 0, description: 'penalty on the sum of squared weights' }),
})

/** The configuration of {@link MultVAE}: see {@link MULTVAE_PARAMS}. */
export type MultVAEConfig = ConfigOf<typeof MULTVAE_PARAMS>
/** The configuration of {@link MultDAE}: see {@link MULTDAE_PARAMS}. */
export type MultDAEConfig = ConfigOf<typeof MULTDAE_PARAMS>

type MultConfig = MultDAEConfig & Partial<Pick<MultVAEConfig, 'annealCap' | 'annealSteps'>>

/**
 * The weight β of the KL term at Adam step `step` (counted from 0) under the paper's schedule:
 * `min(cap, step / steps)`, linear from 0 and held at `cap`.
 *
 * @example
 * ```ts
 * klWeight(50_000, 0.2, 200_000) // 0.2 (the cap); 10_000 gives 0.05
 * ```
 */
export function klWeight(step: number, cap: number, steps: number): number {
  return Math.min(cap, step / steps)
}

/** Per-epoch figures of the last fit of a {@link MultVAE} or {@link MultDAE}. */
export interface MultFitReport {
  /** Wall seconds of each epoch. */
  readonly epochSeconds: readonly number[]
  /** Mean loss (negative log-likelihood + β KL + penalty) of each epoch's batches. */
  readonly losses: readonly number[]
  /** β at the end of each epoch (0 for the DAE). */
  readonly betas: readonly number[]
  /** Where the dense products ran: `typescript`, or the TensorFlow.js backend. */
  readonly backend: string
}

/** The distinct items of each row of `data`, sorted. */
function binaryRows(data: Interactions): SparseRows {
  const nu = data.users.size
  const indptr = new Int32Array(nu + 1)
  const indices = new Int32Array(data.indptr[nu]!)
  let w = 0
  for (let u = 0; u < nu; u++) {
    const row = data.indices.slice(data.indptr[u]!, data.indptr[u + 1]!).sort()
    for (let j = 0; j < row.length; j++) if (j === 0 || row[j] !== row[j - 1]) indices[w++] = row[j]!
    indptr[u + 1] = w
  }
  return { rows: nu, indptr, indices: indices.slice(0, w) }
}

/** The rows `users[from .. to)` of `x` as their own {@link SparseRows}. */
function pickRows(x: SparseRows, users: Int32Array, from: number, to: number): SparseRows {
  const indptr = new Int32Array(to - from + 1)
  let total = 0
  for (let t = from; t < to; t++) total += x.indptr[users[t]! + 1]! - x.indptr[users[t]!]!
  const indices = new Int32Array(total)
  let w = 0
  for (let t = from; t < to; t++) {
    const u = users[t]!
    indices.set(x.indices.subarray(x.indptr[u]!, x.indptr[u + 1]!), w)
    w += x.indptr[u + 1]! - x.indptr[u]!
    indptr[t - from + 1] = w
  }
  return { rows: to - from, indptr, indices }
}

/**
 * The shared body of {@link MultVAE} and {@link MultDAE}: training with Adam on shuffled user
 * batches, a code per training user, scoring by decoding it, and fold-in of new histories.
 */
abstract class MultAutoencoder<C extends MultConfig> extends BaseRecommender<C, MultFitReport> implements IncrementalRecommender {
  protected abstract readonly variational: boolean
  private net: MultNet | undefined
  private codes: Float32Array | undefined

  private layout(items: number): MultLayout {
    return multLayout(items, this.config.layers, this.variational)
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    validateInteractions(data)
    const { epochs, batchSize, learningRate, dropout, l2 } = this.config
    const cap = this.config.annealCap ?? 0
    const steps = this.config.annealSteps ?? 1
    const x = binaryRows(data)
    const layout = this.layout(data.items.size)
    const { gemm, backend } = await gemmFor(largestProduct(layout, Math.min(batchSize, x.rows)))
    const rng = new Random(opts.seed ?? this.config.seed)
    const net = new MultNet(layout, gemm)
    net.init(rng)
    const adam = new Adam(net.params, { learningRate })
    const active: number[] = []
    for (let u = 0; u < x.rows; u++) if (x.indptr[u + 1]! > x.indptr[u]!) active.push(u)
    const order = Int32Array.from(active)
    const epochSeconds: number[] = []
    const losses: number[] = []
    const betas: number[] = []
    let step = 0
    let beta = 0
    const all = Int32Array.from({ length: x.rows }, (_, u) => u)
    const publish = (params: Float32Array): void => {
      const codes = new Float32Array(x.rows * layout.latent)
      for (let start = 0; start < x.rows; start += batchSize) {
        const end = Math.min(x.rows, start + batchSize)
        codes.set(net.encode(pickRows(x, all, start, end)), start * layout.latent)
      }
      // scoring and fold-in decode one user at a time in TypeScript
      this.net = new MultNet(layout, jsGemm, params)
      this.codes = codes
      this.fitReport = { epochSeconds: epochSeconds.slice(), losses: losses.slice(), betas: betas.slice(), backend }
    }
    for (let ep = 0; ep < epochs; ep++) {
      const t0 = performance.now()
      rng.shuffle(order)
      let lossSum = 0
      let batches = 0
      for (let start = 0; start < order.length; start += batchSize) {
        throwIfAborted(opts.signal, `${this.name} fit`)
        beta = this.variational ? klWeight(step, cap, steps) : 0
        const batch = pickRows(x, order, start, Math.min(order.length, start + batchSize))
        lossSum += net.lossAndGrad(batch, { beta, dropout, l2, rng }).loss
        adam.step()
        adam.update(net.params, net.grads, 0, 0, net.params.length)
        step++
        batches++
      }
      const seconds = (performance.now() - t0) / 1000
      epochSeconds.push(seconds)
      losses.push(lossSum / Math.max(1, batches))
      betas.push(beta)
      const metrics = { loss: losses[ep]!, beta, seconds }
      opts.onProgress?.({ stage: 'epoch', current: ep + 1, total: epochs, metrics })
      await this.epochDone(data, opts, ep + 1, epochs, metrics, () => publish(net.params.slice()))
      // let timers and abort signals through between epochs
      await new Promise<void>((resolve) => setTimeout(resolve, 0))
    }
    publish(net.params)
  }

  protected scoreAll(user: number, out: Float32Array): void {
    this.net!.decodeInto(this.codes!, user * this.net!.layout.latent, out)
  }

  /**
   * The code of a training user, computed at the end of fit from their training history: the
   * posterior mean of the latent variable in the VAE, the bottleneck activations in the DAE.
   *
   * @throws RecForgeError UNKNOWN_ID for a user outside the training vocabulary; NOT_FITTED before `fit`.
   */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const L = this.net!.layout.latent
    return this.codes!.slice(user * L, (user + 1) * L)
  }

  /**
   * The code of a history that was not seen in training (fold-in): the encoder applied to the
   * items, without dropout. For a training user's own history it equals {@link userVector}.
   *
   * @example
   * ```ts
   * const z = vae.foldIn(Int32Array.of(3, 17, 40))
   * ```
   * @throws RecForgeError UNKNOWN_ID for an item outside the catalogue; NOT_FITTED before `fit`.
   */
  foldIn(items: Int32Array): Float32Array {
    this.requireFitted()
    this.checkItems(items)
    const row = Int32Array.from(new Set(items)).sort()
    return this.net!.encode({ rows: 1, indptr: Int32Array.of(0, row.length), indices: row })
  }

  /**
   * Recommends for a user unseen in training from their history alone (fold-in, no retraining):
   * the history is encoded, decoded to a score per item, and the given items are left out.
   * Values are ignored: the model sees which items were interacted with, as in training.
   *
   * @example
   * ```ts
   * vae.recommendNewUser(Int32Array.of(3, 17, 40), undefined, { k: 10 })
   * ```
   * @throws RecForgeError UNKNOWN_ID for an item outside the catalogue; NOT_FITTED before `fit`;
   *   INVALID_ARGUMENT for a bad `k`.
   */
  recommendNewUser(items: Int32Array, _values: Float32Array | undefined, opts: RecommendOptions = {}): ScoredItems {
    const code = this.foldIn(items)
    const all = new Float32Array(this.numItems)
    this.net!.decodeInto(code, 0, all)
    return this.rankNewUser(all, items, opts)
  }

  protected override saveState(): ModelState {
    return { tensors: { params: this.net!.params, codes: this.codes! } }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const layout = this.layout(this.numItems)
    const params = requireTensor(a, 'params', Float32Array)
    const codes = requireTensor(a, 'codes', Float32Array)
    if (params.length !== layout.size) {
      throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: params has ${params.length} values; layers ${this.config.layers.join(',')} over ${this.numItems} items need ${layout.size}`)
    }
    if (codes.length !== this.numUsers * layout.latent) {
      throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: codes has ${codes.length} values; expected ${this.numUsers} users × ${layout.latent}`)
    }
    this.net = new MultNet(layout, jsGemm, params)
    this.codes = codes
  }
}

/**
 * Mult-VAE (Liang et al. 2018, "Variational Autoencoders for Collaborative Filtering"): a
 * variational autoencoder over each user's binary history with a multinomial likelihood, the KL
 * term annealed as in the paper (β = min(annealCap, step / annealSteps)), dropout on the
 * L2-normalised input and tanh layers ([items → 600 → 200] encoder by default). A user's score
 * is the decoder's output at their posterior mean; users unseen in training are folded in from
 * their history alone ({@link MultVAE.recommendNewUser}).
 *
 * @example
 * ```ts
 * const vae = new MultVAE({ epochs: 100 })
 * await vae.fit(train)
 * vae.recommend(0, { k: 10 })
 * vae.recommendNewUser(Int32Array.of(3, 17), undefined, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an out-of-range or unknown option.
 */
export class MultVAE extends MultAutoencoder<MultConfig & MultVAEConfig> {
  static override readonly params = MULTVAE_PARAMS
  readonly name = 'multvae'
  protected readonly variational = true
}

/**
 * Mult-DAE (Liang et al. 2018): the denoising autoencoder of the same paper, with the
 * multinomial likelihood, dropout on the L2-normalised input, tanh layers ([items → 200] by
 * default) and an L2 penalty on the weights; fold-in of new users as {@link MultVAE}.
 *
 * @example
 * ```ts
 * const dae = new MultDAE()
 * await dae.fit(train)
 * dae.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an out-of-range or unknown option.
 */
export class MultDAE extends MultAutoencoder<MultDAEConfig> {
  static override readonly params = MULTDAE_PARAMS
  readonly name = 'multdae'
  protected readonly variational = false
}
