// The client side of federated MF: plain typed-array math with no Node built-ins, so it runs
// unchanged in a browser page or a worker on the user's device. The user's own fit is
// @recforge/mf's fold-in, the code MF runs for a new user in the browser.
import { RecForgeError } from '@recforge/core'
import { ratingFoldIn } from '@recforge/mf'

/** The server's part of a federated MF model, what a client downloads each round. */
export interface GlobalItemModel {
  readonly factors: number
  /** Global mean rating μ. */
  readonly mu: number
  /** One bias b_i per item. */
  readonly itemBias: Float64Array
  /** Item factors q_i, items × factors, row-major. */
  readonly itemFactors: Float64Array
}

/**
 * What a client sends back: a change of the global mean and of the rows of the items it rated
 * (nothing about other items, nor its own vector).
 */
export interface ClientUpdate {
  readonly mu: number
  readonly items: Int32Array
  /** `items.length × (factors + 1)`: per item, the change of its bias, then of its factors. */
  readonly deltas: Float64Array
}

/** The L2 norm of an update over all its coordinates (μ included). */
export function updateNorm(update: ClientUpdate): number {
  let s = update.mu * update.mu
  for (let j = 0; j < update.deltas.length; j++) s += update.deltas[j]! * update.deltas[j]!
  return Math.sqrt(s)
}

/**
 * The update scaled to L2 norm at most `clipNorm` (a new object; unchanged when already within).
 * Clipping bounds what one client can move the model by, which is what the server's noise hides.
 */
export function clipUpdate(update: ClientUpdate, clipNorm: number): ClientUpdate {
  const norm = updateNorm(update)
  if (norm <= clipNorm) return update
  const f = clipNorm / norm
  return { mu: update.mu * f, items: update.items, deltas: update.deltas.map((d) => d * f) }
}

/**
 * One user's device in federated MF (r̂ = μ + b_u + b_i + p_u · q_i). It keeps the user's
 * ratings and their own vector p_u and bias b_u, which never leave it; each round it refits
 * them against the downloaded item model by ridge regression (`@recforge/mf`'s `ratingFoldIn`,
 * the fold-in MF serves new users with), then computes the gradient step for the items it rated.
 *
 * @example
 * ```ts
 * const client = new FederatedClient(Int32Array.of(3, 7), Float32Array.of(5, 2), { factors: 8, l2: 0.1 })
 * client.fitUser(model)
 * const update = clipUpdate(client.computeUpdate(model, 0.5), 1) // sent to the server
 * ```
 */
export class FederatedClient {
  readonly items: Int32Array
  readonly ratings: Float32Array
  readonly factors: number
  private readonly l2: number
  /** p_u, then b_u. */
  private readonly x: Float64Array

  /**
   * `items` and `ratings` are the user's own data; `l2` is the ridge penalty of the user's vector and bias.
   *
   * @throws RecForgeError INVALID_ARGUMENT when items and ratings differ in length or a rating is not finite.
   */
  constructor(items: Int32Array, ratings: Float32Array, opts: { factors: number; l2: number }) {
    if (items.length !== ratings.length) throw new RecForgeError('INVALID_ARGUMENT', `a federated client has ${items.length} items but ${ratings.length} ratings`)
    for (let j = 0; j < ratings.length; j++) {
      if (!Number.isFinite(ratings[j]!)) throw new RecForgeError('INVALID_ARGUMENT', `a federated client's rating ${j} is ${ratings[j]}; ratings must be finite`)
    }
    this.items = items
    this.ratings = ratings
    this.factors = opts.factors
    this.l2 = opts.l2
    this.x = new Float64Array(opts.factors + 1)
  }

  /** The user's own factors p_u (a copy). */
  get userVector(): Float64Array {
    return this.x.slice(0, this.factors)
  }

  /** The user's own bias b_u. */
  get userBias(): number {
    return this.x[this.factors]!
  }

  /** z_i · v for the ith rated item, z_i = [q_i, 1]. */
  private zDot(model: GlobalItemModel, j: number, v: Float64Array): number {
    const k = this.factors
    const o = this.items[j]! * k
    let s = v[k]!
    for (let f = 0; f < k; f++) s += model.itemFactors[o + f]! * v[f]!
    return s
  }

  /**
   * Refits the user's vector and bias to their ratings with the item side fixed: the ridge
   * solution of Σ_i (r_i - μ - b_i - b_u - p_u·q_i)² + l2 (‖p_u‖² + b_u²). `ratingFoldIn`
   * scales its penalty by the number of ratings n, so it is given l2 / n.
   */
  fitUser(model: GlobalItemModel): void {
    const n = Math.max(1, this.items.length)
    const { p, bias } = ratingFoldIn({
      items: this.items,
      values: this.ratings,
      k: this.factors,
      itemFactors: model.itemFactors,
      itemBias: model.itemBias,
      globalMean: model.mu,
      l2: this.l2 / n,
      l2Bias: this.l2 / n,
      biased: true,
    })
    this.x.set(p)
    this.x[this.factors] = bias
  }

  /**
   * One gradient step of the user's squared error on the items they rated, with their fitted
   * vector: per item Δb_i = η e_i and Δq_i = η e_i p_u, e_i the prediction error; and Δμ = η ×
   * the mean of r_i - μ - b_i (how far the user's ratings sit from the global model). The items'
   * penalty is the server's (a data-independent weight decay). Call {@link FederatedClient.fitUser} first.
   */
  computeUpdate(model: GlobalItemModel, learningRate: number): ClientUpdate {
    const k = this.factors
    const n = this.items.length
    const { x } = this
    const deltas = new Float64Array(n * (k + 1))
    let meanDev = 0
    for (let j = 0; j < n; j++) {
      const i = this.items[j]!
      const dev = this.ratings[j]! - model.mu - model.itemBias[i]!
      meanDev += dev
      const e = dev - this.zDot(model, j, x)
      const o = j * (k + 1)
      deltas[o] = learningRate * e
      for (let f = 0; f < k; f++) deltas[o + 1 + f] = learningRate * e * x[f]!
    }
    return { mu: n > 0 ? (learningRate * meanDev) / n : 0, items: this.items, deltas }
  }

  /** Writes the user's predicted rating of every item into `out` (length = items in the model). */
  score(model: GlobalItemModel, out: Float32Array): void {
    const k = this.factors
    const base = model.mu + this.x[k]!
    for (let i = 0; i < out.length; i++) {
      let s = base + model.itemBias[i]!
      for (let f = 0; f < k; f++) s += model.itemFactors[i * k + f]! * this.x[f]!
      out[i] = s
    }
  }
}
