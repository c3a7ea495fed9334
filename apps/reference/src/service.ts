import { RecForgeError, topK, type IdVocabulary, type Interactions, type ItemSideInfo, type ModelArtifacts, type ScoredItems, type Vocabulary } from '@recforge/core'
import { ServedBandit, type BanditServing, type BanditStats } from './bandit'
import { ModelCatalogue, type CatalogueContents, type ModelListing, type ServedModel } from './catalogue'
import { RequestError } from './errors'
import { DuplicateUserError, MemoryEventLog, type EventLog, type LogRecord, type StoredRecord } from './eventlog'
import { Experiment, type ArmStats } from './experiments'
import { LiveState } from './live'
import { ModelUpdates, type ModelUpdateOptions } from './updates'

export type { ServedModel, ModelListing } from './catalogue'
export type { BanditServing, BanditStats } from './bandit'
export { stableHash } from './experiments'
export type { ArmStats } from './experiments'

/** One recommended item in an API answer. */
export interface RecommendedItem {
  id: string
  title?: string
  score: number
  because?: { id: string; title?: string; similarity: number }
  /** For models that rank the same for everyone (popularity): how many training users chose the item. */
  popularity?: number
}

/** Models whose ranking ignores the user, so "because you liked X" would be untrue. */
const NON_PERSONALISED = new Set(['pop'])

export interface RecommendationAnswer {
  user: string
  model: string
  /** A/B arm the user falls in, when A/B mode is on. */
  arm?: 'a' | 'b'
  /** How the list was made: the model itself, a fold-in of a new user, or popularity for an unknown user. */
  strategy: 'model' | 'fold-in' | 'popularity'
  items: RecommendedItem[]
}

/** A feedback event: `value` is a rating or weight; `event` a behaviour type weighted by {@link EVENT_WEIGHTS}. */
export interface FeedbackEvent {
  user: string
  item: string
  value?: number
  event?: keyof typeof EVENT_WEIGHTS
  /** Seconds since the epoch. Defaults to the time the service receives it. */
  timestamp?: number
}

/** Implicit weights of behaviour types (view < click < cart < buy), used when a feedback event has no value. */
export const EVENT_WEIGHTS = { view: 1, click: 2, cart: 3, buy: 5, rating: 1 } as const

/** The values a feedback event may carry by default. */
export const DEFAULT_VALUE_RANGE = { min: -100, max: 100 } as const

export interface ServiceOptions {
  /** Serving data: the interactions the models were trained on. */
  data: Interactions
  itemInfo?: ItemSideInfo
  models: readonly ServedModel[]
  /** The model answering when a request names none. Defaults to the first model. */
  defaultModel?: string
  /** Splits users between two models by a stable hash of their id. */
  ab?: { a: string; b: string }
  /** An online bandit over the base model's candidates, updated by feedback. */
  bandit?: BanditServing
  /** Where events and new users are stored before they are acknowledged. Defaults to a {@link MemoryEventLog} (nothing survives the process). */
  eventLog?: EventLog
  /** The generation the models come from. Defaults to none. */
  generation?: string
  /** The last event-log record that `data` already holds. Defaults to `0`. */
  eventsThrough?: number
  /** Feedback values outside this range are refused. Defaults to {@link DEFAULT_VALUE_RANGE}. */
  valueRange?: { min: number; max: number }
  /** Where the service reports what it skipped or could not apply. Defaults to none. */
  log?: (message: string) => void
  /** How model updates from feedback are paced ({@link ModelUpdates}). Defaults to its defaults. */
  modelUpdates?: ModelUpdateOptions
  /** Whether a user was erased (`DELETE /users/:id`): answered as unknown, its id refused for writes. Defaults to nobody. */
  erased?: (user: string) => boolean
}

