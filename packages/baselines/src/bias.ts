import { BaseRecommender, RecForgeError, defineParams, param, requireTensor, throwIfAborted, type ConfigOf, type FitOptions, type Interactions, type ModelArtifacts, type ModelState } from '@recforge/core'

/** The parameters of {@link Bias} (the `bias` model). */
export const BIAS_PARAMS = defineParams({
  epochs: param.int({ default: 10, min: 1, description: 'alternating passes: item biases, then user biases' }),
  l2User: param.float({ default: 2.5, min: 0, description: 'shrinkage of each user bias towards 0 (added to the user\'s rating count)' }),
  l2Item: param.float({ default: 2.5, min: 0, description: 'shrinkage of each item bias towards 0 (added to the item\'s rating count)' }),
})

/** The configuration of {@link Bias}: see {@link BIAS_PARAMS}. */
export type BiasConfig = ConfigOf<typeof BIAS_PARAMS>

/**
 * The baseline predictor `r̂ = μ + b_u + b_i` (Koren 2010, section 2.1): the global mean plus a
 * user and an item bias, fitted by alternating regularised least squares (each bias is the mean
 * residual of its ratings, shrunk by `l2User` or `l2Item`). The rating baseline every rating model
 * has to beat; as a ranking it orders items by their bias.
 *
 * @example
 * ```ts
 * const bias = new Bias({ epochs: 10 })
 * await bias.fit(train)
 * bias.score(0, Int32Array.of(3, 7)) // predicted ratings
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a negative shrinkage or an unknown option.
 */
export class Bias extends BaseRecommender<BiasConfig> {
  static override readonly params = BIAS_PARAMS
  readonly name = 'bias'
  private mean = 0
  private userBias: Float64Array | undefined
  private itemBias: Float64Array | undefined

  /** The global mean and copies of the user and item biases. */
  biases(): { mean: number; users: Float64Array; items: Float64Array } {
    this.requireFitted()
    return { mean: this.mean, users: this.userBias!.slice(), items: this.itemBias!.slice() }
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const { epochs, l2User, l2Item } = this.config
    const nu = data.users.size
    const ni = data.items.size
    const { indptr, indices, values } = data
    const n = indptr[nu]!
    let sum = 0
    for (let k = 0; k < n; k++) sum += values[k]!
    const mean = n > 0 ? sum / n : 0
    const bu = new Float64Array(nu)
    const bi = new Float64Array(ni)
    const itemCount = new Float64Array(ni)
    for (let k = 0; k < n; k++) itemCount[indices[k]!]!++
    for (let epoch = 0; epoch < epochs; epoch++) {
      throwIfAborted(opts.signal)
      bi.fill(0)
      for (let u = 0; u < nu; u++) for (let k = indptr[u]!; k < indptr[u + 1]!; k++) bi[indices[k]!]! += values[k]! - mean - bu[u]!
      for (let i = 0; i < ni; i++) bi[i] = bi[i]! / (l2Item + itemCount[i]!) || 0
      for (let u = 0; u < nu; u++) {
        let r = 0
        for (let k = indptr[u]!; k < indptr[u + 1]!; k++) r += values[k]! - mean - bi[indices[k]!]!
        bu[u] = r / (l2User + indptr[u + 1]! - indptr[u]!) || 0
      }
      opts.onProgress?.({ stage: 'epoch', current: epoch + 1, total: epochs })
    }
    this.mean = mean
    this.userBias = bu
    this.itemBias = bi
  }

  protected scoreAll(user: number, out: Float32Array): void {
    const base = this.mean + this.userBias![user]!
    const bi = this.itemBias!
    for (let i = 0; i < out.length; i++) out[i] = base + bi[i]!
  }

  protected override saveState(): ModelState {
    return { meta: { mean: this.mean }, tensors: { userBias: this.userBias!, itemBias: this.itemBias! } }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const mean = a.meta?.['mean']
    const users = requireTensor(a, 'userBias', Float64Array)
    const items = requireTensor(a, 'itemBias', Float64Array)
    if (typeof mean !== 'number' || !Number.isFinite(mean)) throw new RecForgeError('PARSE_ERROR', `bias artifacts: meta.mean must be a finite number; got ${String(mean)}`)
    if (users.length !== this.numUsers || items.length !== this.numItems) {
      throw new RecForgeError('PARSE_ERROR', `bias artifacts: ${users.length} user and ${items.length} item biases for ${this.numUsers} users and ${this.numItems} items`)
    }
    this.mean = mean
    this.userBias = users
    this.itemBias = items
  }
}
