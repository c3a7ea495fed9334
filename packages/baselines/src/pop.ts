import {
  BaseRecommender,
  RecForgeError,
  checkArtifacts,
  checkNumber,
  requireTensor,
  type FitOptions,
  type Interactions,
  type ModelArtifacts,
} from '@recforge/core'
import { checkBool, checkKeys } from './internal/util'

/** Options of {@link Popularity}. */
export interface PopularityConfig {
  /** Count each interaction by its value (rating, weight) instead of 1. Defaults to `false`. */
  weighted: boolean
  /**
   * Recency decay: an interaction `halfLifeDays` days older than the newest one counts half
   * (0 = no decay; needs timestamps in seconds). Defaults to `0`.
   */
  halfLifeDays: number
}

const DEFAULTS: PopularityConfig = { weighted: false, halfLifeDays: 0 }
const FORMAT_VERSION = 1
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
    checkKeys('pop', config, Object.keys(DEFAULTS))
    const c = { ...DEFAULTS, ...config }
    checkBool('weighted', c.weighted)
    checkNumber('halfLifeDays', c.halfLifeDays, { min: 0 })
    super(c)
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

  override async save(): Promise<ModelArtifacts> {
    const base = this.baseArtifacts()
    return { model: this.name, formatVersion: FORMAT_VERSION, config: { ...this.config }, meta: base.meta, tensors: { ...base.tensors, popularity: this.popularity! } }
  }

  /**
   * Rebuilds a fitted model from {@link Popularity.save} artifacts.
   *
   * @example
   * ```ts
   * const again = await Popularity.load(await pop.save())
   * ```
   * @throws RecForgeError INVALID_ARGUMENT / UNSUPPORTED_VERSION / PARSE_ERROR for artifacts of another model, version or shape.
   */
  static override async load(a: ModelArtifacts): Promise<Popularity> {
    checkArtifacts(a, 'pop', FORMAT_VERSION)
    const model = new Popularity(a.config as Partial<PopularityConfig>)
    model.restoreBase(a)
    const pop = requireTensor(a, 'popularity', Float64Array)
    if (pop.length !== model.numItems) throw new RecForgeError('PARSE_ERROR', `pop artifacts: popularity has ${pop.length} entries; the catalogue has ${model.numItems} items`)
    model.setScores(pop)
    return model
  }
}
