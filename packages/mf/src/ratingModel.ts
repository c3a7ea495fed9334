import { RecForgeError, throwIfAborted, type FitOptions } from '@recforge/core'
import { FactorRecommender } from './factorModel'
import { ratingFoldIn } from './internal/ratings'
import type { SgdConfig } from './params'

/**
 * Checks what the schema cannot: a bias rate is -1 (the factors' value) or >= 0. Returns the config.
 *
 * @throws RecForgeError INVALID_ARGUMENT for a bias rate between -1 and 0, naming it.
 */
export function checkBiasRates<C extends SgdConfig>(config: C, model: string): C {
  for (const key of ['learningRateBias', 'l2Bias'] as const) {
    const v = config[key]
    if (v < 0 && v !== -1) throw new RecForgeError('INVALID_ARGUMENT', `${model}: parameter "${key}" must be -1 (the value of ${key === 'l2Bias' ? 'l2' : 'learningRate'}) or >= 0; got ${v}`)
  }
  return config
}

/** What {@link RatingFactorModel.trainEpochs} asks of a model, once per epoch. */
export interface EpochSteps<State> {
  /** Runs one SGD epoch at these learning rates (shuffling first when the config says so); returns the summed squared training error. */
  epoch(learningRate: number, learningRateBias: number): number
  /** The summed squared error on the validation entries with the current parameters. */
  validationError(): number
  /** A copy of the current parameters, kept while they are the best on validation. */
  snapshot(): State
}

/**
 * The part the SGD rating models ({@link MF}, {@link SVDpp}) share beyond the factor model:
 * the bias rates (`-1` = those of the factors), the epoch loop with learning-rate decay and early
 * stopping on a validation part, and the least-squares fold-in.
 */
export abstract class RatingFactorModel<Config extends SgdConfig> extends FactorRecommender<Config> {
  protected readonly accumulate = false
  /** Epochs actually run by the last fit (fewer than `epochs` when stopped early). */
  epochsRun = 0
  /** Validation RMSE of the kept parameters, when `validationFraction` > 0. */
  validationRmse: number | undefined

  /** The learning rate and L2 penalty of the biases in effect: their own, or those of the factors. */
  protected get biasRates(): { learningRate: number; l2: number } {
    const c = this.config
    return { learningRate: c.learningRateBias === -1 ? c.learningRate : c.learningRateBias, l2: c.l2Bias === -1 ? c.l2 : c.l2Bias }
  }

  /**
   * Runs up to `epochs` epochs: learning rates decay by `lrDecay` after each; with validation
   * entries, the parameters of the best validation RMSE are kept and training stops after
   * `patience` epochs without improvement. Returns the kept snapshot (undefined without
   * validation: the current parameters are the result) and sets `epochsRun`/`validationRmse`.
   *
   * @throws RecForgeError ABORTED when `opts.signal` fires.
   */
  protected trainEpochs<State>(opts: FitOptions, counts: { train: number; valid: number }, steps: EpochSteps<State>, what: string): State | undefined {
    const c = this.config
    let lr = c.learningRate
    let lrB = this.biasRates.learningRate
    let best = Number.POSITIVE_INFINITY
    let bestState: State | undefined
    let sinceBest = 0
    this.epochsRun = 0
    for (let ep = 0; ep < c.epochs; ep++) {
      throwIfAborted(opts.signal, what)
      const sse = steps.epoch(lr, lrB)
      this.epochsRun = ep + 1
      lr *= c.lrDecay
      lrB *= c.lrDecay
      const metrics: Record<string, number> = { trainRmse: Math.sqrt(sse / Math.max(1, counts.train)) }
      if (counts.valid > 0) {
        const vr = Math.sqrt(steps.validationError() / counts.valid)
        metrics.validRmse = vr
        if (vr < best - 1e-6) {
          best = vr
          sinceBest = 0
          bestState = steps.snapshot()
        } else sinceBest++
      }
      opts.onProgress?.({ stage: 'epoch', current: ep + 1, total: c.epochs, metrics })
      if (counts.valid > 0 && sinceBest >= c.patience) break
    }
    this.validationRmse = bestState ? best : undefined
    return bestState
  }

  /** Least-squares p_u (and b_u when `biased`) for a history with the items fixed: the point SGD converges to. */
  protected solveUser(items: Int32Array, values: Float32Array, biased: boolean, offset?: Float64Array): { p: Float64Array; bias: number } {
    return ratingFoldIn({
      items,
      values,
      k: this.k,
      itemFactors: this.itemFactors,
      itemBias: this.itemBias,
      globalMean: this.globalMean,
      l2: this.config.l2,
      l2Bias: this.biasRates.l2,
      biased,
      offset,
    })
  }
}
