import {
  BaseRecommender,
  RecForgeError,
  defineParams,
  param,
  requireTensor,
  resolveConfig,
  type ConfigOf,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
  type ModelState,
} from '@recforge/core'

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
export class Popularity extends BaseRecommender<PopularityConfig> {
  readonly name = 'pop'
  private popularity: Float64Array | undefined
  private scores32: Float32Array | undefined

  constructor(config: Partial<PopularityConfig> = {}) {
    super(resolveConfig(POP_PARAMS, config, { model: 'pop' }))
  }

  /** The popularity score of every item (a copy). */
  itemScores(): Float64Array {
    this.requireFitted()
    return this.popularity!.slice()
  }

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

  private setScores(pop: Float64Array): void {
    this.popularity = pop
    this.scores32 = Float32Array.from(pop)
  }

  protected scoreAll(_user: number, out: Float32Array): void {
    out.set(this.scores32!)
  }

  protected override saveState(): ModelState {
    return { tensors: { popularity: this.popularity! } }
  }

  protected override restoreState(a: ModelArtifacts): void {
    const pop = requireTensor(a, 'popularity', Float64Array)
    if (pop.length !== this.numItems) throw new RecForgeError('PARSE_ERROR', `pop artifacts: popularity has ${pop.length} entries; the catalogue has ${this.numItems} items`)
    this.setScores(pop)
  }
}
