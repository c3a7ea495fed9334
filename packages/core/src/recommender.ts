import { checkArtifacts, requireTensor, type ArtifactTensor } from './artifacts'
import { RecForgeError, isRecForgeError } from './errors'
import { nnz, type Interactions } from './interactions'
import { resolveNamed, type ParamSchema } from './params'
import { recommendFor, type RecommendForOptions, type RecommendedItem } from './recommendFor'
import { topK } from './topk'
import type { FitOptions, ModelArtifacts, RecommendOptions, Recommender, ScoredItems } from './types'
import { IdVocabulary, type Vocabulary } from './vocabulary'

/** What a fitted model remembers of its training data: vocabularies and each user's seen items. */
export interface SeenItems {
  readonly users: Vocabulary
  readonly items: Vocabulary
  readonly indptr: Int32Array
  readonly indices: Int32Array
}

function seenOf(data: Interactions): SeenItems {
  return { users: data.users, items: data.items, indptr: data.indptr, indices: data.indices.subarray(0, nnz(data)) }
}

/** What a model saves beyond {@link BaseRecommender}'s vocabularies and seen items. */
export interface ModelState {
  readonly meta?: Readonly<Record<string, unknown>>
  readonly tensors?: Readonly<Record<string, ArtifactTensor>>
}

/** The static side {@link BaseRecommender.load} needs: a constructor taking a saved config, and the format version. */
export interface RecommenderClass<M> {
  new (config: never): M
  readonly formatVersion: number
  upgradeConfig(config: Readonly<Record<string, unknown>>, version: number): Record<string, unknown>
}

/**
 * The shared part of every recommender: fitted-state checks, user/item range checks, seen-item
 * exclusion, top-k selection and saving the vocabularies. A model implements `fitModel`,
 * `scoreAll` and its own tensors; `score`/`recommend` come for free. A model that declares its
 * parameter schema as `static override readonly params` needs no constructor, and one that sets
 * `fitReport` in `fitModel` has it read back as `lastFit`.
 *
 * @example
 * ```ts
 * class Toy extends BaseRecommender<ConfigOf<typeof TOY_PARAMS>, { seconds: number }> {
 *   static override readonly params = TOY_PARAMS
 *   readonly name = 'toy'
 *   // fitModel sets this.fitReport = { seconds }; new Toy({ factors: 8 }).config has every parameter
 * }
 * ```
 */
export abstract class BaseRecommender<Config extends object, FitReport = unknown> implements Recommender<Config> {
  abstract readonly name: string
  readonly config: Readonly<Config>
  protected seen: SeenItems | undefined
  /** What the last `fit` measured, for models that report it; {@link BaseRecommender.lastFit} reads it. */
  protected fitReport: FitReport | undefined

  /**
   * The parameter schema the constructor resolves `config` with (defaults filled, types and ranges
   * checked, unknown keys rejected, messages naming the model). Without one the constructor takes
   * the complete config as given, resolved by the subclass. Defaults to `undefined`.
   */
  static readonly params: ParamSchema | undefined = undefined

  /**
   * @throws RecForgeError INVALID_ARGUMENT, where the class has a `params` schema, for an unknown
   *   parameter or a value out of its range.
   */
  constructor(config: Partial<Config> = {}) {
    const target = new.target as unknown as { params: ParamSchema | undefined; new (config: object): BaseRecommender<object> }
    // the model's name is a field of the subclass, set after this constructor; a default instance has it
    const resolved = target.params ? resolveNamed(target.params, config, () => new target({}).name, false) : { ...config }
    this.config = Object.freeze(resolved) as Readonly<Config>
  }

  /** What the last `fit` measured (per-epoch seconds and losses, say) for models that report it; `undefined` before `fit` and after `load`. */
  get lastFit(): FitReport | undefined {
    return this.fitReport
  }

  get fitted(): boolean {
    return this.seen !== undefined
  }

  /** Number of items in the training catalogue. */
  get numItems(): number {
    return this.requireFitted().items.size
  }

  /** Number of users in training. */
  get numUsers(): number {
    return this.requireFitted().users.size
  }

  /** Users and items vocabularies of the training data. */
  get vocabularies(): { users: Vocabulary; items: Vocabulary } {
    const s = this.requireFitted()
    return { users: s.users, items: s.items }
  }

  async fit(data: Interactions, opts: FitOptions = {}): Promise<void> {
    if (nnz(data) === 0) throw new RecForgeError('EMPTY_INPUT', `${this.name}: cannot fit on empty interactions (${data.users.size} users, ${data.items.size} items, 0 entries)`)
    await this.fitModel(data, opts)
    this.seen = seenOf(data)
  }

