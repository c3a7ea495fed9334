import { RecForgeError, type ParamSchema } from '@recforge/core'
import { checkCandidates, ConfiguredPolicy } from './bandits'
import { LINTS_PARAMS, LINUCB_PARAMS, type LinearThompsonConfig, type LinUCBConfig } from './params'
import { argmaxRandomTie } from './internal/sampling'
import type { BanditContext, BanditPolicy } from './types'

/** Where a linear policy gets each candidate's feature vector. */
export interface LinearFeatureOptions {
  /** Row-major item vectors (items × `dimensions`), e.g. from an encoder or a factor model. Defaults to `undefined` (contexts must carry `features`). */
  itemVectors?: Float32Array
  /** Row-major user vectors (users × `dimensions`); with them a candidate's features are [item, user ⊙ item, 1]. Defaults to `undefined` (features [item, 1]). */
  userVectors?: Float32Array
  /** Length of one item (and user) vector. Defaults to `undefined` (required with `itemVectors`). */
  dimensions?: number
  /** Length of `context.features` rows when the caller supplies features instead of vectors. Defaults to `undefined`. */
  featureDimensions?: number
}

/** Builds per-candidate feature rows from item (and user) vectors or from `context.features`. */
class Featurizer {
  readonly dim: number
  private readonly d: number
  private readonly items: Float32Array | undefined
  private readonly users: Float32Array | undefined

  constructor(
    private readonly policy: string,
    o: LinearFeatureOptions,
  ) {
    this.items = o.itemVectors
    this.users = o.userVectors
    if (this.items) {
      const d = o.dimensions
      if (d === undefined || !Number.isInteger(d) || d < 1 || this.items.length % d !== 0) {
        throw new RecForgeError('DIMENSION_MISMATCH', `${policy}: itemVectors has ${this.items.length} values; expected items × dimensions with a positive integer dimensions (got ${d})`)
      }
      if (this.users && this.users.length % d !== 0) {
        throw new RecForgeError('DIMENSION_MISMATCH', `${policy}: userVectors has ${this.users.length} values, not a multiple of dimensions ${d}`)
      }
      this.d = d
      this.dim = this.users ? 2 * d + 1 : d + 1
    } else {
      const fd = o.featureDimensions
      if (fd === undefined || !Number.isInteger(fd) || fd < 1) {
        throw new RecForgeError('INVALID_ARGUMENT', `${policy}: give itemVectors with dimensions, or featureDimensions for contexts that carry features; got neither`)
      }
      this.d = fd
      this.dim = fd
    }
  }

  /** Feature rows for all candidates (candidates × dim). */
  rows(context: BanditContext, c: Int32Array): Float64Array {
    const out = new Float64Array(c.length * this.dim)
    if (context.features) {
      if (context.features.length !== c.length * this.dim) {
        throw new RecForgeError('DIMENSION_MISMATCH', `${this.policy}: context.features has ${context.features.length} values; expected ${c.length} candidates × ${this.dim}`)
      }
      out.set(context.features)
      return out
    }
    const items = this.items
    if (!items) throw new RecForgeError('INVALID_ARGUMENT', `${this.policy}: this policy has no item vectors, so every context must carry features`)
    const d = this.d
    const nItems = items.length / d
    const u = context.user
    const users = this.users
    const hasUser = users !== undefined && u !== undefined && Number.isInteger(u) && u >= 0 && u < users.length / d
    for (let j = 0; j < c.length; j++) {
      const i = c[j]!
      if (!Number.isInteger(i) || i < 0 || i >= nItems) throw new RecForgeError('UNKNOWN_ID', `${this.policy}: candidate item ${i} is outside 0..${nItems - 1} of the item vectors`)
      const o = j * this.dim
      for (let f = 0; f < d; f++) out[o + f] = items[i * d + f]!
      if (users) for (let f = 0; f < d; f++) out[o + d + f] = hasUser ? users[u! * d + f]! * items[i * d + f]! : 0
      out[o + this.dim - 1] = 1
    }
    return out
  }
}

