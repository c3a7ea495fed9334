import { BaseRecommender, Random, RecForgeError, checkArtifacts, nnz, renameParams, requireTensor, topK, validateInteractions } from '@recforge/core'
import type { FitOptions, IncrementalRecommender, Interactions, ModelArtifacts, ModelState, RecommendOptions, RecommenderClass, ScoredItems } from '@recforge/core'
import { RENAMED_PARAMS } from './params'

/** A user vector found by fold-in, with its bias (0 for models without user biases). */
export interface FoldedUser {
  readonly vector: Float32Array
  readonly bias: number
}

/** What every latent-factor model's configuration has. */
export interface FactorConfig {
  /** Number of latent factors. */
  readonly factors: number
  /** Seed of the fit (`fit({ seed })` overrides it). */
  readonly seed: number
}

/** The sizes of one fit and its seeded generator (see {@link FactorRecommender.startFit}). */
export interface FitContext {
  /** Number of latent factors. */
  readonly k: number
  readonly nu: number
  readonly ni: number
  /** Number of interactions. */
  readonly n: number
  readonly rng: Random
}

/**
 * The part every latent-factor model shares: scoring by inner product (plus biases), similar
 * items and users by cosine, vectors for nearest-neighbour serving, fold-in of new users and
 * incremental updates of known users, and the artifacts of factors and training history.
 * Subclasses train the factors and define fold-in.
 */
export abstract class FactorRecommender<Config extends FactorConfig> extends BaseRecommender<Config> implements IncrementalRecommender {
  /** Number of latent factors. */
  protected k = 0
  /** Effective user vectors used for scoring (users × k). */
  protected userFactors: Float32Array = new Float32Array(0)
  /** Item vectors (items × k). */
  protected itemFactors: Float32Array = new Float32Array(0)
  protected userBias: Float32Array | undefined
  protected itemBias: Float32Array | undefined
  protected globalMean = 0
  /** Training values aligned with the seen-item CSR, for incremental updates. */
  protected trainValues: Float32Array = new Float32Array(0)
  /** Users whose history changed since fit: their full (items, values) history. */
  protected readonly updated = new Map<number, { items: Int32Array; values: Float32Array }>()

  /** Number of latent factors of the fitted model. */
  get factors(): number {
    this.requireFitted()
    return this.k
  }

  /** Computes a user vector (and bias) from interactions with the item side held fixed. */
  protected abstract foldInVector(items: Int32Array, values: Float32Array): FoldedUser

  /** How a repeated interaction combines with the stored one: ratings replace, implicit counts add. */
  protected abstract readonly accumulate: boolean

  /**
   * Checks the training data (finite values, consistent CSR) and returns the sizes of the fit
   * with its generator, seeded by `fit({ seed })` or else the config's seed.
   *
   * @throws RecForgeError INVALID_ARGUMENT for non-finite values or an inconsistent CSR.
   */
  protected startFit(data: Interactions, opts: FitOptions): FitContext {
    validateInteractions(data)
    return { k: this.config.factors, nu: data.users.size, ni: data.items.size, n: nnz(data), rng: new Random(opts.seed ?? this.config.seed) }
  }

  protected scoreVector(vec: Float32Array, vo: number, bias: number, out: Float32Array): void {
    const k = this.k
    const V = this.itemFactors
    const bi = this.itemBias
    const base = this.globalMean + bias
    for (let i = 0; i < out.length; i++) {
      const o = i * k
      let s = 0
      for (let f = 0; f < k; f++) s += vec[vo + f]! * V[o + f]!
      out[i] = s + base + (bi ? bi[i]! : 0)
    }
  }

  /** Scores only the requested items (the base class would score the whole catalogue). */
  override score(user: number, items: Int32Array): Float32Array {
    this.checkUser(user)
    this.checkItems(items)
    const k = this.k
    const U = this.userFactors
    const V = this.itemFactors
    const bi = this.itemBias
    const uo = user * k
    const base = this.globalMean + (this.userBias ? this.userBias[user]! : 0)
    const out = new Float32Array(items.length)
    for (let j = 0; j < items.length; j++) {
      const i = items[j]!
      const o = i * k
      let s = 0
      for (let f = 0; f < k; f++) s += U[uo + f]! * V[o + f]!
      out[j] = s + base + (bi ? bi[i]! : 0)
    }
    return out
  }