  /**
   * Ends epoch `epoch` (from 1) of `epochs` inside `fitModel` for `opts.onEpoch`: when the fit has
   * one, runs `publish` (which makes the model's state the one trained so far), marks the model
   * fitted on `data` and awaits the callback; otherwise does nothing. Models that train in epochs
   * call it after each one (after its progress event).
   */
  protected async epochDone(data: Interactions, opts: FitOptions, epoch: number, epochs: number, metrics: Readonly<Record<string, number>>, publish: () => void): Promise<void> {
    if (!opts.onEpoch) return
    publish()
    this.seen = seenOf(data)
    await opts.onEpoch({ epoch, epochs, metrics })
  }

  /** Trains on `data`. Called by `fit` after input checks; `this.seen` is set after it returns. */
  protected abstract fitModel(data: Interactions, opts: FitOptions): Promise<void>

  /** Writes the score of every catalogue item for `user` into `out` (length = numItems). */
  protected abstract scoreAll(user: number, out: Float32Array): void

  protected requireFitted(): SeenItems {
    if (!this.seen) throw new RecForgeError('NOT_FITTED', `${this.name}: call fit() or load() before scoring`)
    return this.seen
  }

  protected checkUser(user: number): void {
    const s = this.requireFitted()
    if (!Number.isInteger(user) || user < 0 || user >= s.users.size) {
      throw new RecForgeError('UNKNOWN_ID', `${this.name}: user index ${user} is outside 0..${s.users.size - 1}`)
    }
  }

  protected checkItems(items: Int32Array): void {
    const n = this.requireFitted().items.size
    for (let j = 0; j < items.length; j++) {
      const i = items[j]!
      if (i < 0 || i >= n) throw new RecForgeError('UNKNOWN_ID', `${this.name}: item index ${i} is outside 0..${n - 1}`)
    }
  }

  /** The items `user` interacted with in training (a view). */
  seenItems(user: number): Int32Array {
    this.checkUser(user)
    const s = this.seen!
    return s.indices.subarray(s.indptr[user]!, s.indptr[user + 1]!)
  }

  score(user: number, items: Int32Array): Float32Array {
    this.checkUser(user)
    this.checkItems(items)
    const all = new Float32Array(this.numItems)
    this.scoreAll(user, all)
    const out = new Float32Array(items.length)
    for (let j = 0; j < items.length; j++) out[j] = all[items[j]!]!
    return out
  }

  recommend(user: number, opts: RecommendOptions = {}): ScoredItems {
    this.checkUser(user)
    const { k, exclude } = this.listPlan(opts, () => this.seenItems(user))
    if (opts.candidates) {
      this.checkItems(opts.candidates)
      return topK(this.score(user, opts.candidates), k, { candidates: opts.candidates, exclude })
    }
    const all = new Float32Array(this.numItems)
    this.scoreAll(user, all)
    return topK(all, k, { exclude })
  }

  /**
   * {@link BaseRecommender.recommend} by external ids: the top `k` items for the user `userId`
   * as `{ id, score }` pairs, best first; `candidates` and `exclude` are item ids.
   *
   * @example
   * ```ts
   * model.recommendFor('ann', { k: 3 }) // [{ id: 'ronin', score: 0.93 }, ...]
   * ```
   * @throws RecForgeError INVALID_ARGUMENT when an id is not a string or `k` is bad; UNKNOWN_ID
   *   for a user or item not in the training data; NOT_FITTED before `fit` or `load`.
   */
  recommendFor(userId: string, opts: RecommendForOptions = {}): RecommendedItem[] {
    return recommendFor(this, userId, opts)
  }

  /**
   * The top-k of `all` (a score for every catalogue item) for a history that is not a training
   * user (a fold-in, a new session) made of the items `seen`: `k`, `excludeSeen`, `exclude` and
   * `candidates` work as in {@link BaseRecommender.recommend}. For `recommendNewUser`.
   *
   * @throws RecForgeError INVALID_ARGUMENT for a bad `k`; UNKNOWN_ID for candidates outside the catalogue.
   */
  protected rankNewUser(all: Float32Array, seen: Int32Array, opts: RecommendOptions): ScoredItems {
    const { k, exclude } = this.listPlan(opts, () => seen)
    const cand = opts.candidates
    if (!cand) return topK(all, k, { exclude })
    this.checkItems(cand)
    return topK(Float32Array.from(cand, (i) => all[i]!), k, { candidates: cand, exclude })
  }

  /** The checked `k` of a list and the items it leaves out: the user's (`seen`, unless `excludeSeen` is false) and `opts.exclude`. */
  private listPlan(opts: RecommendOptions, seen: () => Int32Array): { k: number; exclude: Int32Array[] } {
    const k = opts.k ?? 10
    if (!Number.isInteger(k) || k < 0) throw new RecForgeError('INVALID_ARGUMENT', `k must be a non-negative integer; got ${k}`)
    const exclude: Int32Array[] = []
    if (opts.excludeSeen ?? true) exclude.push(seen())
    if (opts.exclude) exclude.push(opts.exclude)
    return { k, exclude }
  }