/** Ridge-regression state shared by the linear bandits: A⁻¹ (kept by Sherman-Morrison), b and θ = A⁻¹b. */
abstract class LinearBandit<C extends { lambda: number; seed: number }> extends ConfiguredPolicy<C> implements BanditPolicy {
  protected readonly features: Featurizer
  protected readonly dim: number
  protected readonly ainv: Float64Array
  protected readonly b: Float64Array
  protected readonly thetaHat: Float64Array
  private readonly tmp: Float64Array

  constructor(name: string, schema: ParamSchema, config: object, features: LinearFeatureOptions) {
    super(name, schema, config)
    this.features = new Featurizer(name, features)
    const d = (this.dim = this.features.dim)
    this.ainv = new Float64Array(d * d)
    for (let f = 0; f < d; f++) this.ainv[f * d + f] = 1 / this.config.lambda
    this.b = new Float64Array(d)
    this.thetaHat = new Float64Array(d)
    this.tmp = new Float64Array(d)
  }

  getState(): Record<string, Float64Array> {
    return { ainv: this.ainv.slice(), b: this.b.slice(), theta: this.thetaHat.slice(), rng: this.rng.getState() }
  }

  setState(state: Readonly<Record<string, Float64Array>>): void {
    const d = this.dim
    const { ainv, b, theta, rng } = state
    const sized = (x: unknown, n: number) => x instanceof Float64Array && x.length === n
    if (!sized(ainv, d * d) || !sized(b, d) || !sized(theta, d) || !(rng instanceof Float64Array)) {
      throw new RecForgeError('DIMENSION_MISMATCH', `${this.name}: state does not fit ${d} features (ainv ${d}x${d}, b and theta ${d}, rng); was it saved with other vectors?`)
    }
    this.rng.setState(rng)
    this.ainv.set(ainv!)
    this.b.set(b!)
    this.thetaHat.set(theta!)
  }

  /** The current ridge estimate θ̂ of the reward weights (a copy). */
  get theta(): Float64Array {
    return Float64Array.from(this.thetaHat)
  }

  abstract select(context: BanditContext): number

  /** xᵀA⁻¹x for the row at `o` of `x`. */
  protected quad(x: Float64Array, o: number): number {
    const d = this.dim
    let s = 0
    for (let r = 0; r < d; r++) {
      let t = 0
      for (let c = 0; c < d; c++) t += this.ainv[r * d + c]! * x[o + c]!
      s += x[o + r]! * t
    }
    return s
  }

  update(context: BanditContext, item: number, reward: number): void {
    const c = checkCandidates(this.name, context)
    if (!Number.isFinite(reward)) throw new RecForgeError('INVALID_ARGUMENT', `${this.name}: reward must be finite; got ${reward}`)
    const j = c.indexOf(item)
    if (j < 0) throw new RecForgeError('UNKNOWN_ID', `${this.name}: item ${item} is not among the context's ${c.length} candidates`)
    const rows = this.features.rows(context, c)
    const d = this.dim
    const o = j * d
    const ax = this.tmp
    for (let r = 0; r < d; r++) {
      let t = 0
      for (let k = 0; k < d; k++) t += this.ainv[r * d + k]! * rows[o + k]!
      ax[r] = t
    }
    let denom = 1
    for (let r = 0; r < d; r++) denom += rows[o + r]! * ax[r]!
    for (let r = 0; r < d; r++) for (let k = 0; k < d; k++) this.ainv[r * d + k]! -= (ax[r]! * ax[k]!) / denom
    for (let r = 0; r < d; r++) this.b[r]! += reward * rows[o + r]!
    for (let r = 0; r < d; r++) {
      let t = 0
      for (let k = 0; k < d; k++) t += this.ainv[r * d + k]! * this.b[k]!
      this.thetaHat[r] = t
    }
  }
}