/** `GET /metrics` counters. */
export interface ServiceStats {
  uptimeSeconds: number
  requests: number
  /** Feedback events stored in the event log, all time. */
  feedbackEvents: number
  /** Feedback events after the served generation (replayed into the models). */
  liveEvents: number
  generation?: string
  eventsThrough: number
  users: number
  newUsers: number
  /** Users whose model update from feedback is still held, and how long the oldest has waited. */
  modelUpdates: { pending: number; lagMs: number; applied: number }
  ab?: { a: ArmStats; b: ArmStats }
  bandit?: BanditStats
}

/**
 * The serving state behind the HTTP API. It composes a {@link ModelCatalogue} (the models of the
 * served generation), the event log and the {@link LiveState} built from it (users and feedback
 * after the generation), an A/B {@link Experiment} and a {@link ServedBandit}. Writes are stored
 * in the log first and applied once stored, so an acknowledged write is never lost; the model
 * updates they cause are held per user and applied in the background ({@link ModelUpdates}),
 * and a read of a user applies that user's first. Reads are synchronous.
 */
export class RecService {
  readonly catalogue: ModelCatalogue
  readonly eventLog: EventLog
  private live: LiveState
  /** Model updates from feedback not applied yet. */
  readonly modelUpdates: ModelUpdates
  private readonly experiment?: Experiment
  private readonly bandit?: ServedBandit
  private readonly valueRange: { min: number; max: number }
  private readonly report: (message: string) => void
  private stored = 0
  private readonly startedAt = Date.now()
  private requests = 0

  constructor(readonly opts: ServiceOptions) {
    this.catalogue = new ModelCatalogue({ data: opts.data, ...(opts.itemInfo ? { itemInfo: opts.itemInfo } : {}), models: opts.models, ...(opts.generation ? { generation: opts.generation } : {}) }, opts.defaultModel)
    this.live = new LiveState(opts.data, opts.eventsThrough ?? 0)
    this.eventLog = opts.eventLog ?? new MemoryEventLog()
    this.report = opts.log ?? (() => {})
    this.modelUpdates = new ModelUpdates((u, items, values) => this.updateModels(u, items, values), opts.modelUpdates)
    const range = opts.valueRange ?? DEFAULT_VALUE_RANGE
    if (!(Number.isFinite(range.min) && Number.isFinite(range.max) && range.min <= range.max)) throw new RecForgeError('INVALID_ARGUMENT', `value range must be two finite numbers, min <= max; got ${range.min}..${range.max}`)
    this.valueRange = { min: range.min, max: range.max }
    if (opts.bandit) {
      const b = new ServedBandit(opts.bandit)
      if (this.catalogue.has(b.name)) throw new RecForgeError('INVALID_ARGUMENT', `the bandit's name "${b.name}" is already a model's name`)
      if (b.base !== undefined) this.catalogue.model(b.base)
      this.bandit = b
    }
    if (opts.ab) {
      this.servable(opts.ab.a)
      this.servable(opts.ab.b)
      this.experiment = new Experiment(opts.ab)
    }
  }

  /**
   * Replays the log's records after the generation into the live state and the models, and reads
   * the stored event count. Call once before serving.
   */
  async start(): Promise<{ replayed: number; lastSeq: number }> {
    let after = this.live.eventsThrough
    let replayed = 0
    for (;;) {
      const page = await this.eventLog.read(after, 10_000)
      if (!page.length) break
      replayed += this.applyStored(page, false)
      after = page.at(-1)!.seq
    }
    for (const [u, items, values] of this.live.knownUserRows()) this.updateModels(u, items, values)
    this.stored = await this.eventLog.countFeedback()
    return { replayed, lastSeq: after }
  }

  /** Throws unless `name` is a served model or the bandit. */
  private servable(name: string): void {
    if (name !== this.bandit?.name) this.catalogue.model(name)
  }

  get users(): IdVocabulary {
    return this.live.users
  }

  get items(): Vocabulary {
    return this.catalogue.items
  }

