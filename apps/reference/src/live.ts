import { isIncremental, type Recommender, type ScoredItems } from '@recforge/core'

/** How the service applies live feedback to one model. */
export interface LiveUpdater {
  /** Whether the model itself changes with feedback (otherwise only seen items are excluded). */
  readonly incremental: boolean
  update(user: number, items: Int32Array, values: Float32Array): void
  foldIn?: (items: Int32Array, values: Float32Array, k: number) => ScoredItems
}

/** Wraps a model's incremental abilities (core's IncrementalRecommender) for the service. */
export function liveUpdater(model: Recommender<object>): LiveUpdater {
  if (!isIncremental(model)) return { incremental: false, update: () => {} }
  return {
    incremental: typeof model.partialFitUser === 'function',
    update: (u, items, values) => model.partialFitUser?.(u, items, values),
    foldIn: (items, values, k) => model.recommendNewUser(items, values, { k }),
  }
}