/**
 * LinUCB (Li, Chu, Langford and Schapire 2010) with one shared weight vector: a candidate's
 * expected reward is θ·x, where x comes from item (and user) vectors or from `context.features`;
 * the policy shows the highest θ̂·x + α·sqrt(xᵀA⁻¹x).
 *
 * @example
 * ```ts
 * const policy = new LinUCB({ alpha: 0.5 }, { itemVectors, userVectors, dimensions: 16 })
 * const item = policy.select({ user: 3, candidates })
 * policy.update({ user: 3, candidates }, item, 1)
 * ```
 * @throws RecForgeError INVALID_ARGUMENT / DIMENSION_MISMATCH for inconsistent vectors or features;
 * UNKNOWN_ID for an item outside the vectors or not among the candidates.
 */
export class LinUCB extends LinearBandit<LinUCBConfig> {
  readonly name = 'linucb'

  constructor(config: Partial<LinUCBConfig>, features: LinearFeatureOptions) {
    super('linucb', LINUCB_PARAMS, config, features)
  }

  select(context: BanditContext): number {
    const c = checkCandidates(this.name, context)
    const rows = this.features.rows(context, c)
    const d = this.dim
    const u = new Float64Array(c.length)
    for (let j = 0; j < c.length; j++) {
      let mean = 0
      for (let f = 0; f < d; f++) mean += this.thetaHat[f]! * rows[j * d + f]!
      u[j] = mean + this.config.alpha * Math.sqrt(Math.max(0, this.quad(rows, j * d)))
    }
    return c[argmaxRandomTie(u, this.rng)]!
  }
}

/**
 * Linear Thompson sampling (Agrawal and Goyal 2013): draws θ̃ ~ N(θ̂, v²A⁻¹) and shows the
 * candidate with the highest θ̃·x. Features as in {@link LinUCB}.
 *
 * @example
 * ```ts
 * const policy = new LinearThompson({ v: 0.3 }, { itemVectors, dimensions: 16 })
 * const item = policy.select({ candidates })
 * policy.update({ candidates }, item, 0)
 * ```
 * @throws RecForgeError as {@link LinUCB}.
 */
export class LinearThompson extends LinearBandit<LinearThompsonConfig> {
  readonly name = 'lints'

  constructor(config: Partial<LinearThompsonConfig>, features: LinearFeatureOptions) {
    super('lints', LINTS_PARAMS, config, features)
  }

  /** θ̂ + v·L·z with L the Cholesky factor of A⁻¹ and z standard normal. */
  private draw(): Float64Array {
    const d = this.dim
    const L = new Float64Array(d * d)
    for (let r = 0; r < d; r++) {
      for (let c = 0; c <= r; c++) {
        let s = this.ainv[r * d + c]!
        for (let k = 0; k < c; k++) s -= L[r * d + k]! * L[c * d + k]!
        L[r * d + c] = r === c ? Math.sqrt(Math.max(s, 1e-12)) : s / L[c * d + c]!
      }
    }
    const z = new Float64Array(d)
    for (let f = 0; f < d; f++) z[f] = this.rng.normal()
    const out = Float64Array.from(this.thetaHat)
    for (let r = 0; r < d; r++) {
      let t = 0
      for (let k = 0; k <= r; k++) t += L[r * d + k]! * z[k]!
      out[r]! += this.config.v * t
    }
    return out
  }

  select(context: BanditContext): number {
    const c = checkCandidates(this.name, context)
    const rows = this.features.rows(context, c)
    const th = this.draw()
    const d = this.dim
    const s = new Float64Array(c.length)
    for (let j = 0; j < c.length; j++) {
      let m = 0
      for (let f = 0; f < d; f++) m += th[f]! * rows[j * d + f]!
      s[j] = m
    }
    return c[argmaxRandomTie(s, this.rng)]!
  }
}