  get defaultModel(): string {
    return this.catalogue.defaultModel
  }

  /** The training data of the served generation and the last log record it holds (what a retrain builds on). */
  get served(): { data: Interactions; itemInfo?: ItemSideInfo; eventsThrough: number; generation?: string } {
    const c = this.catalogue
    return { data: c.data, ...(c.itemInfo ? { itemInfo: c.itemInfo } : {}), eventsThrough: this.live.eventsThrough, ...(c.generation ? { generation: c.generation } : {}) }
  }

  /** Names of the fitted models (the bandit is not one): what a retrain refits. */
  modelNames(): string[] {
    return this.catalogue.names()
  }

  model(name: string): ServedModel {
    return this.catalogue.model(name)
  }

  /**
   * Serves another generation: its models and training data replace the current ones, and the
   * live records it does not hold (those after its `eventsThrough`) are applied on top of it.
   */
  swap(contents: CatalogueContents & { eventsThrough: number }): void {
    this.catalogue.swap(contents)
    this.live.rebase(contents.data, contents.eventsThrough, contents.data.items)
    this.bandit?.forgetShown()
    // the new models get every live event below, so what was held for the old ones is done with
    this.modelUpdates.clear()
    for (const [u, items, values] of this.live.knownUserRows()) this.updateModels(u, items, values)
  }

  /** The served models, then the bandit (marked with its policy and base model) when there is one. */
  listModels(): ModelListing[] {
    const out = this.catalogue.listing()
    if (this.bandit) out.push({ name: this.bandit.name, default: false, trainedAt: new Date(this.startedAt).toISOString(), incremental: true, bandit: { policy: this.bandit.policy.name, base: this.banditBase() } })
    return out
  }

  private banditBase(): string {
    return this.bandit?.base ?? this.catalogue.defaultModel
  }

  private itemIndex(id: string, field?: string): number {
    const i = this.items.index(id)
    if (i === undefined) throw new RequestError('UNKNOWN_ID', `unknown item "${id}"; the catalogue has ${this.items.size} items`, { status: 404, ...(field ? { field } : {}) })
    return i
  }

  private describe(i: number): { id: string; title?: string } {
    const title = this.catalogue.itemInfo?.titles[i]
    return { id: this.items.id(i), ...(title ? { title } : {}) }
  }

  /** Refuses writes naming an erased user. */
  private checkNotErased(userId: string, field: string): void {
    if (this.opts.erased?.(userId)) throw new RequestError('INVALID_ARGUMENT', `user "${userId}" was erased; an erased id cannot be used again`, { status: 410, field })
  }

  private userIndex(userId: string): number {
    const u = this.opts.erased?.(userId) ? undefined : this.live.users.index(userId)
    if (u === undefined) throw new RecForgeError('UNKNOWN_ID', `unknown user "${userId}"; create it with POST /users or send feedback first`)
    return u
  }

  /** A user's history: training interactions then live ones, as item indices. */
  history(userId: string): { items: number[]; values: number[] } {
    return this.live.history(this.userIndex(userId))
  }

  historyItems(userId: string): (RecommendedItem & { value: number })[] {
    const h = this.history(userId)
    return h.items.map((i, j) => ({ ...this.describe(i), score: h.values[j]!, value: h.values[j]! }))
  }

  /** Free text a new user gave about themselves. */
  userText(userId: string): string | undefined {
    const u = this.live.users.index(userId)
    return u === undefined ? undefined : this.live.userText.get(u)
  }

  /** The arm of a user under A/B mode. */
  armOf(userId: string): 'a' | 'b' | undefined {
    return this.experiment?.armOf(userId)
  }

