// The client side of federated MF: plain typed-array math with no Node built-ins (core's main
// entry is browser-safe), so it runs unchanged in a browser page or a worker on the user's device.
import { RecForgeError } from '@recforge/core'

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
 * them against the downloaded item model by ridge regression, then computes the gradient step
 * for the items it rated.
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
  private readonly x: Float64Array
  // conjugate-gradient work space: residual, direction, A·direction, targets
  private readonly r: Float64Array
  private readonly d: Float64Array
  private readonly ad: Float64Array
  private readonly y: Float64Array

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
    const k1 = opts.factors + 1
    this.x = new Float64Array(k1)
    this.r = new Float64Array(k1)
    this.d = new Float64Array(k1)
    this.ad = new Float64Array(k1)
    this.y = new Float64Array(items.length)
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

  /** out += w · z_i. */
  private addZ(model: GlobalItemModel, j: number, w: number, out: Float64Array): void {
    const k = this.factors
    const o = this.items[j]! * k
    for (let f = 0; f < k; f++) out[f]! += w * model.itemFactors[o + f]!
    out[k]! += w
  }

  /**
   * Refits the user's vector and bias to their ratings with the item side fixed: the ridge
   * solution of Σ_i (r_i - μ - b_i - b_u - p_u·q_i)² + l2 (‖p_u‖² + b_u²), by conjugate gradients
   * on the (factors + 1)-dimensional normal equations without forming them, warm-started from
   * the previous fit.
   */
  fitUser(model: GlobalItemModel): void {
    const k1 = this.factors + 1
    const n = this.items.length
    const { x, r, d, ad, y } = this
    for (let j = 0; j < n; j++) y[j] = this.ratings[j]! - model.mu - model.itemBias[this.items[j]!]!
    // r = Zᵀy - (ZᵀZ + l2 I) x
    r.fill(0)
    for (let j = 0; j < n; j++) this.addZ(model, j, y[j]! - this.zDot(model, j, x), r)
    for (let f = 0; f < k1; f++) r[f]! -= this.l2 * x[f]!
    d.set(r)
    let rr = 0
    let bb = 0
    for (let f = 0; f < k1; f++) rr += r[f]! * r[f]!
    for (let j = 0; j < n; j++) bb += y[j]! * y[j]!
    const tol = 1e-20 * Math.max(bb, 1)
    for (let it = 0; it < 2 * k1 && rr > tol; it++) {
      ad.fill(0)
      for (let j = 0; j < n; j++) this.addZ(model, j, this.zDot(model, j, d), ad)
      let dad = 0
      for (let f = 0; f < k1; f++) {
        ad[f]! += this.l2 * d[f]!
        dad += d[f]! * ad[f]!
      }
      if (!(dad > 0)) break
      const alpha = rr / dad
      let next = 0
      for (let f = 0; f < k1; f++) {
        x[f]! += alpha * d[f]!
        r[f]! -= alpha * ad[f]!
        next += r[f]! * r[f]!
      }
      const beta = next / rr
      rr = next
      for (let f = 0; f < k1; f++) d[f] = r[f]! + beta * d[f]!
    }
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