  protected scoreAll(user: number, out: Float32Array): void {
    this.scoreVector(this.userFactors, user * this.k, this.userBias ? this.userBias[user]! : 0, out)
  }

  /** Whether scores carry biases beyond the inner product (then vectors are augmented). */
  private get biasDims(): number {
    return this.itemBias ? (this.userBias || this.globalMean !== 0 ? 2 : 1) : 0
  }

  /**
   * Row-major item vectors whose inner product with {@link userVector} equals the model's score:
   * the factors, then `[b_i, 1]` for biased rating models or `[b_i]` for BPR's item bias.
   */
  itemVectors(): { vectors: Float32Array; dimensions: number } {
    const ni = this.numItems
    const k = this.k
    const extra = this.biasDims
    const d = k + extra
    const out = new Float32Array(ni * d)
    for (let i = 0; i < ni; i++) {
      out.set(this.itemFactors.subarray(i * k, i * k + k), i * d)
      if (extra >= 1) out[i * d + k] = this.itemBias![i]!
      if (extra === 2) out[i * d + k + 1] = 1
    }
    return { vectors: out, dimensions: d }
  }

  /** The user's vector in the space of {@link itemVectors} (`[q_u, 1, mu + b_u]` for biased models). */
  userVector(user: number): Float32Array {
    this.checkUser(user)
    const k = this.k
    return this.augment(this.userFactors.subarray(user * k, user * k + k), this.userBias ? this.userBias[user]! : 0)
  }

  private augment(vec: Float32Array, bias: number): Float32Array {
    const extra = this.biasDims
    const out = new Float32Array(this.k + extra)
    out.set(vec)
    if (extra >= 1) out[this.k] = 1
    if (extra === 2) out[this.k + 1] = this.globalMean + bias
    return out
  }

  private cosineNeighbours(M: Float32Array, rows: number, row: number, count: number): ScoredItems {
    const k = this.k
    const norms = new Float32Array(rows)
    for (let r = 0; r < rows; r++) {
      let s = 0
      for (let f = 0; f < k; f++) s += M[r * k + f]! * M[r * k + f]!
      norms[r] = Math.sqrt(s)
    }
    const q = row * k
    const out = new Float32Array(rows)
    const nq = norms[row]! || 1
    for (let r = 0; r < rows; r++) {
      let s = 0
      for (let f = 0; f < k; f++) s += M[q + f]! * M[r * k + f]!
      out[r] = s / (nq * (norms[r]! || 1))
    }
    return topK(out, count, { exclude: new Int32Array([row]) })
  }

  /**
   * The `k` items closest to `item` by cosine similarity of their factors (the item itself left out).
   *
   * @throws RecForgeError UNKNOWN_ID when `item` is out of range; NOT_FITTED before fit.
   */
  similarItems(item: number, k = 10): ScoredItems {
    const ni = this.numItems
    if (!Number.isInteger(item) || item < 0 || item >= ni) throw new RecForgeError('UNKNOWN_ID', `${this.name}: item index ${item} is outside 0..${ni - 1}`)
    return this.cosineNeighbours(this.itemFactors, ni, item, k)
  }

  /**
   * The `k` users closest to `user` by cosine similarity of their factors (the user left out).
   *
   * @throws RecForgeError UNKNOWN_ID when `user` is out of range; NOT_FITTED before fit.
   */
  similarUsers(user: number, k = 10): ScoredItems {
    this.checkUser(user)
    const r = this.cosineNeighbours(this.userFactors, this.numUsers, user, k)
    return { items: r.items, scores: r.scores }
  }

