import {
  IdVocabulary,
  RecForgeError,
  itemCounts,
  topK,
  type Interactions,
  type ItemSideInfo,
  type ModelArtifacts,
  type ParamValues,
  type Recommender,
  type ScoredItems,
} from '@recforge/core'
import { restorePolicyState, savePolicyState, type BanditPolicy } from '@recforge/rl'
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
}

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
  timestamp?: number
}

/** Implicit weights of behaviour types (view < click < cart < buy), used when a feedback event has no value. */
export const EVENT_WEIGHTS = { view: 1, click: 2, cart: 3, buy: 5, rating: 1 } as const

export interface ArmStats {
  model: string
  users: number
  impressions: number
  clicks: number
  ctr: number
}

/**
 * An online bandit served beside the models: its candidates are the top items of a base model for
 * the user, it picks the list one item at a time with `policy.select`, and it learns with
 * `policy.update` from feedback: reward 1 when the user acts on an item it showed, reward 0 for
 * the items of a list that got no feedback before the user's next bandit list.
 */
export interface BanditServing {
  /** The name requests use (`?model=<name>`). Defaults to `'bandit'`. */
  name?: string
  policy: BanditPolicy
  /** The model whose top items are the candidates. Defaults to the default model. */
  base?: string
  /** How many of the base model's top items the policy chooses among. Defaults to `50`. */
  candidates?: number
}

/** Counters of the served bandit, in `GET /metrics`. */
export interface BanditStats {
  name: string
  policy: string
  base: string
  /** Items shown in bandit lists. */
  impressions: number
  /** Feedback events on items a bandit list showed (reward 1). */
  clicks: number
  ctr: number
  /** `policy.update` calls, rewards 1 and 0 together. */
  updates: number
}

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
}

