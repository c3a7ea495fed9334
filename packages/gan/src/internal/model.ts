import { BaseRecommender, Random, RecForgeError, requireTensor, type FitOptions, type Interactions, type ModelArtifacts, type ModelState } from '@recforge/core'
import { initBackend, type tf } from '@recforge/tf'

/**
 * What CFGAN and IRGAN share beyond `BaseRecommender`: the trained generator lives in named
 * typed arrays (scoring needs no TensorFlow.js backend), saved as tensors of those names and
 * checked against the sizes the config and the catalogue imply when loaded.
 */
export abstract class GANRecommender<C extends { readonly seed: number }, K extends string> extends BaseRecommender<C> {
  /** The trained generator weights by name. */
  protected weights: Readonly<Record<K, Float32Array>> | undefined

  /** Trains on `data` with the TensorFlow.js backend started and `rng` seeded by `opts.seed` or the config's `seed`. */
  protected abstract train(data: Interactions, opts: FitOptions, rng: Random): Promise<void>

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    await initBackend()
    await this.train(data, opts, new Random(opts.seed ?? this.config.seed))
  }

  /** The length each weight must have for the fitted vocabularies and the config. */
  protected abstract weightSizes(): Record<K, number>

  /** Reads the trained variables back into {@link weights}. */
  protected async keepWeights(vars: Readonly<Record<K, tf.Variable>>): Promise<void> {
    const out = {} as Record<K, Float32Array>
    for (const name of Object.keys(vars) as K[]) out[name] = (await vars[name].data()) as Float32Array
    this.weights = out
  }

  protected override saveState(): ModelState {
    return { tensors: { ...this.weights! } }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const out = {} as Record<K, Float32Array>
    for (const [name, size] of Object.entries(this.weightSizes()) as [K, number][]) {
      const t = requireTensor(a, name, Float32Array)
      if (t.length !== size) throw new RecForgeError('PARSE_ERROR', `${this.name} artifacts: tensor "${name}" holds ${t.length} values; ${this.numUsers} users, ${this.numItems} items and the config need ${size}`)
      out[name] = t
    }
    this.weights = out
  }
}
