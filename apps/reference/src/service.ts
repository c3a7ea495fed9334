import {
  IdVocabulary,
  RecForgeError,
  itemCounts,
  topK,
  type Interactions,
  type ItemSideInfo,
  type ParamValues,
  type Recommender,
  type ScoredItems,
} from '@recforge/core'
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

export interface ServiceOptions {
  /** Serving data: the interactions the models were trained on. */
  data: Interactions
  itemInfo?: ItemSideInfo
  models: readonly ServedModel[]
  /** The model answering when a request names none. Defaults to the first model. */
  defaultModel?: string
  /** Splits users between two models by a stable hash of their id. */
  ab?: { a: string; b: string }
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
    if (opts.ab) {
      this.model(opts.ab.a)
      this.model(opts.ab.b)
      this.ab = opts.ab
    }
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

  listModels(): { name: string; default: boolean; metrics?: Readonly<Record<string, number>>; trainedAt: string; incremental: boolean }[] {
    return [...this.models.values()].map((m) => ({
      name: m.name,
      default: m.name === this.defaultModel,
      ...(m.metrics ? { metrics: m.metrics } : {}),
      trainedAt: m.trainedAt,
      incremental: this.updaters.get(m.name)!.incremental,
    }))
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
    const served = this.model(name)
    const u = this.users.index(userId)
    if (u === undefined) throw new RecForgeError('UNKNOWN_ID', `unknown user "${userId}"; create it with POST /users or send feedback first`)
    const hist = this.history(userId)
    const liveItems = Int32Array.from(this.live.get(u)?.items ?? [])
    let list: ScoredItems
    let strategy: RecommendationAnswer['strategy'] = 'model'
    const updater = this.updaters.get(name)!
    if (u < this.trainUsers) {
      list = served.model.recommend(u, { k, exclude: liveItems })
    } else if (hist.items.length && updater.foldIn) {
      list = updater.foldIn(Int32Array.from(hist.items), Float32Array.from(hist.values), k)
      strategy = 'fold-in'
    } else {
      list = topK(Float32Array.from(this.popularity), k, { exclude: Int32Array.from(hist.items) })
      strategy = 'popularity'
    }
    const personal = strategy !== 'popularity' && !NON_PERSONALISED.has(name)
    const explainer = opts.explain === false || !personal ? undefined : this.explainer(name)
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
   * Records feedback events: each is counted, stored, applied to incremental models, and counted
   * as a click for the user's A/B arm when it hits an item that arm just showed.
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

  stats(): { uptimeSeconds: number; requests: number; feedbackEvents: number; users: number; newUsers: number; ab?: { a: ArmStats; b: ArmStats } } {
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
    }
  }
}
