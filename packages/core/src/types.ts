import type { Interactions } from './interactions'
import type { EvalSplitProtocol } from './protocol'
import type { ItemSideInfo } from './side'

/** Items ranked best first, with their scores (parallel arrays). */
export interface ScoredItems {
  readonly items: Int32Array
  readonly scores: Float32Array
}

/** A progress report during long work (fitting, loading, encoding). */
export interface ProgressEvent {
  /** What is running, e.g. `epoch`, `load`, `encode`. */
  readonly stage: string
  /** Units done so far (epochs, rows, batches). */
  readonly current: number
  /** Units in all, when known. */
  readonly total?: number
  /** Figures for this step, e.g. `{ loss: 0.41, rmse: 0.93 }`. */
  readonly metrics?: Readonly<Record<string, number>>
  readonly message?: string
}

/** Options every long-running call takes. */
export interface RunOptions {
  /** Stops the work between steps with an ABORTED error. */
  signal?: AbortSignal
  /** Called with progress events; must not throw. */
  onProgress?: (event: ProgressEvent) => void
}

/** What {@link FitOptions.onEpoch} receives after each epoch. */
export interface EpochEvent {
  /** Epochs done so far, from 1. */
  readonly epoch: number
  /** Epochs in all. */
  readonly epochs: number
  /** The epoch's figures, e.g. `{ loss: 0.41, seconds: 1.2 }` (the same as its `epoch` progress event). */
  readonly metrics: Readonly<Record<string, number>>
}

/** Options for {@link Recommender.fit}. */
export interface FitOptions extends RunOptions {
  /** Overrides the model's configured seed for this fit. */
  seed?: number
  /**
   * Called after each epoch by the models that train in epochs and support it (`autorec`,
   * `multvae`, `multdae`, `lightgcn`, `cfgan`; the others ignore it), with the model scoreable as
   * trained so far: `score`, `recommend` and `evaluateSplit` work inside the call, so a caller can
   * draw a quality curve, or stop early by aborting `signal`. Awaited before the next epoch. Epoch
   * n scores what a fit with `epochs: n` gives when nothing else in the config depends on the
   * epoch count. Making the state scoreable costs what the end of fit costs (AutoRec encodes every
   * item), so it happens only when this is given. A fit that fails or is aborted after a call
   * leaves the model as of that epoch.
   */
  onEpoch?: (event: EpochEvent) => void | Promise<void>
  /** Item side information (titles, genres, tags) for content-aware models; others ignore it. */
  itemInfo?: ItemSideInfo
  /** Free text per user index (e.g. a profile description) for content-aware models. */
  userText?: readonly (string | undefined)[]
}

/** Options for {@link Recommender.recommend}. */
export interface RecommendOptions {
  /** How many items. Defaults to `10`. */
  k?: number
  /** Leave out items the user interacted with in training. Defaults to `true`. */
  excludeSeen?: boolean
  /** Rank only these items (e.g. a sampled candidate list). Defaults to the whole catalogue. */
  candidates?: Int32Array
  /** Further items to leave out. */
  exclude?: Int32Array
}

/**
 * A saved model: the registry name, a format version, its JSON config and metadata, and named
 * typed arrays. {@link encodeArtifacts} turns it into checksummed bytes.
 */
export interface ModelArtifacts {
  readonly model: string
  readonly formatVersion: number
  readonly config: Readonly<Record<string, unknown>>
  readonly meta?: Readonly<Record<string, unknown>>
  readonly tensors: Readonly<Record<string, Float32Array | Float64Array | Int32Array | Uint8Array>>
}

/**
 * The interface every recommender implements. `fit` once; then `score` and `recommend` are pure reads.
 * Users and items are dense indices of the training {@link Interactions}' vocabularies.
 */
export interface Recommender<Config = Record<string, unknown>> {
  /** The registry name, e.g. `als`. */
  readonly name: string
  readonly config: Readonly<Config>
  /** True once `fit` (or `load`) has completed. */
  readonly fitted: boolean
  fit(data: Interactions, opts?: FitOptions): Promise<void>
  /** Scores of `items` for `user` (higher is better; predicted ratings for rating models). */
  score(user: number, items: Int32Array): Float32Array
  /** The top `k` items for `user`, best first. */
  recommend(user: number, opts?: RecommendOptions): ScoredItems
  save(): Promise<ModelArtifacts>
  /** Items most similar to `item`, when the model defines a similarity. */
  similarItems?(item: number, k?: number): ScoredItems
  /** Row-major item vectors (items × dimensions) for nearest-neighbour serving, when the model has them. */
  itemVectors?(): { vectors: Float32Array; dimensions: number }
  /** The user's vector in the same space as {@link itemVectors}. */
  userVector?(user: number): Float32Array
}

/** Turns inputs (text, images) into fixed-size vectors. */
export interface Encoder<Input = string> {
  /** A stable id for caching, e.g. `use-lite@0.2.0` or `Xenova/all-MiniLM-L6-v2`. */
  readonly modelId: string
  readonly dimensions: number
  /** Row-major `inputs.length × dimensions` vectors. */
  encode(inputs: readonly Input[], opts?: RunOptions): Promise<Float32Array>
  dispose(): Promise<void>
}

/** Distance measures supported by vector indexes. Smaller distance means closer. */
export type Metric = 'cosine' | 'ip' | 'l2'

/** Search results: keys nearest first with their distances. */
export interface SearchResult {
  readonly keys: Int32Array
  readonly distances: Float32Array
}

/** A nearest-neighbour index over integer keys. */
export interface VectorIndex {
  readonly dimensions: number
  readonly metric: Metric
  /** Number of live vectors. */
  readonly size: number
  /** Adds `keys.length` row-major vectors; re-adding a key replaces its vector. */
  add(keys: Int32Array, vectors: Float32Array): void
  remove(keys: Int32Array): void
  search(query: Float32Array, k: number, filter?: (key: number) => boolean): SearchResult
  save(): Promise<Uint8Array>
}

/**
 * A held-out evaluation split: train and test parts over the same vocabularies.
 * Splitters in `@recforge/data` produce it; `@recforge/metrics` consumes it.
 */
export interface EvalSplit {
  /** The protocol of EVAL.md that made the split, e.g. `holdout-full`. */
  readonly protocol: EvalSplitProtocol
  /** Fold number for cross-validation, else 0. */
  readonly fold: number
  readonly train: Interactions
  readonly test: Interactions
  /** Per-user candidate lists for sampled protocols (CSR by user); absent means full ranking. */
  readonly candidates?: { readonly indptr: Int32Array; readonly items: Int32Array }
  /** Test interactions whose user has no training data. */
  readonly unseenUsers?: number
  /** Test interactions whose item has no training data. */
  readonly unseenItems?: number
}

/**
 * Recommenders that take new feedback without retraining (the serving feedback loop).
 * The reference app's `POST /feedback` and cold-start paths use these when a model has them.
 */
export interface IncrementalRecommender {
  /** Recommends for a user unseen in training from their interactions (fold-in, no retraining). */
  recommendNewUser(items: Int32Array, values: Float32Array | undefined, opts?: RecommendOptions): ScoredItems
  /** Applies new interactions of a known user to the model (e.g. recompute their factors). */
  partialFitUser?(user: number, items: Int32Array, values: Float32Array): void
}

/** True when `model` implements {@link IncrementalRecommender}. */
export function isIncremental(model: object): model is IncrementalRecommender {
  return typeof (model as Partial<IncrementalRecommender>).recommendNewUser === 'function'
}