  private checkFeedback(items: Int32Array, values: Float32Array | undefined, where: string): Float32Array {
    const ni = this.numItems
    if (!(items instanceof Int32Array)) throw new RecForgeError('INVALID_ARGUMENT', `${this.name}.${where}: items must be an Int32Array of item indices`)
    for (let j = 0; j < items.length; j++) {
      const i = items[j]!
      if (i < 0 || i >= ni) throw new RecForgeError('UNKNOWN_ID', `${this.name}.${where}: item index ${i} (position ${j}) is outside 0..${ni - 1}`)
    }
    if (values === undefined) return new Float32Array(items.length).fill(1)
    if (values.length !== items.length) {
      throw new RecForgeError('DIMENSION_MISMATCH', `${this.name}.${where}: ${items.length} items but ${values.length} values; pass one value per item`)
    }
    for (let j = 0; j < values.length; j++) {
      if (!Number.isFinite(values[j]!)) throw new RecForgeError('INVALID_ARGUMENT', `${this.name}.${where}: value at position ${j} is ${values[j]}; expected a finite number`)
    }
    return values
  }

  /**
   * The vector (and bias) of a user who is not in training, from their interactions, without
   * retraining: closed form for ALS and the rating models, a few seeded SGD steps for BPR.
   *
   * @example
   * ```ts
   * const { vector } = model.foldIn(new Int32Array([3, 17]), new Float32Array([1, 1]))
   * ```
   * @throws RecForgeError UNKNOWN_ID for an item out of range; DIMENSION_MISMATCH when lengths differ.
   */
  foldIn(items: Int32Array, values?: Float32Array): FoldedUser {
    this.requireFitted()
    return this.foldInVector(items, this.checkFeedback(items, values, 'foldIn'))
  }

  /**
   * Recommends for a user unseen in training from their interactions (fold-in, no retraining);
   * the given items are left out of the list.
   *
   * @example
   * ```ts
   * const top = model.recommendNewUser(new Int32Array([3, 17]), undefined, { k: 5 })
   * ```
   * @throws RecForgeError UNKNOWN_ID for an item out of range; DIMENSION_MISMATCH when lengths differ.
   */
  recommendNewUser(items: Int32Array, values: Float32Array | undefined, opts: RecommendOptions = {}): ScoredItems {
    const folded = this.foldIn(items, values)
    const all = new Float32Array(this.numItems)
    this.scoreVector(folded.vector, 0, folded.bias, all)
    return this.rankNewUser(all, items, opts)
  }

  /** The user's full training history, including updates since fit. */
  history(user: number): { items: Int32Array; values: Float32Array } {
    this.checkUser(user)
    const up = this.updated.get(user)
    if (up) return up
    const s = this.seen!
    const a = s.indptr[user]!
    const b = s.indptr[user + 1]!
    return { items: s.indices.subarray(a, b), values: this.trainValues.subarray(a, b) }
  }

  override seenItems(user: number): Int32Array {
    return this.history(user).items
  }

  /**
   * Applies new interactions of a known user (the feedback loop): merges them into the user's
   * history (ratings replace, implicit weights add) and recomputes the user's vector with the
   * items fixed, so the next `recommend` reflects them and leaves them out.
   *
   * @example
   * ```ts
   * model.partialFitUser(0, new Int32Array([42]), new Float32Array([1]))
   * ```
   * @throws RecForgeError UNKNOWN_ID for an unknown user or item; DIMENSION_MISMATCH when lengths differ.
   */
  partialFitUser(user: number, items: Int32Array, values: Float32Array): void {
    this.checkUser(user)
    const vals = this.checkFeedback(items, values, 'partialFitUser')
    const old = this.history(user)
    const map = new Map<number, number>()
    for (let j = 0; j < old.items.length; j++) map.set(old.items[j]!, (map.get(old.items[j]!) ?? 0) + old.values[j]!)
    for (let j = 0; j < items.length; j++) {
      const i = items[j]!
      const prev = map.get(i)
      map.set(i, this.accumulate && prev !== undefined ? prev + vals[j]! : vals[j]!)
    }
    const merged = { items: Int32Array.from(map.keys()), values: Float32Array.from(map.values()) }
    this.updated.set(user, merged)
    const f = this.foldInVector(merged.items, merged.values)
    this.userFactors.set(f.vector, user * this.k)
    if (this.userBias) this.userBias[user] = f.bias
    this.onUserUpdated(user, merged)
  }