  /**
   * Top-k for a user. Known users get the model's list with live feedback excluded (and folded
   * in where the model supports it); users created after training get a fold-in from their
   * interactions, or popularity when the model cannot fold in or they have none.
   */
  recommend(userId: string, opts: { k?: number; model?: string; explain?: boolean } = {}): RecommendationAnswer {
    this.requests++
    const k = opts.k ?? 10
    if (!Number.isInteger(k) || k < 1 || k > 1000) throw new RecForgeError('INVALID_ARGUMENT', `k must be an integer in 1..1000; got ${opts.k}`)
    const arm = opts.model ? undefined : this.armOf(userId)
    const name = opts.model ?? (arm ? this.experiment!.models[arm] : this.catalogue.defaultModel)
    const isBandit = name === this.bandit?.name
    const modelName = isBandit ? this.banditBase() : name
    this.catalogue.model(modelName)
    const u = this.userIndex(userId)
    this.modelUpdates.settle(u)
    const hist = this.live.history(u)
    const ranked = this.rank(u, hist, modelName, isBandit ? Math.max(k, this.bandit!.candidates) : k)
    const strategy = ranked.strategy
    const list = isBandit ? this.bandit!.list(u, hist.items, ranked.list, k) : ranked.list
    const personal = strategy !== 'popularity' && !NON_PERSONALISED.has(modelName)
    const explainer = opts.explain === false || !personal ? undefined : this.catalogue.explainer(modelName)
    const popularity = this.catalogue.popularity
    const items: RecommendedItem[] = Array.from(list.items, (i, j) => {
      const why = explainer?.explain(i, hist.items)
      return {
        ...this.describe(i),
        score: list.scores[j]!,
        ...(why ? { because: { ...this.describe(why.because), similarity: Math.round(why.similarity * 1e4) / 1e4 } } : {}),
        ...(!personal && opts.explain !== false ? { popularity: popularity[i] ?? 0 } : {}),
      }
    })
    if (arm) this.experiment!.shown(userId, list.items)
    return { user: userId, model: name, ...(arm ? { arm } : {}), strategy, items }
  }

  /** The top `k` of model `name` for user `u`: the model itself, a fold-in for a new user, or popularity. */
  private rank(u: number, hist: { items: number[]; values: number[] }, name: string, k: number): { list: ScoredItems; strategy: RecommendationAnswer['strategy'] } {
    const served = this.catalogue.model(name)
    const updater = this.catalogue.updater(name)
    if (u < this.live.trainUsers) {
      return { list: served.model.recommend(u, { k, exclude: Int32Array.from(this.live.liveItems(u)) }), strategy: 'model' }
    }
    if (hist.items.length && updater.foldIn) {
      return { list: updater.foldIn(Int32Array.from(hist.items), Float32Array.from(hist.values), k), strategy: 'fold-in' }
    }
    return { list: topK(Float32Array.from(this.catalogue.popularity), k, { exclude: Int32Array.from(hist.items) }), strategy: 'popularity' }
  }

  /** The bandit's learned state and counters as artifacts, or undefined without a bandit. */
  banditState(): ModelArtifacts | undefined {
    return this.bandit?.state()
  }

  /**
   * Puts back a state from {@link RecService.banditState} (after a restart).
   *
   * @throws RecForgeError INVALID_ARGUMENT without a bandit or for another policy's state;
   * DIMENSION_MISMATCH / PARSE_ERROR for a state that does not fit.
   */
  restoreBandit(state: ModelArtifacts): void {
    if (!this.bandit) throw new RecForgeError('INVALID_ARGUMENT', 'the service serves no bandit')
    this.bandit.restore(state)
  }

