import { ItemScoresRecommender, Random, defineParams, nnz, param, type ConfigOf, type FitOptions, type Interactions, type ModelArtifacts, type ModelState } from '@recforge/core'
import { gaussianMechanismSigma } from './gaussian'
import { resolveDelta } from './internal/budget'
import { randomPrefix } from './internal/subset'
import { laplace, secureNoise, seededNoise } from './noise'
import { readPrivacyReport, type PrivacyReport, type PrivateModel } from './report'

/** The parameters of {@link DPPopularity} (the `dppop` model). */
export const DPPOP_PARAMS = defineParams({
  epsilon: param.float({ default: 1, min: 0, exclusiveMin: true, description: 'privacy budget of the released counts' }),
  mechanism: param.enumOf({ values: ['laplace', 'gaussian'], default: 'laplace', description: 'Laplace noise (pure epsilon-DP, delta 0) or Gaussian noise (analytic calibration, needs delta)' }),
  delta: param.float({ default: 0, min: 0, max: 1, exclusiveMax: true, description: 'delta of the Gaussian mechanism (0 = 1/n, n the number of ratings, or of users with unit user)' }),
  unit: param.enumOf({ values: ['rating', 'user'], default: 'rating', description: 'what one guarantee protects: one rating, or all of one user\'s ratings' }),
  maxItemsPerUser: param.int({ default: 50, min: 1, description: 'with unit user: items each user counts for, chosen at random (bounds the sensitivity)' }),
  dp: param.bool({ default: true, description: 'add noise (false: exact counts, a non-private reference)' }),
  secureNoise: param.bool({ default: false, description: 'draw noise from crypto.getRandomValues instead of the seed (what a deployment needs)' }),
  seed: param.int({ default: 42, description: 'seed of the noise (unless secureNoise) and of the items kept per user' }),
})

/** The configuration of {@link DPPopularity}: see {@link DPPOP_PARAMS}. */
export type DPPopularityConfig = ConfigOf<typeof DPPOP_PARAMS>

/**
 * Most-popular items from noisy counts: each item's number of ratings gets Laplace noise of
 * scale Δ₁/ε (ε-DP) or Gaussian noise calibrated by the analytic Gaussian mechanism (Balle &
 * Wang 2018) to (ε, δ) for L2 sensitivity Δ₂. One rating changes one count by 1 (Δ₁ = Δ₂ = 1);
 * with `unit: 'user'` each user counts for at most `maxItemsPerUser` = m items, so one user
 * changes at most m counts by 1 each (Δ₁ = m, Δ₂ = √m); a user's repeated rating of an item counts once. Ranking by the noisy counts is
 * post-processing and costs nothing more.
 *
 * @example
 * ```ts
 * const pop = new DPPopularity({ epsilon: 0.5 })
 * await pop.fit(train)
 * pop.privacy // { epsilon: 0.5, delta: 0, mechanism: 'laplace', unit: 'rating' }
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for out-of-range options.
 */
export class DPPopularity extends ItemScoresRecommender<DPPopularityConfig> implements PrivateModel {
  static override readonly params = DPPOP_PARAMS
  readonly name = 'dppop'
  protected readonly scoresTensor = 'counts'
  private report: PrivacyReport | undefined

  /** The privacy the released counts spent; `undefined` before fit and with `dp: false`. */
  get privacy(): PrivacyReport | undefined {
    return this.report
  }

  protected async fitModel(data: Interactions, opts: FitOptions): Promise<void> {
    const c = this.config
    const nu = data.users.size
    const rng = new Random(opts.seed ?? c.seed)
    const counts = new Float64Array(data.items.size)
    const m = c.maxItemsPerUser
    if (c.unit === 'rating') {
      for (let e = 0; e < nnz(data); e++) counts[data.indices[e]!]! += 1
    } else {
      // each user counts for at most m distinct items, a uniform random choice when they have more
      const mark = new Int32Array(data.items.size).fill(-1)
      const row = new Int32Array(data.items.size)
      for (let u = 0; u < nu; u++) {
        let len = 0
        for (let e = data.indptr[u]!; e < data.indptr[u + 1]!; e++) {
          const i = data.indices[e]!
          if (mark[i] !== u) {
            mark[i] = u
            row[len++] = i
          }
        }
        const keep = Math.min(m, len)
        randomPrefix(row, len, keep, rng)
        for (let j = 0; j < keep; j++) counts[row[j]!]! += 1
      }
    }
    this.report = undefined
    if (c.dp) {
      const noise = c.secureNoise ? secureNoise() : seededNoise(rng.uint32())
      const sens = c.unit === 'rating' ? 1 : m
      if (c.mechanism === 'laplace') {
        const scale = sens / c.epsilon
        for (let i = 0; i < counts.length; i++) counts[i]! += laplace(noise, scale)
        this.report = { epsilon: c.epsilon, delta: 0, mechanism: 'laplace', unit: c.unit }
      } else {
        const delta = resolveDelta('dppop', c.delta, c.unit === 'rating' ? nnz(data) : nu, c.unit)
        const sigma = gaussianMechanismSigma(c.epsilon, delta, Math.sqrt(sens))
        for (let i = 0; i < counts.length; i++) counts[i]! += sigma * noise.normal()
        this.report = { epsilon: c.epsilon, delta, mechanism: 'gaussian', unit: c.unit }
      }
    }
    this.setScores(counts)
  }

  protected override saveState(): ModelState {
    return { ...super.saveState(), meta: { privacy: this.report ?? null } }
  }

  protected override restoreState(a: ModelArtifacts, version: number): void {
    super.restoreState(a, version)
    this.report = readPrivacyReport((a.meta ?? {}).privacy, 'dppop')
  }
}