  /**
   * The newest artifact format this class writes; {@link BaseRecommender.load} reads versions 1
   * to this one. A class that changes what it saves raises it and reads the older layouts in
   * {@link BaseRecommender.restoreState}. Defaults to `1`.
   */
  static readonly formatVersion: number = 1

  /**
   * Saves the fitted model: its name, format version, config, vocabularies and seen items, and
   * what {@link BaseRecommender.saveState} adds.
   *
   * @throws RecForgeError NOT_FITTED before `fit` or `load`.
   */
  async save(): Promise<ModelArtifacts> {
    const base = this.baseArtifacts()
    const state = await this.saveState()
    return {
      model: this.name,
      formatVersion: (this.constructor as unknown as RecommenderClass<this>).formatVersion,
      config: { ...this.config },
      meta: { ...base.meta, ...state.meta },
      tensors: { ...base.tensors, ...state.tensors },
    }
  }

  /** The model's own metadata and tensors for {@link BaseRecommender.save}. */
  protected saveState(): ModelState | Promise<ModelState> {
    throw new RecForgeError('INVALID_ARGUMENT', `${this.name}: this model does not implement saveState()`)
  }

  /**
   * Restores what {@link BaseRecommender.saveState} wrote, from artifacts of `version` (1 to the
   * class's `formatVersion`); vocabularies and seen items are already restored.
   *
   * @throws RecForgeError PARSE_ERROR when a tensor is missing or has the wrong shape.
   */
  protected restoreState(_artifacts: ModelArtifacts, _version: number): void | Promise<void> {
    throw new RecForgeError('INVALID_ARGUMENT', `${this.name}: this model does not implement restoreState()`)
  }

  /**
   * Maps a config saved by an older build (format `version`) onto today's parameters, e.g.
   * renamed keys. {@link BaseRecommender.load} calls it before the constructor. Defaults to the
   * config unchanged.
   */
  static upgradeConfig(config: Readonly<Record<string, unknown>>, _version: number): Record<string, unknown> {
    return { ...config }
  }

  /**
   * Rebuilds a fitted model from {@link BaseRecommender.save} artifacts: the saved config goes
   * through the constructor (so it is checked like a user's), then the state is restored.
   *
   * @example
   * ```ts
   * const again = await ALS.load(await als.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT for artifacts of another model; UNSUPPORTED_VERSION for a
   *   format this build cannot read; PARSE_ERROR for a saved config or tensors it rejects.
   */
  static load<M extends BaseRecommender<object>>(this: RecommenderClass<M>, artifacts: ModelArtifacts): Promise<M>
  /** On a union of classes (`(cf === 'als' ? ALS : BPR).load(a)`): a model of one of them. */
  static load(this: RecommenderClass<BaseRecommender<object>>, artifacts: ModelArtifacts): Promise<BaseRecommender<object>>
  static async load<M extends BaseRecommender<object>>(this: RecommenderClass<M>, artifacts: ModelArtifacts): Promise<M> {
    // another model's artifacts are refused by name before their config is read
    checkArtifacts(artifacts, new this({} as never).name, this.formatVersion)
    let model: M
    try {
      model = new this(this.upgradeConfig(artifacts.config, artifacts.formatVersion) as never)
    } catch (e) {
      if (!isRecForgeError(e, 'INVALID_ARGUMENT')) throw e
      throw new RecForgeError('PARSE_ERROR', `artifacts of model "${artifacts.model}" (format ${artifacts.formatVersion}) hold a config this build rejects: ${e.message}`, { cause: e })
    }
    model.restoreBase(artifacts)
    await model.restoreState(artifacts, artifacts.formatVersion)
    return model
  }

  /** Artifacts shared by every model: vocabularies (in meta) and seen items (tensors). */
  protected baseArtifacts(): { meta: Record<string, unknown>; tensors: Record<string, Int32Array> } {
    const s = this.requireFitted()
    return {
      meta: { users: [...s.users.ids()], items: [...s.items.ids()] },
      tensors: { seenIndptr: s.indptr, seenIndices: s.indices },
    }
  }

  /** Restores what {@link baseArtifacts} saved. */
  protected restoreBase(a: ModelArtifacts): void {
    const meta = a.meta ?? {}
    if (!Array.isArray(meta.users) || !Array.isArray(meta.items)) {
      throw new RecForgeError('PARSE_ERROR', `${this.name}: artifacts lack the user and item vocabularies`)
    }
    this.seen = {
      users: IdVocabulary.fromJSON(meta.users as string[]),
      items: IdVocabulary.fromJSON(meta.items as string[]),
      indptr: requireTensor(a, 'seenIndptr', Int32Array),
      indices: requireTensor(a, 'seenIndices', Int32Array),
    }
  }
}
