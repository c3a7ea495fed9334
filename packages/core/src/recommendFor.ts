import { RecForgeError } from './errors'
import type { RecommendOptions, Recommender } from './types'
import { checkId, type Vocabulary } from './vocabulary'

/** Options of {@link recommendFor}: those of {@link RecommendOptions}, with items named by their external ids. */
export interface RecommendForOptions {
  /** How many items. Defaults to `10`. */
  k?: number
  /** Leave out items the user interacted with in training. Defaults to `true`. */
  excludeSeen?: boolean
  /** Rank only these items (external ids). Defaults to the whole catalogue. */
  candidates?: readonly string[]
  /** Further items to leave out (external ids). Defaults to none. */
  exclude?: readonly string[]
}

/** One recommended item: its external id and its score (higher is better). */
export interface RecommendedItem {
  readonly id: string
  readonly score: number
}

/** A fitted model that knows the vocabularies of its training data, as every {@link BaseRecommender} does. */
export type RecommenderWithIds = Pick<Recommender<object>, 'name' | 'recommend'> & {
  readonly vocabularies: { readonly users: Vocabulary; readonly items: Vocabulary }
}

function itemIndices(items: Vocabulary, ids: readonly string[], what: string, model: string): Int32Array {
  if (!Array.isArray(ids)) throw new RecForgeError('INVALID_ARGUMENT', `${model}: ${what} must be an array of item ids; got ${typeof ids}`)
  const out = new Int32Array(ids.length)
  for (let j = 0; j < ids.length; j++) {
    const id = ids[j]
    checkId(id, `${what}[${j}]`)
    const i = items.index(id)
    if (i === undefined) throw new RecForgeError('UNKNOWN_ID', `${model}: ${what}[${j}] is the unknown item ${JSON.stringify(id)}; the model was trained on ${items.size} items`)
    out[j] = i
  }
  return out
}

/**
 * The top `k` items for the user with external id `userId`, as `{ id, score }` pairs best first:
 * {@link Recommender.recommend} with ids in and ids out, for code that never sees dense indices.
 *
 * @example
 * ```ts
 * const top = recommendFor(model, 'ann', { k: 5, exclude: ['heat'] }) // [{ id: 'ronin', score: 1.2 }, ...]
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when `userId` or an item id is not a string, or for a bad
 *   `k`; UNKNOWN_ID when the user or an item id was not in the training data; NOT_FITTED before `fit`.
 */
export function recommendFor(model: RecommenderWithIds, userId: string, opts: RecommendForOptions = {}): RecommendedItem[] {
  checkId(userId, 'userId')
  const { users, items } = model.vocabularies
  const user = users.index(userId)
  if (user === undefined) throw new RecForgeError('UNKNOWN_ID', `${model.name}: unknown user ${JSON.stringify(userId)}; the model was trained on ${users.size} users`)
  const options: RecommendOptions = {
    ...(opts.k !== undefined ? { k: opts.k } : {}),
    ...(opts.excludeSeen !== undefined ? { excludeSeen: opts.excludeSeen } : {}),
    ...(opts.candidates ? { candidates: itemIndices(items, opts.candidates, 'candidates', model.name) } : {}),
    ...(opts.exclude ? { exclude: itemIndices(items, opts.exclude, 'exclude', model.name) } : {}),
  }
  const top = model.recommend(user, options)
  const out: RecommendedItem[] = new Array(top.items.length)
  for (let j = 0; j < top.items.length; j++) out[j] = { id: items.id(top.items[j]!), score: top.scores[j]! }
  return out
}