  /** Items similar to `itemId` under a model (its own similarity, else item-vector cosine). */
  similar(itemId: string, opts: { k?: number; model?: string } = {}): { item: string; model: string; items: RecommendedItem[] } {
    this.requests++
    const k = opts.k ?? 10
    if (!Number.isInteger(k) || k < 1 || k > 1000) throw new RecForgeError('INVALID_ARGUMENT', `k must be an integer in 1..1000; got ${opts.k}`)
    const i = this.itemIndex(itemId)
    const candidates = opts.model ? [opts.model] : [this.catalogue.defaultModel, ...this.catalogue.names()]
    for (const name of candidates) {
      const m = this.catalogue.model(name).model
      let res: ScoredItems | undefined
      if (m.similarItems) res = m.similarItems(i, k)
      else if (m.itemVectors) {
        const { vectors, dimensions: d } = m.itemVectors()
        const n = vectors.length / d
        const s = new Float32Array(n)
        let qn = 0
        for (let j = 0; j < d; j++) qn += vectors[i * d + j]! ** 2
        for (let x = 0; x < n; x++) {
          let dot = 0
          let xn = 0
          for (let j = 0; j < d; j++) {
            dot += vectors[i * d + j]! * vectors[x * d + j]!
            xn += vectors[x * d + j]! ** 2
          }
          s[x] = dot / (Math.sqrt(qn * xn) || 1)
        }
        res = topK(s, k, { exclude: new Int32Array([i]) })
      }
      if (res) return { item: itemId, model: name, items: Array.from(res.items, (x, j) => ({ ...this.describe(x), score: res!.scores[j]! })) }
      if (opts.model) break
    }
    const able = this.catalogue.all().filter((m) => m.model.similarItems || m.model.itemVectors)
    throw new RecForgeError('INVALID_ARGUMENT', `model "${opts.model ?? this.catalogue.defaultModel}" defines no item similarity; try one of ${able.map((m) => m.name).join(', ') || 'none'}`)
  }

  /** Items whose title contains `q` (case-insensitive), for search boxes. */
  searchItems(q: string, limit = 20): { id: string; title?: string }[] {
    const needle = q.toLowerCase()
    const out: { id: string; title?: string }[] = []
    const titles = this.catalogue.itemInfo?.titles
    for (let i = 0; i < this.items.size && out.length < limit; i++) {
      const t = titles?.[i] ?? this.items.id(i)
      if (t.toLowerCase().includes(needle)) out.push(this.describe(i))
    }
    return out
  }

  /**
   * Creates a user after training (cold start) from liked item ids and, for text-aware models, a
   * description. The user and the likes are stored as one write; the answer comes once stored.
   *
   * @throws RequestError 409 for a user that already exists; 404 naming the unknown liked item.
   */
  async createUser(id: string, likes: readonly string[] = [], text?: string): Promise<{ id: string; created: true }> {
    this.checkNotErased(id, 'body.id')
    if (this.live.users.index(id) !== undefined) throw new RequestError('INVALID_ARGUMENT', `user "${id}" already exists; send its interactions to POST /feedback`, { status: 409, field: 'body.id' })
    likes.forEach((item, n) => this.itemIndex(item, `body.likes.${n}`))
    const now = Date.now() / 1000
    const records: LogRecord[] = [{ kind: 'user', user: id, ...(text !== undefined ? { text } : {}) }, ...likes.map((item): LogRecord => ({ kind: 'feedback', user: id, item, value: EVENT_WEIGHTS.buy, event: 'buy', timestamp: now }))]
    let stored: StoredRecord[]
    try {
      stored = await this.eventLog.append(records)
    } catch (e) {
      if (e instanceof DuplicateUserError) throw new RequestError('INVALID_ARGUMENT', `user "${id}" already exists; send its interactions to POST /feedback`, { status: 409, field: 'body.id', cause: e })
      throw e
    }
    this.applyStored(stored, true)
    return { id, created: true }
  }