/** FNV-1a of a string: a stable hash for A/B assignment (same user, same arm, every process). */
export function stableHash(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/**
 * The serving state behind the HTTP API: models, users (including ones created after training),
 * live feedback, A/B accounting and explanations. All updates are synchronous, so concurrent
 * requests on one event loop cannot lose an event.
 */
export class RecService {
  private models = new Map<string, ServedModel>()
  private updaters = new Map<string, LiveUpdater>()
  private explainers = new Map<string, Explainer>()
  users: IdVocabulary
  private trainUsers: number
  private popularity: Int32Array
  /** Items each user interacted with after training (known and new users alike). */
  private readonly live = new Map<number, { items: number[]; values: number[] }>()
  /** Free text new users gave about themselves (for text-aware cold start). */
  readonly userText = new Map<number, string>()
  private readonly ab?: { a: string; b: string }
  private readonly arms = { a: { impressions: 0, clicks: 0, users: new Set<number>() }, b: { impressions: 0, clicks: 0, users: new Set<number>() } }
  private readonly lastShown = new Map<number, Set<number>>()
  private readonly bandit?: { name: string; policy: BanditPolicy; base?: string; candidates: number; impressions: number; clicks: number; updates: number }
  /** Per user: the candidates of the last bandit list and the shown items still without feedback. */
  private readonly banditShown = new Map<number, { candidates: Int32Array; pending: Set<number> }>()
  private feedbackEvents = 0
  private readonly startedAt = Date.now()
  private requests = 0
  defaultModel: string

  constructor(readonly opts: ServiceOptions) {
    if (!opts.models.length) throw new RecForgeError('INVALID_ARGUMENT', 'the service needs at least one model')
    this.users = new IdVocabulary(opts.data.users.ids())
    this.trainUsers = opts.data.users.size
    this.popularity = itemCounts(opts.data)
    this.setModels(opts.models)
    this.defaultModel = opts.defaultModel ?? opts.models[0]!.name
    this.model(this.defaultModel)
    if (opts.bandit) {
      const b = opts.bandit
      const name = b.name ?? 'bandit'
      if (this.models.has(name)) throw new RecForgeError('INVALID_ARGUMENT', `the bandit's name "${name}" is already a model's name`)
      if (b.base !== undefined) this.model(b.base)
      const candidates = b.candidates ?? 50
      if (!Number.isInteger(candidates) || candidates < 1) throw new RecForgeError('INVALID_ARGUMENT', `bandit candidates must be a positive integer; got ${b.candidates}`)
      this.bandit = { name, policy: b.policy, ...(b.base !== undefined ? { base: b.base } : {}), candidates, impressions: 0, clicks: 0, updates: 0 }
    }
    if (opts.ab) {
      this.servable(opts.ab.a)
      this.servable(opts.ab.b)
      this.ab = opts.ab
    }
  }

  /** Throws unless `name` is a served model or the bandit. */
  private servable(name: string): void {
    if (name !== this.bandit?.name) this.model(name)
  }

  /** Names of the fitted models (the bandit is not one): what a retrain refits. */
  modelNames(): string[] {
    return [...this.models.keys()]
  }

  /**
   * Swaps in models retrained on {@link currentInteractions}: the new data becomes the training
   * data and live feedback that it already contains is cleared. A/B counters carry on.
   */
  rebase(data: Interactions, models: readonly ServedModel[]): void {
    if (data.users.size < this.users.size) throw new RecForgeError('INVALID_ARGUMENT', `rebase: the new data has ${data.users.size} users; the service knows ${this.users.size}`)
    this.opts.data = data
    this.users = new IdVocabulary(data.users.ids())
    this.trainUsers = data.users.size
    this.popularity = itemCounts(data)
    this.live.clear()
    this.lastShown.clear()
    this.banditShown.clear()
    this.setModels(models)
  }

  /** Replaces the served models (after a retrain or reload); live feedback is replayed into the new ones. */
  setModels(models: readonly ServedModel[]): void {
    this.models = new Map(models.map((m) => [m.name, m]))
    this.updaters = new Map(models.map((m) => [m.name, liveUpdater(m.model)]))
    this.explainers.clear()
    for (const [u, row] of this.live) {
      if (u >= this.trainUsers) continue
      for (const up of this.updaters.values()) up.update(u, Int32Array.from(row.items), Float32Array.from(row.values))
    }
  }

  get items(): IdVocabulary {
    return this.opts.data.items as IdVocabulary
  }

  /** The served models, then the bandit (marked with its policy and base model) when there is one. */
  listModels(): { name: string; default: boolean; metrics?: Readonly<Record<string, number>>; trainedAt: string; incremental: boolean; bandit?: { policy: string; base: string } }[] {
    const out: ReturnType<RecService['listModels']> = [...this.models.values()].map((m) => ({
      name: m.name,
      default: m.name === this.defaultModel,
      ...(m.metrics ? { metrics: m.metrics } : {}),
      trainedAt: m.trainedAt,
      incremental: this.updaters.get(m.name)!.incremental,
    }))
    if (this.bandit) {
      out.push({ name: this.bandit.name, default: false, trainedAt: new Date(this.startedAt).toISOString(), incremental: true, bandit: { policy: this.bandit.policy.name, base: this.banditBase() } })
    }
    return out
  }

  private banditBase(): string {
    return this.bandit?.base ?? this.defaultModel
  }

  model(name: string): ServedModel {
    const m = this.models.get(name)
    if (!m) throw new RecForgeError('UNKNOWN_ID', `unknown model "${name}"; serving ${[...this.models.keys()].join(', ')}`)
    return m
  }

  private itemIndex(id: string): number {
    const i = this.opts.data.items.index(id)
    if (i === undefined) throw new RecForgeError('UNKNOWN_ID', `unknown item "${id}"; the catalogue has ${this.opts.data.items.size} items`)
    return i
  }

  private describe(i: number): { id: string; title?: string } {
    const title = this.opts.itemInfo?.titles[i]
    return { id: this.opts.data.items.id(i), ...(title ? { title } : {}) }
  }

  /** A user's history: training interactions then live ones, as item indices. */
  history(userId: string): { items: number[]; values: number[] } {
    const u = this.users.index(userId)
    if (u === undefined) throw new RecForgeError('UNKNOWN_ID', `unknown user "${userId}"; create it with POST /users or send feedback first`)
    const items: number[] = []
    const values: number[] = []
    if (u < this.trainUsers) {
      const d = this.opts.data
      for (let k = d.indptr[u]!; k < d.indptr[u + 1]!; k++) {
        items.push(d.indices[k]!)
        values.push(d.values[k]!)
      }
    }
    const l = this.live.get(u)
    if (l) {
      items.push(...l.items)
      values.push(...l.values)
    }
    return { items, values }
  }

  historyItems(userId: string): (RecommendedItem & { value: number })[] {
    const h = this.history(userId)
    return h.items.map((i, j) => ({ ...this.describe(i), score: h.values[j]!, value: h.values[j]! }))
  }

  /** The arm of a user under A/B mode. */
  armOf(userId: string): 'a' | 'b' | undefined {
    if (!this.ab) return undefined
    return stableHash(userId) % 2 === 0 ? 'a' : 'b'
  }

  private explainer(name: string): Explainer {
    let e = this.explainers.get(name)
    if (!e) {
      const m = this.model(name).model
      e = new Explainer(this.opts.data, m.itemVectors?.())
      this.explainers.set(name, e)
    }
    return e
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
    const name = opts.model ?? (arm ? this.ab![arm] : this.defaultModel)
    const isBandit = name === this.bandit?.name
    const modelName = isBandit ? this.banditBase() : name
    this.model(modelName)
    const u = this.users.index(userId)
    if (u === undefined) throw new RecForgeError('UNKNOWN_ID', `unknown user "${userId}"; create it with POST /users or send feedback first`)
    const hist = this.history(userId)
    const ranked = this.rank(u, hist, modelName, isBandit ? Math.max(k, this.bandit!.candidates) : k)
    const strategy = ranked.strategy
    const list = isBandit ? this.banditList(u, hist.items, ranked.list, k) : ranked.list
    const personal = strategy !== 'popularity' && !NON_PERSONALISED.has(modelName)
    const explainer = opts.explain === false || !personal ? undefined : this.explainer(modelName)
    const items: RecommendedItem[] = Array.from(list.items, (i, j) => {
      const why = explainer?.explain(i, hist.items)
      return {
        ...this.describe(i),
        score: list.scores[j]!,
        ...(why ? { because: { ...this.describe(why.because), similarity: Math.round(why.similarity * 1e4) / 1e4 } } : {}),
        ...(!personal && opts.explain !== false ? { popularity: this.popularity[i] ?? 0 } : {}),
      }
    })
    if (arm) {
      const s = this.arms[arm]
      s.impressions++
      s.users.add(u)
      this.lastShown.set(u, new Set(list.items))
    }
    return { user: userId, model: name, ...(arm ? { arm } : {}), strategy, items }
  }

  /** The top `k` of model `name` for user `u`: the model itself, a fold-in for a new user, or popularity. */
  private rank(u: number, hist: { items: number[]; values: number[] }, name: string, k: number): { list: ScoredItems; strategy: RecommendationAnswer['strategy'] } {
    const served = this.model(name)
    const updater = this.updaters.get(name)!
    if (u < this.trainUsers) {
      return { list: served.model.recommend(u, { k, exclude: Int32Array.from(this.live.get(u)?.items ?? []) }), strategy: 'model' }
    }
    if (hist.items.length && updater.foldIn) {
      return { list: updater.foldIn(Int32Array.from(hist.items), Float32Array.from(hist.values), k), strategy: 'fold-in' }
    }
    return { list: topK(Float32Array.from(this.popularity), k, { exclude: Int32Array.from(hist.items) }), strategy: 'popularity' }
  }

  /**
   * The bandit's list: the items of the user's previous bandit list that got no feedback earn
   * reward 0, then the policy picks `k` of the base model's candidates one at a time. Scores are
   * the base model's.
   */
  private banditList(u: number, history: number[], pool: ScoredItems, k: number): ScoredItems {
    const b = this.bandit!
    this.settleBandit(u)
    const candidates = pool.items.slice(0, b.candidates)
    const baseScore = new Map<number, number>()
    pool.items.forEach((i, j) => baseScore.set(i, pool.scores[j]!))
    const recent = Int32Array.from(history.slice(-20))
    let remaining = candidates
    const items: number[] = []
    while (items.length < k && remaining.length) {
      const i = b.policy.select({ candidates: remaining, user: u, history: recent })
      items.push(i)
      remaining = remaining.filter((x) => x !== i)
    }
    b.impressions += items.length
    this.banditShown.set(u, { candidates, pending: new Set(items) })
    return { items: Int32Array.from(items), scores: Float32Array.from(items, (i) => baseScore.get(i) ?? 0) }
  }

  /** The bandit's learned state and counters as artifacts, or undefined without a bandit. */
  banditState(): ModelArtifacts | undefined {
    const b = this.bandit
    if (!b) return undefined
    return savePolicyState(b.policy, { impressions: b.impressions, clicks: b.clicks, updates: b.updates })
  }

  /**
   * Puts back a state from {@link RecService.banditState} (after a restart).
   *
   * @throws RecForgeError INVALID_ARGUMENT without a bandit or for another policy's state;
   * DIMENSION_MISMATCH / PARSE_ERROR for a state that does not fit.
   */
  restoreBandit(state: ModelArtifacts): void {
    const b = this.bandit
    if (!b) throw new RecForgeError('INVALID_ARGUMENT', 'the service serves no bandit')
    restorePolicyState(b.policy, state)
    const count = (k: string) => {
      const v = state.meta?.[k]
      return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0
    }
    b.impressions = count('impressions')
    b.clicks = count('clicks')
    b.updates = count('updates')
  }

  /** Gives reward 0 to every item of the user's last bandit list that got no feedback. */
  private settleBandit(u: number): void {
    const shown = this.banditShown.get(u)
    if (!shown) return
    for (const i of shown.pending) this.rewardBandit(u, shown, i, 0)
    this.banditShown.delete(u)
  }

  /** `policy.update` for an item of the user's last bandit list, which then no longer awaits a reward. */
  private rewardBandit(u: number, shown: { candidates: Int32Array; pending: Set<number> }, item: number, reward: number): void {
    this.bandit!.policy.update({ candidates: shown.candidates, user: u }, item, reward)
    this.bandit!.updates++
    shown.pending.delete(item)
  }

  /** Items similar to `itemId` under a model (its own similarity, else item-vector cosine). */
  similar(itemId: string, opts: { k?: number; model?: string } = {}): { item: string; model: string; items: RecommendedItem[] } {
    this.requests++
    const k = opts.k ?? 10
    if (!Number.isInteger(k) || k < 1 || k > 1000) throw new RecForgeError('INVALID_ARGUMENT', `k must be an integer in 1..1000; got ${opts.k}`)
    const i = this.itemIndex(itemId)
    const candidates = opts.model ? [opts.model] : [this.defaultModel, ...this.models.keys()]
    for (const name of candidates) {
      const m = this.model(name).model
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
    throw new RecForgeError('INVALID_ARGUMENT', `model "${opts.model ?? this.defaultModel}" defines no item similarity; try one of ${[...this.models.values()].filter((m) => m.model.similarItems || m.model.itemVectors).map((m) => m.name).join(', ') || 'none'}`)
  }

  /** Items whose title contains `q` (case-insensitive), for search boxes. */
  searchItems(q: string, limit = 20): { id: string; title?: string }[] {
    const needle = q.toLowerCase()
    const out: { id: string; title?: string }[] = []
    const titles = this.opts.itemInfo?.titles
    for (let i = 0; i < this.opts.data.items.size && out.length < limit; i++) {
      const t = titles?.[i] ?? this.opts.data.items.id(i)
      if (t.toLowerCase().includes(needle)) out.push(this.describe(i))
    }
    return out
  }

  /** Creates a user after training (cold start) from liked item ids and, for text-aware models, a description. */
  createUser(id: string, likes: readonly string[] = [], text?: string): { id: string; created: boolean } {
    const known = this.users.index(id) !== undefined
    for (const item of likes) this.itemIndex(item)
    const idx = this.users.add(id)
    if (text !== undefined) this.userText.set(idx, text)
    for (const item of likes) this.record(idx, this.itemIndex(item), EVENT_WEIGHTS.buy)
    return { id, created: !known }
  }

  private record(u: number, i: number, value: number): void {
    let row = this.live.get(u)
    if (!row) this.live.set(u, (row = { items: [], values: [] }))
    row.items.push(i)
    row.values.push(value)
    if (u < this.trainUsers) for (const up of this.updaters.values()) up.update(u, new Int32Array([i]), new Float32Array([value]))
  }

  /**
   * Records feedback events: each is counted, stored, applied to incremental models, counted
   * as a click for the user's A/B arm when it hits an item that arm just showed, and given to the
   * bandit as reward 1 when it hits an item of the user's last bandit list.
   * Validation happens for every event before any is applied, so a bad batch changes nothing.
   */
  feedback(events: readonly FeedbackEvent[]): { accepted: number; total: number } {
    const resolved = events.map((e, n) => {
      if (!e.user) throw new RecForgeError('INVALID_ARGUMENT', `event ${n}: "user" is required`)
      const i = this.opts.data.items.index(e.item)
      if (i === undefined) throw new RecForgeError('UNKNOWN_ID', `event ${n}: unknown item "${e.item}"`)
      const value = e.value ?? EVENT_WEIGHTS[e.event ?? 'click']
      if (!Number.isFinite(value)) throw new RecForgeError('INVALID_ARGUMENT', `event ${n}: value must be a finite number; got ${e.value}`)
      return { e, i, value }
    })
    for (const { e, i, value } of resolved) {
      const u = this.users.add(e.user)
      this.record(u, i, value)
      this.feedbackEvents++
      const arm = this.armOf(e.user)
      if (arm && this.lastShown.get(u)?.has(i)) {
        this.arms[arm].clicks++
        this.lastShown.get(u)!.delete(i)
      }
      const shown = this.banditShown.get(u)
      if (shown?.pending.has(i)) {
        this.rewardBandit(u, shown, i, 1)
        this.bandit!.clicks++
      }
    }
    return { accepted: resolved.length, total: this.feedbackEvents }
  }

  /** Interactions the service has seen: training plus live feedback (for retraining). */
  currentInteractions(): Interactions {
    const d = this.opts.data
    const nu = this.users.size
    const extra = [...this.live.values()].reduce((s, r) => s + r.items.length, 0)
    const n = d.indptr[d.users.size]! + extra
    const indptr = new Int32Array(nu + 1)
    const indices = new Int32Array(n)
    const values = new Float32Array(n)
    let p = 0
    for (let u = 0; u < nu; u++) {
      if (u < this.trainUsers) {
        for (let k = d.indptr[u]!; k < d.indptr[u + 1]!; k++) {
          indices[p] = d.indices[k]!
          values[p++] = d.values[k]!
        }
      }
      const l = this.live.get(u)
      if (l) for (let j = 0; j < l.items.length; j++) {
        indices[p] = l.items[j]!
        values[p++] = l.values[j]!
      }
      indptr[u + 1] = p
    }
    return { users: new IdVocabulary(this.users.ids()), items: d.items, indptr, indices, values }
  }

  stats(): { uptimeSeconds: number; requests: number; feedbackEvents: number; users: number; newUsers: number; ab?: { a: ArmStats; b: ArmStats }; bandit?: BanditStats } {
    const b = this.bandit
    const arm = (x: 'a' | 'b'): ArmStats => {
      const s = this.arms[x]
      return { model: this.ab![x], users: s.users.size, impressions: s.impressions, clicks: s.clicks, ctr: s.impressions ? s.clicks / s.impressions : 0 }
    }
    return {
      uptimeSeconds: Math.round((Date.now() - this.startedAt) / 1000),
      requests: this.requests,
      feedbackEvents: this.feedbackEvents,
      users: this.users.size,
      newUsers: this.users.size - this.trainUsers,
      ...(this.ab ? { ab: { a: arm('a'), b: arm('b') } } : {}),
      ...(b
        ? { bandit: { name: b.name, policy: b.policy.name, base: this.banditBase(), impressions: b.impressions, clicks: b.clicks, ctr: b.impressions ? b.clicks / b.impressions : 0, updates: b.updates } }
        : {}),
    }
  }
}
