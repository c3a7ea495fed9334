import { RecForgeError, userRow, type Interactions, type Metric, type Recommender, type ScoredItems, type VectorIndex } from '@recforge/core'
import { ExactIndex } from './exact'
import { allFilters, excludeKeys } from './filters'
import { HnswIndex, type HnswIndexOptions } from './hnsw'

/** Options for {@link recommendWithIndex}. */
export interface RecommendWithIndexOptions {
  /** How many items. Defaults to `10`. */
  k?: number
  /** Items to leave out as already seen: the training interactions (the user's row is used) or the user's item list. Defaults to none. */
  seen?: Interactions | Int32Array
  /** Further items to leave out. Defaults to none. */
  exclude?: Int32Array
  /** Any further condition an item must meet. Defaults to none. */
  filter?: (item: number) => boolean
}

function vectorsOf(model: Recommender<object>): { vectors: Float32Array; dimensions: number } {
  if (typeof model.itemVectors !== 'function' || typeof model.userVector !== 'function') {
    throw new RecForgeError('INVALID_ARGUMENT', `model "${model.name}" does not expose itemVectors()/userVector(); only vector models (ALS, BPR, GMF, content embeddings) can be served through an index`)
  }
  return model.itemVectors()
}

/**
 * Builds an index over a model's item vectors (keys are item indices). `ip` matches dot-product
 * models (ALS, BPR, GMF); `cosine` suits normalised content embeddings.
 *
 * @example
 * ```ts
 * const index = buildItemIndex(als, { kind: 'hnsw', metric: 'ip' })
 * recommendWithIndex(als, index, user, { seen: train })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when the model has no item vectors; NOT_FITTED from the model.
 */
export function buildItemIndex(model: Recommender<object>, opts: { kind?: 'exact' | 'hnsw'; metric?: Metric } & Omit<Partial<HnswIndexOptions>, 'dimensions' | 'metric'> = {}): ExactIndex | HnswIndex {
  const { vectors, dimensions } = vectorsOf(model)
  const metric = opts.metric ?? 'ip'
  const n = vectors.length / dimensions
  const keys = Int32Array.from({ length: n }, (_, i) => i)
  const index = opts.kind === 'hnsw' ? new HnswIndex({ ...opts, dimensions, metric, capacity: Math.max(1, n) }) : new ExactIndex({ dimensions, metric, capacity: Math.max(1, n) })
  index.add(keys, vectors)
  return index
}

/**
 * Recommends through a vector index: searches with the model's user vector and turns distances
 * back into scores (higher is better: `dot` for `ip`, `cos` for cosine, `-‖u − v‖²` for l2).
 * Seen items are excluded inside the search, so `k` results come back when enough items remain.
 *
 * @example
 * ```ts
 * const top = recommendWithIndex(model, index, 3, { k: 10, seen: trainInteractions })
 * top.items // Int32Array of item indices, best first
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when the model has no user vectors; DIMENSION_MISMATCH when the index width differs.
 */
export function recommendWithIndex(model: Recommender<object>, index: VectorIndex, user: number, opts: RecommendWithIndexOptions = {}): ScoredItems {
  if (typeof model.userVector !== 'function') {
    throw new RecForgeError('INVALID_ARGUMENT', `model "${model.name}" does not expose userVector(); only vector models can be served through an index`)
  }
  const u = model.userVector(user)
  if (u.length !== index.dimensions) throw new RecForgeError('DIMENSION_MISMATCH', `user vector of model "${model.name}" has ${u.length} dimensions; the index expects ${index.dimensions}`)
  const seen = opts.seen === undefined ? undefined : opts.seen instanceof Int32Array ? opts.seen : userRow(opts.seen, user).items
  const filters: ((key: number) => boolean)[] = []
  if (seen && seen.length) filters.push(excludeKeys(seen))
  if (opts.exclude && opts.exclude.length) filters.push(excludeKeys(opts.exclude))
  if (opts.filter) filters.push(opts.filter)
  const res = index.search(u, opts.k ?? 10, filters.length ? allFilters(...filters) : undefined)
  const scores = new Float32Array(res.distances.length)
  for (let j = 0; j < scores.length; j++) scores[j] = index.metric === 'cosine' ? 1 - res.distances[j]! : -res.distances[j]!
  return { items: res.keys, scores }
}