  /**
   * Checks feedback events without applying them: every event names a known item and carries a
   * value that is finite in float32 and inside the configured range. Any bad event refuses the
   * whole batch, naming its field (`events.<n>.<key>` for batches).
   */
  private toRecords(events: readonly FeedbackEvent[], batch: boolean): LogRecord[] {
    const now = Date.now() / 1000
    const { min, max } = this.valueRange
    return events.map((e, n) => {
      const at = (key: string) => (batch ? `body.events.${n}.${key}` : `body.${key}`)
      if (!e.user) throw new RequestError('INVALID_ARGUMENT', `${at('user')}: "user" is required`, { status: 400, field: at('user') })
      this.checkNotErased(e.user, at('user'))
      this.itemIndex(e.item, at('item'))
      const value = e.value ?? EVENT_WEIGHTS[e.event ?? 'click']
      if (!Number.isFinite(Math.fround(value)) || value < min || value > max) {
        throw new RequestError('INVALID_ARGUMENT', `${at('value')}: expected a number in ${min}..${max} (finite in float32); got ${e.value}`, { status: 400, field: at('value') })
      }
      if (e.timestamp !== undefined && !Number.isFinite(e.timestamp)) throw new RequestError('INVALID_ARGUMENT', `${at('timestamp')}: expected seconds since the epoch; got ${e.timestamp}`, { status: 400, field: at('timestamp') })
      return { kind: 'feedback', user: e.user, item: e.item, value: Math.fround(value), ...(e.event ? { event: e.event } : {}), timestamp: e.timestamp ?? now }
    })
  }

  /**
   * Records feedback events: validated all together (a bad batch changes nothing), stored in the
   * log, then applied: added to the users' histories, given to incremental models, counted as a
   * click for the user's A/B arm when it hits an item that arm just showed, and given to the
   * bandit as reward 1 when it hits an item of the user's last bandit list.
   */
  async feedback(events: readonly FeedbackEvent[], opts: { batch?: boolean } = {}): Promise<{ accepted: number; total: number }> {
    const records = this.toRecords(events, opts.batch ?? events.length > 1)
    const stored = await this.eventLog.append(records)
    this.applyStored(stored, true)
    return { accepted: stored.length, total: this.stored }
  }

  /** Applies records that other instances stored (read from a shared log). */
  applyRemote(records: readonly StoredRecord[]): void {
    this.applyStored(records.filter((r) => r.origin !== this.eventLog.origin), true)
  }

  /**
   * Applies stored records to the live state, the experiment and the bandit; with `updateModels`,
   * incremental models learn from them too, one held update per user ({@link ModelUpdates}).
   * Returns the feedback events applied.
   */
  private applyStored(records: readonly StoredRecord[], updateModels: boolean): number {
    const { applied, unknownItems } = this.live.apply(records, this.items)
    if (unknownItems) this.report(`event log: skipped ${unknownItems} feedback event(s) on items the served catalogue does not have`)
    for (const a of applied) {
      // new users are folded in when read; known users' models learn in the background
      if (updateModels && a.user < this.live.trainUsers) this.modelUpdates.add(a.user, [a.item], [a.value])
      this.experiment?.feedback(a.record.user, a.item)
      this.bandit?.feedback(a.user, a.item)
    }
    if (updateModels) this.stored += applied.length
    return applied.length
  }

  private updateModels(u: number, items: Int32Array, values: Float32Array): void {
    this.catalogue.update(u, items, values, (model, e) => this.report(`${model}: could not apply feedback of user ${this.live.users.id(u)}: ${(e as Error).message}`))
  }

  stats(): ServiceStats {
    return {
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      requests: this.requests,
      feedbackEvents: this.stored,
      liveEvents: this.live.liveEvents,
      ...(this.catalogue.generation ? { generation: this.catalogue.generation } : {}),
      eventsThrough: this.live.eventsThrough,
      users: this.live.users.size,
      newUsers: this.live.users.size - this.live.trainUsers,
      modelUpdates: { pending: this.modelUpdates.size, lagMs: Math.round(this.modelUpdates.lagMs), applied: this.modelUpdates.appliedCount },
      ...(this.experiment ? { ab: this.experiment.stats() } : {}),
      ...(this.bandit ? { bandit: this.bandit.stats(this.banditBase()) } : {}),
    }
  }
}
