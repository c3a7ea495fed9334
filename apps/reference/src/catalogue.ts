import { itemCounts, RecForgeError, type Interactions, type ItemSideInfo, type Recommender, type ParamValues, type Vocabulary } from '@recforge/core'
import { Explainer } from './explain'
import { liveUpdater, type LiveUpdater } from './live'

/** A model the service answers with. */
export interface ServedModel {
  readonly name: string
  readonly model: Recommender<object>
  /** Quality figures from the last evaluation, shown by `GET /models`. */
  readonly metrics?: Readonly<Record<string, number>>
  readonly trainedAt: string
  /** The registry parameters it was created with (for retraining). */
  readonly params?: ParamValues
  /** Fit and evaluation seconds of the evaluation behind `metrics`. */
  readonly timing?: { fitSeconds: number; evalSeconds: number }
}

/** One entry of `GET /models`. */
export interface ModelListing {
  name: string
  default: boolean
  metrics?: Readonly<Record<string, number>>
  trainedAt: string
  incremental: boolean
  bandit?: { policy: string; base: string }
}

/** What a catalogue serves: models trained on one set of interactions. */
export interface CatalogueContents {
  data: Interactions
  itemInfo?: ItemSideInfo
  models: readonly ServedModel[]
  /** The generation these models come from, when they were loaded from a model folder. */
  generation?: string
}

/**
 * The served models of one generation, with what serving needs beside each: its live updater
 * (fold-in, incremental updates), its explainer (built on first use) and the item popularity of
 * the training data. A swap replaces all of it at once.
 */
export class ModelCatalogue {
  private models = new Map<string, ServedModel>()
  private updaters = new Map<string, LiveUpdater>()
  private readonly explainers = new Map<string, Explainer>()
  private contents: CatalogueContents
  /** How many training users chose each item. */
  popularity: Int32Array
  defaultModel: string
  /** Models still being trained, listed by `GET /models` (e.g. the slow ones of `recforge demo`). */
  readonly training = new Set<string>()

  constructor(contents: CatalogueContents, defaultModel?: string) {
    if (!contents.models.length) throw new RecForgeError('INVALID_ARGUMENT', 'the service needs at least one model')
    this.contents = contents
    this.popularity = itemCounts(contents.data)
    this.setModels(contents.models)
    this.defaultModel = defaultModel ?? contents.models[0]!.name
    this.model(this.defaultModel)
  }

  get data(): Interactions {
    return this.contents.data
  }

  get itemInfo(): ItemSideInfo | undefined {
    return this.contents.itemInfo
  }

  get items(): Vocabulary {
    return this.contents.data.items
  }

  get generation(): string | undefined {
    return this.contents.generation
  }

  /** Swaps in another generation (same item catalogue). The default model stays when the new one has it. */
  swap(contents: CatalogueContents): void {
    if (!contents.models.length) throw new RecForgeError('INVALID_ARGUMENT', 'the service needs at least one model')
    if (contents.data.items.size !== this.items.size) throw new RecForgeError('DIMENSION_MISMATCH', `the new generation has ${contents.data.items.size} items; the service serves ${this.items.size}`)
    this.contents = contents
    this.popularity = itemCounts(contents.data)
    this.setModels(contents.models)
    if (!this.models.has(this.defaultModel)) this.defaultModel = contents.models[0]!.name
    for (const m of contents.models) this.training.delete(m.name)
  }

  private setModels(models: readonly ServedModel[]): void {
    this.models = new Map(models.map((m) => [m.name, m]))
    this.updaters = new Map(models.map((m) => [m.name, liveUpdater(m.model)]))
    this.explainers.clear()
  }

  names(): string[] {
    return [...this.models.keys()]
  }

  all(): ServedModel[] {
    return [...this.models.values()]
  }

  has(name: string): boolean {
    return this.models.has(name)
  }

  /**
   * The served model called `name`.
   *
   * @throws RecForgeError UNKNOWN_ID naming the served models (and those still training).
   */
  model(name: string): ServedModel {
    const m = this.models.get(name)
    if (!m) {
      const pending = this.training.has(name) ? `; "${name}" is still training, try again when GET /models lists it` : ''
      throw new RecForgeError('UNKNOWN_ID', `unknown model "${name}"; serving ${[...this.models.keys()].join(', ')}${pending}`)
    }
    return m
  }

  updater(name: string): LiveUpdater {
    this.model(name)
    return this.updaters.get(name)!
  }

  /** Applies one user's live items to every incremental model. */
  update(u: number, items: Int32Array, values: Float32Array, onError: (model: string, e: unknown) => void): void {
    for (const [name, up] of this.updaters) {
      try {
        up.update(u, items, values)
      } catch (e) {
        onError(name, e)
      }
    }
  }

  explainer(name: string): Explainer {
    let e = this.explainers.get(name)
    if (!e) {
      e = new Explainer(this.contents.data, this.model(name).model.itemVectors?.())
      this.explainers.set(name, e)
    }
    return e
  }

  listing(): ModelListing[] {
    return [...this.models.values()].map((m) => ({
      name: m.name,
      default: m.name === this.defaultModel,
      ...(m.metrics ? { metrics: m.metrics } : {}),
      trainedAt: m.trainedAt,
      incremental: this.updaters.get(m.name)!.incremental,
    }))
  }
}
