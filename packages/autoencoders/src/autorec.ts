import {
  BaseRecommender,
  Random,
  RecForgeError,
  defineParams,
  nnz,
  param,
  requireTensor,
  throwIfAborted,
  transpose,
  validateInteractions,
  type ConfigOf,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
  type ModelState,
  type ItemMajor,
} from '@recforge/core'
import { Adam, glorotUniform } from '@recforge/compute'
import { autoRecLayout, autoRecOutput, autoRecWork, itemCodes, itemLossAndGrad, penaltyGrad, type AutoRecShape } from './internal/autorecNet'

/** The parameters of {@link AutoRec} (the `autorec` model). */
export const AUTOREC_PARAMS = defineParams({
  hidden: param.int({ default: 500, min: 1, description: 'hidden units k' }),
  epochs: param.int({ default: 40, min: 0, description: 'passes over the items' }),
  batchSize: param.int({ default: 256, min: 1, description: 'items per Adam step' }),
  learningRate: param.float({ default: 0.0003, min: 0, exclusiveMin: true, description: 'Adam step size' }),
  l2: param.float({ default: 30, min: 0, description: 'lambda: penalty (lambda / 2)(‖W‖² + ‖V‖²) per pass over the items' }),
  hiddenActivation: param.enumOf({ values: ['sigmoid', 'identity'], default: 'sigmoid', description: 'activation g of the hidden layer' }),
  outputActivation: param.enumOf({ values: ['identity', 'sigmoid'], default: 'identity', description: 'activation f of the output (sigmoid is scaled to the range of the training values the network sees: the ratings, or the centred ratings)' }),
  clip: param.bool({ default: true, description: 'clip predictions to the training rating range' }),
  centre: param.enumOf({ values: ['none', 'baseline'], default: 'baseline', description: 'none: the network sees the ratings; baseline: it sees and predicts each rating minus the damped baseline global mean + user bias + item bias, which is added back' }),
  centreDamping: param.float({ default: 10, min: 0, description: 'damping of the baseline biases of centre=baseline: a bias is the sum of residuals over (count + centreDamping)' }),
  seed: param.int({ default: 42, description: 'seed of initialisation and item order' }),
})

/** The configuration of {@link AutoRec}: see {@link AUTOREC_PARAMS}. */
export type AutoRecConfig = ConfigOf<typeof AUTOREC_PARAMS>

/** Per-epoch figures of the last {@link AutoRec.fit}. */
export interface AutoRecFitReport {
  /** Wall seconds of each epoch. */
  readonly epochSeconds: readonly number[]
  /** Training RMSE over the observed ratings of each epoch (before the epoch's last steps). */
  readonly rmse: readonly number[]
}

/** Lowest and highest of `values`. */
function valueRange(values: Float32Array): Float32Array {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (let q = 0; q < values.length; q++) {
    lo = Math.min(lo, values[q]!)
    hi = Math.max(hi, values[q]!)
  }
  return Float32Array.of(lo, hi)
}

/** Each user's mean training rating; the global mean for users without ratings. */
function userMeans(data: Interactions): Float32Array {
  const nu = data.users.size
  const means = new Float32Array(nu)
  let total = 0
  for (let q = 0; q < nnz(data); q++) total += data.values[q]!
  const global = total / Math.max(1, nnz(data))
  for (let u = 0; u < nu; u++) {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    let sum = 0
    for (let q = a; q < b; q++) sum += data.values[q]!
    means[u] = b > a ? sum / (b - a) : global
  }
  return means
}

/**
 * The damped baseline of `data`: for each item, the global mean plus its bias Σ(r − mean) / (n_i + damping);
 * for each user, the bias Σ(r − mean − item bias) / (n_u + damping). A baseline prediction is
 * `items[i] + users[u]`.
 */
function baseline(data: Interactions, byItem: ItemMajor, damping: number): { users: Float32Array; items: Float32Array } {
  const nu = data.users.size
  const ni = data.items.size
  let total = 0
  for (let q = 0; q < nnz(data); q++) total += data.values[q]!
  const global = total / Math.max(1, nnz(data))
  const items = new Float32Array(ni)
  for (let i = 0; i < ni; i++) {
    const a = byItem.indptr[i]!
    const b = byItem.indptr[i + 1]!
    let sum = 0
    for (let q = a; q < b; q++) sum += byItem.values[q]! - global
    items[i] = global + (b - a + damping > 0 ? sum / (b - a + damping) : 0)
  }
  const users = new Float32Array(nu)
  for (let u = 0; u < nu; u++) {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    let sum = 0
    for (let q = a; q < b; q++) sum += data.values[q]! - items[data.indices[q]!]!
    users[u] = b - a + damping > 0 ? sum / (b - a + damping) : 0
  }
  return { users, items }
}