  /** Hook for models that keep extra per-user state (SVD++). */
  protected onUserUpdated(_user: number, _history: { items: Int32Array; values: Float32Array }): void {}

  /** Records the training data's values; call at the end of `fitModel`. */
  protected rememberTraining(data: Interactions): void {
    this.trainValues = data.values.subarray(0, data.indptr[data.users.size]!)
    this.updated.clear()
  }

  /** The (updated) history as CSR with its values, the factor count and the factor and bias tensors. */
  protected override saveState(): ModelState {
    const s = this.requireFitted()
    const nu = s.users.size
    let indptr = s.indptr
    let indices = s.indices
    let values = this.trainValues
    if (this.updated.size > 0) {
      indptr = new Int32Array(nu + 1)
      for (let u = 0; u < nu; u++) indptr[u + 1] = indptr[u]! + this.history(u).items.length
      indices = new Int32Array(indptr[nu]!)
      values = new Float32Array(indptr[nu]!)
      for (let u = 0; u < nu; u++) {
        const h = this.history(u)
        indices.set(h.items, indptr[u]!)
        values.set(h.values, indptr[u]!)
      }
    }
    const tensors: Record<string, Float32Array | Int32Array> = {
      seenIndptr: indptr,
      seenIndices: indices,
      seenValues: values,
      userFactors: this.userFactors,
      itemFactors: this.itemFactors,
    }
    if (this.userBias) tensors.userBias = this.userBias
    if (this.itemBias) tensors.itemBias = this.itemBias
    return { meta: { factors: this.k, globalMean: this.globalMean }, tensors }
  }

  /**
   * Restores what {@link FactorRecommender.saveState} wrote (the vocabularies and history CSR are
   * already restored), checking every size against the vocabularies.
   *
   * @throws RecForgeError PARSE_ERROR naming the tensor that is missing or has the wrong size.
   */
  protected override restoreState(a: ModelArtifacts, _version: number): void {
    const s = this.requireFitted()
    const nu = s.users.size
    const ni = s.items.size
    const k = a.meta?.factors
    if (typeof k !== 'number' || !Number.isInteger(k) || k < 1) {
      throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: meta.factors must be a positive integer; got ${JSON.stringify(k)}`)
    }
    const sized = (name: string, rows: number, width: number): Float32Array => {
      const t = requireTensor(a, name, Float32Array)
      if (t.length !== rows * width) throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: tensor "${name}" holds ${t.length} values; expected ${width === 1 ? rows : `${rows} × ${width} = ${rows * width}`}`)
      return t
    }
    const U = sized('userFactors', nu, k)
    const V = sized('itemFactors', ni, k)
    if (s.indptr.length !== nu + 1 || s.indices.length !== s.indptr[nu]) {
      throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: the saved history (seenIndptr, seenIndices) does not match ${nu} users`)
    }
    const values = sized('seenValues', s.indices.length, 1)
    this.k = k
    this.userFactors = U
    this.itemFactors = V
    this.userBias = a.tensors.userBias === undefined ? undefined : sized('userBias', nu, 1)
    this.itemBias = a.tensors.itemBias === undefined ? undefined : sized('itemBias', ni, 1)
    this.globalMean = typeof a.meta?.globalMean === 'number' ? a.meta.globalMean : 0
    this.trainValues = values
    this.updated.clear()
  }

  /** Saved configs: parameters saved under their former names (`lr`, `reg`, `lrBias`, `regBias`, `workers`) load under today's. */
  static override upgradeConfig(config: Readonly<Record<string, unknown>>, _version: number): Record<string, unknown> {
    return renameParams(config, RENAMED_PARAMS)
  }
}
