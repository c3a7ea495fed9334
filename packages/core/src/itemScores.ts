import { requireTensor } from './artifacts'
import { RecForgeError } from './errors'
import { BaseRecommender, type ModelState } from './recommender'
import type { ModelArtifacts } from './types'

/**
 * The shared part of models that give every user the same ranking, from one score per item
 * (popularity, differentially private popularity): the scores are kept in float64 for
 * `itemScores` and saving, scored from a float32 copy, and saved as one tensor. A model computes
 * the scores in `fitModel` and hands them to `setScores`.
 *
 * @example
 * ```ts
 * class Counts extends ItemScoresRecommender<{}> {
 *   readonly name = 'counts'
 *   protected readonly scoresTensor = 'counts'
 *   protected async fitModel(data: Interactions): Promise<void> {
 *     this.setScores(Float64Array.from(itemCounts(data)))
 *   }
 * }
 * ```
 */
export abstract class ItemScoresRecommender<Config extends object, FitReport = unknown> extends BaseRecommender<Config, FitReport> {
  /** The name of the tensor the scores are saved under (`popularity`, `counts`). */
  protected abstract readonly scoresTensor: string
  private scores64: Float64Array | undefined
  private scores32: Float32Array | undefined

  /**
   * The score of every item (a copy).
   *
   * @throws RecForgeError NOT_FITTED before `fit` or `load`.
   */
  itemScores(): Float64Array {
    this.requireFitted()
    return this.scores64!.slice()
  }

  /** Keeps `scores` (one per catalogue item, not copied) as the model's scores. */
  protected setScores(scores: Float64Array): void {
    this.scores64 = scores
    this.scores32 = Float32Array.from(scores)
  }

  protected scoreAll(_user: number, out: Float32Array): void {
    out.set(this.scores32!)
  }

  protected override saveState(): ModelState {
    return { tensors: { [this.scoresTensor]: this.scores64! } }
  }

  /** @throws RecForgeError PARSE_ERROR when the scores tensor is missing or its length is not the catalogue's. */
  protected override restoreState(a: ModelArtifacts, _version: number): void {
    const scores = requireTensor(a, this.scoresTensor, Float64Array)
    if (scores.length !== this.numItems) throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: ${this.scoresTensor} has ${scores.length} entries; the catalogue has ${this.numItems} items`)
    this.setScores(scores)
  }
}