/**
 * I-AutoRec (Sedhain et al. 2015, "AutoRec: Autoencoders Meet Collaborative Filtering"): each
 * item's partially observed vector of ratings by the users is encoded to `hidden` units,
 * h = g(V r + μ), and decoded back, r̂ = f(W h + b); the loss is the squared error on the observed
 * ratings only, plus (λ/2)(‖W‖² + ‖V‖²). With the paper's best choice (sigmoid hidden layer,
 * identity output) a prediction is W_u · h_i + b_u, where h_i is item i's code from its training
 * ratings. Trained by Adam on mini-batches of items (the paper used full-batch resilient
 * propagation); the encoder and decoder only ever touch observed entries, so an epoch costs
 * O(ratings × hidden). With `centre: 'baseline'` the network encodes and reconstructs each
 * rating minus a damped baseline (global mean + user bias + item bias), so an unobserved input of
 * 0 means "as the baseline expects" rather than a rating of 0, and the baseline is added back to
 * each prediction.
 *
 * @example
 * ```ts
 * const autorec = new AutoRec({ hidden: 500, l2: 1 })
 * await autorec.fit(ratings)
 * autorec.score(0, Int32Array.of(10, 20)) // predicted ratings
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an out-of-range or unknown option.
 */
export class AutoRec extends BaseRecommender<AutoRecConfig, AutoRecFitReport> {
  static override readonly params = AUTOREC_PARAMS
  readonly name = 'autorec'
  private params: Float32Array | undefined
  private codes: Float32Array | undefined
  private range: Float32Array | undefined
  /** Lowest and highest value the network was trained on (the rating range unless centred): what a sigmoid output is scaled to. */
  private netRange: Float32Array | undefined
  /** The baseline added to the network's output, users[u] + items[i] (zeros unless centred). */
  private offsets: { users: Float32Array; items: Float32Array } | undefined
  /** Each user's mean training rating (the global mean for a user without any): the prediction for items without training ratings. */
  private fallback: Float32Array | undefined
  /** 1 for items with at least one training rating, built from the seen items when first scored. */
  private rated: Uint8Array | undefined

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    validateInteractions(data)
    const { hidden: k, epochs, batchSize, learningRate, l2 } = this.config
    const nu = data.users.size
    const ni = data.items.size
    const ratings = transpose(data)
    const range = valueRange(ratings.values)
    const fallback = userMeans(data)
    const offsets = this.config.centre === 'baseline' ? baseline(data, ratings, this.config.centreDamping) : { users: new Float32Array(nu), items: new Float32Array(ni) }
    let byItem = ratings
    if (this.config.centre !== 'none') {
      const values = new Float32Array(ratings.values.length)
      for (let i = 0; i < ni; i++) {
        for (let q = ratings.indptr[i]!; q < ratings.indptr[i + 1]!; q++) values[q] = ratings.values[q]! - offsets.items[i]! - offsets.users[ratings.indices[q]!]!
      }
      byItem = { indptr: ratings.indptr, indices: ratings.indices, values }
    }
    const netRange = valueRange(byItem.values)
    const L = autoRecLayout(nu, k)
    const shape = this.shape(netRange)
    const rng = new Random(opts.seed ?? this.config.seed)
    const p = new Float32Array(L.size)
    glorotUniform(p, nu, k, rng, L.v, nu * k)
    glorotUniform(p, k, nu, rng, L.w, nu * k)
    const g = new Float32Array(L.size)
    const adam = new Adam(p, { learningRate })
    const active: number[] = []
    for (let i = 0; i < ni; i++) if (byItem.indptr[i + 1]! > byItem.indptr[i]!) active.push(i)
    const order = Int32Array.from(active)
    const work = autoRecWork(k)
    const epochSeconds: number[] = []
    const rmse: number[] = []
    const publish = (params: Float32Array): void => {
      this.params = params
      this.range = range
      this.netRange = netRange
      this.offsets = this.config.centre === 'none' ? undefined : offsets
      this.fallback = fallback
      this.rated = undefined
      this.codes = itemCodes(params, L, byItem, ni, shape)
      this.fitReport = { epochSeconds: epochSeconds.slice(), rmse: rmse.slice() }
    }
    for (let ep = 0; ep < epochs; ep++) {
      const t0 = performance.now()
      rng.shuffle(order)
      let sse = 0
      let count = 0
      for (let start = 0; start < order.length; start += batchSize) {
        throwIfAborted(opts.signal, 'AutoRec fit')
        const end = Math.min(order.length, start + batchSize)
        g.fill(0)
        for (let t = start; t < end; t++) {
          const i = order[t]!
          sse += itemLossAndGrad(p, g, L, byItem, i, shape, work)
          count += byItem.indptr[i + 1]! - byItem.indptr[i]!
        }
        // this batch's share of the epoch's penalty (λ/2)(‖W‖² + ‖V‖²)
        penaltyGrad(p, g, L, l2, (end - start) / order.length)
        adam.step()
        adam.update(p, g, 0, 0, p.length)
      }
      const seconds = (performance.now() - t0) / 1000
      epochSeconds.push(seconds)
      rmse.push(Math.sqrt(sse / Math.max(1, count)))
      const metrics = { rmse: rmse[ep]!, seconds }
      opts.onProgress?.({ stage: 'epoch', current: ep + 1, total: epochs, metrics })
      await this.epochDone(data, opts, ep + 1, epochs, metrics, () => publish(p.slice()))
      // let timers and abort signals through between epochs
      await new Promise<void>((resolve) => setTimeout(resolve, 0))
    }
    publish(p)
  }

  private shape(range: Float32Array): AutoRecShape {
    return { hidden: this.config.hiddenActivation, output: this.config.outputActivation, range }
  }

  /** 1 for each item with a training rating (from the seen items, so loaded models have it too). */
  private ratedItems(): Uint8Array {
    if (this.rated) return this.rated
    const s = this.requireFitted()
    const rated = new Uint8Array(this.numItems)
    for (let q = 0; q < s.indices.length; q++) rated[s.indices[q]!] = 1
    this.rated = rated
    return rated
  }

  /**
   * Predictions: the network's for items with training ratings; the user's mean training rating
   * for an item without any (its code would come from an empty input the network never saw), and
   * for every item of a user without training ratings (whose decoder row never trained), the
   * global mean. Models saved without the means keep the network's output everywhere.
   */
  protected scoreAll(user: number, out: Float32Array): void {
    const p = this.params!
    const fallback = this.fallback
    const rated = fallback ? this.ratedItems() : undefined
    const seen = this.requireFitted()
    if (fallback && seen.indptr[user + 1] === seen.indptr[user]) {
      out.fill(fallback[user]!)
      return
    }
    const k = this.config.hidden
    const L = autoRecLayout(this.numUsers, k)
    const shape = this.shape(this.netRange ?? this.range!)
    const codes = this.codes!
    const range = this.range!
    const offsets = this.offsets
    const wo = L.w + user * k
    const bias = p[L.b + user]!
    for (let i = 0; i < out.length; i++) {
      if (rated && rated[i] === 0) {
        out[i] = fallback![user]!
        continue
      }
      let s = bias
      const co = i * k
      for (let j = 0; j < k; j++) s += p[wo + j]! * codes[co + j]!
      let pred = autoRecOutput(s, shape)
      if (offsets) pred += offsets.users[user]! + offsets.items[i]!
      if (this.config.clip) pred = Math.min(range[1]!, Math.max(range[0]!, pred))
      out[i] = pred
    }
  }

  protected override saveState(): ModelState {
    const tensors: Record<string, Float32Array> = { params: this.params!, codes: this.codes!, ratingRange: this.range!, userMeans: this.fallback! }
    if (this.config.centre !== 'none') {
      tensors.userOffsets = this.offsets!.users
      tensors.itemOffsets = this.offsets!.items
      tensors.outputRange = this.netRange!
    }
    return { tensors }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const L = autoRecLayout(this.numUsers, this.config.hidden)
    const params = requireTensor(a, 'params', Float32Array)
    const codes = requireTensor(a, 'codes', Float32Array)
    const range = requireTensor(a, 'ratingRange', Float32Array)
    if (params.length !== L.size) throw new RecForgeError('PARSE_ERROR', `autorec artifacts: params has ${params.length} values; ${this.numUsers} users with ${L.k} hidden units need ${L.size}`)
    if (codes.length !== this.numItems * L.k) throw new RecForgeError('PARSE_ERROR', `autorec artifacts: codes has ${codes.length} values; expected ${this.numItems} items × ${L.k}`)
    if (range.length !== 2) throw new RecForgeError('PARSE_ERROR', `autorec artifacts: ratingRange has ${range.length} values; expected 2 (lowest and highest training rating)`)
    // files from before the fallback have no userMeans: they score as they did
    const means = a.tensors.userMeans === undefined ? undefined : requireTensor(a, 'userMeans', Float32Array)
    if (means && means.length !== this.numUsers) throw new RecForgeError('PARSE_ERROR', `autorec artifacts: userMeans has ${means.length} values; expected one per user (${this.numUsers})`)
    let offsets: { users: Float32Array; items: Float32Array } | undefined
    let netRange = range
    // files from before centring have no offsets: they score as they did
    if (a.tensors.userOffsets !== undefined) {
      const users = requireTensor(a, 'userOffsets', Float32Array)
      const items = requireTensor(a, 'itemOffsets', Float32Array)
      netRange = requireTensor(a, 'outputRange', Float32Array)
      if (users.length !== this.numUsers) throw new RecForgeError('PARSE_ERROR', `autorec artifacts: userOffsets has ${users.length} values; expected one per user (${this.numUsers})`)
      if (items.length !== this.numItems) throw new RecForgeError('PARSE_ERROR', `autorec artifacts: itemOffsets has ${items.length} values; expected one per item (${this.numItems})`)
      if (netRange.length !== 2) throw new RecForgeError('PARSE_ERROR', `autorec artifacts: outputRange has ${netRange.length} values; expected 2 (lowest and highest centred training rating)`)
      offsets = { users, items }
    }
    this.params = params
    this.codes = codes
    this.range = range
    this.netRange = netRange
    this.offsets = offsets
    this.fallback = means
    this.rated = undefined
  }
}
