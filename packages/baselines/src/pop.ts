import { ItemScoresRecommender, RecForgeError, defineParams, param, type ConfigOf, type FitOptions, type Interactions } from '@recforge/core'

/** The parameters of {@link Popularity} (the `pop` model). */
export const POP_PARAMS = defineParams({
  weighted: param.bool({ default: false, description: 'count each interaction by its value (rating, weight) instead of 1' }),
  halfLifeDays: param.float({
    default: 0,
    min: 0,
    description: 'recency decay: an interaction this many days older than the newest counts half (0 = no decay; needs timestamps in seconds)',
  }),
})

/** The configuration of {@link Popularity}: see {@link POP_PARAMS}. */
export type PopularityConfig = ConfigOf<typeof POP_PARAMS>

const DAY = 86_400

/**
 * Most-popular items: every user gets the same ranking by interaction count, optionally weighted by
 * value and decayed by age with a half-life. A baseline every personalised model has to beat.
 *
 * @example
 * ```ts
 * const pop = new Popularity({ halfLifeDays: 30 })
 * await pop.fit(train)
 * pop.recommend(0, { k: 10 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a negative half-life or an unknown option; at fit when
 *   a half-life is set and the data has no timestamps.
 */
export class Popularity extends ItemScoresRecommender<PopularityConfig> {
  static override readonly params = POP_PARAMS
  readonly name = 'pop'
  protected readonly scoresTensor = 'popularity'

  protected async fitModel(data: Interactions, _opts: FitOptions): Promise<void> {
    const { weighted, halfLifeDays } = this.config
    const n = data.indptr[data.users.size]!
    const ts = data.timestamps
    if (halfLifeDays > 0 && !ts) {
      throw new RecForgeError('INVALID_ARGUMENT', `pop: halfLifeDays is ${halfLifeDays} but the interactions have no timestamps; load them with timestamps or set halfLifeDays to 0`)
    }
    let newest = Number.NEGATIVE_INFINITY
    if (halfLifeDays > 0) for (let k = 0; k < n; k++) if (ts![k]! > newest) newest = ts![k]!
    const rate = halfLifeDays > 0 ? Math.LN2 / (halfLifeDays * DAY) : 0
    const pop = new Float64Array(data.items.size)
    for (let k = 0; k < n; k++) {
      let w = weighted ? data.values[k]! : 1
      if (rate > 0) w *= Math.exp(-rate * (newest - ts![k]!))
      pop[data.indices[k]!]! += w
    }
    this.setScores(pop)
  }
}
