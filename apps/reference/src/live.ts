import { IdVocabulary, isIncremental, type Interactions, type Recommender, type ScoredItems, type Vocabulary } from '@recforge/core'
import type { StoredRecord } from './eventlog'

/** How the service applies live feedback to one model. */
export interface LiveUpdater {
  /** Whether the model itself changes with feedback (otherwise only seen items are excluded). */
  readonly incremental: boolean
  update(user: number, items: Int32Array, values: Float32Array): void
  foldIn?: (items: Int32Array, values: Float32Array, k: number) => ScoredItems
}

/** Wraps a model's incremental abilities (core's IncrementalRecommender) for the service. */
export function liveUpdater(model: Recommender<object>): LiveUpdater {
  if (!isIncremental(model)) return { incremental: false, update: () => {} }
  return {
    incremental: typeof model.partialFitUser === 'function',
    update: (u, items, values) => model.partialFitUser?.(u, items, values),
    foldIn: (items, values, k) => model.recommendNewUser(items, values, { k }),
  }
}

/** One applied feedback event: user and item indices. */
export interface AppliedEvent {
  readonly user: number
  readonly item: number
  readonly value: number
  readonly record: StoredRecord
}

/**
 * What happened since the served generation's training data: users created and feedback given,
 * from event-log records with a sequence number above the generation's `eventsThrough`. User
 * indices continue the training data's (new users get the next indices, in log order), so models
 * see known users by their training index.
 */
export class LiveState {
  users: IdVocabulary
  private base: Interactions
  private through: number
  private records: StoredRecord[] = []
  private readonly rows = new Map<number, { items: number[]; values: number[] }>()
  /** Free text new users gave about themselves (for text-aware cold start). */
  readonly userText = new Map<number, string>()
  private readonly seen = new Set<number>()
  private feedback = 0

  constructor(base: Interactions, through: number) {
    this.base = base
    this.through = through
    this.users = new IdVocabulary(base.users.ids())
  }

  /** Users of the training data; indices at or above it are new users. */
  get trainUsers(): number {
    return this.base.users.size
  }

  /** The event-log record the training data ends with. */
  get eventsThrough(): number {
    return this.through
  }

  /** Live feedback events held (those after the generation). */
  get liveEvents(): number {
    return this.feedback
  }

  /** The training data's interactions of user `u`, then the live ones. */
  history(u: number): { items: number[]; values: number[] } {
    const items: number[] = []
    const values: number[] = []
    const d = this.base
    if (u < this.trainUsers) {
      for (let k = d.indptr[u]!; k < d.indptr[u + 1]!; k++) {
        items.push(d.indices[k]!)
        values.push(d.values[k]!)
      }
    }
    const l = this.rows.get(u)
    if (l) {
      items.push(...l.items)
      values.push(...l.values)
    }
    return { items, values }
  }

  /** Items user `u` interacted with after the training data. */
  liveItems(u: number): readonly number[] {
    return this.rows.get(u)?.items ?? []
  }

  /**
   * Applies records (already stored) in order. Records the training data already holds, or that
   * were applied before, are skipped; feedback on items outside the catalogue is skipped and
   * counted (it can only come from a log written against other data).
   */
  apply(records: readonly StoredRecord[], items: Vocabulary): { applied: AppliedEvent[]; unknownItems: number } {
    const applied: AppliedEvent[] = []
    let unknownItems = 0
    for (const r of records) {
      if (r.seq <= this.through || this.seen.has(r.seq)) continue
      if (r.kind === 'feedback') {
        const i = items.index(r.item)
        if (i === undefined) {
          unknownItems++
          continue
        }
        const u = this.users.add(r.user)
        let row = this.rows.get(u)
        if (!row) this.rows.set(u, (row = { items: [], values: [] }))
        row.items.push(i)
        row.values.push(r.value)
        applied.push({ user: u, item: i, value: r.value, record: r })
        this.feedback++
      } else {
        const u = this.users.add(r.user)
        if (r.text !== undefined) this.userText.set(u, r.text)
      }
      this.seen.add(r.seq)
      this.records.push(r)
    }
    return { applied, unknownItems }
  }

  /** Per known user, the live items and values (to replay into freshly loaded models). */
  knownUserRows(): [number, Int32Array, Float32Array][] {
    const out: [number, Int32Array, Float32Array][] = []
    for (const [u, row] of this.rows) if (u < this.trainUsers) out.push([u, Int32Array.from(row.items), Float32Array.from(row.values)])
    return out
  }

  /**
   * Moves to a new generation whose training data holds the records up to `through`: those are
   * dropped, the rest are applied again on top of the new data, in log order.
   */
  rebase(base: Interactions, through: number, items: Vocabulary): void {
    const keep = this.records.filter((r) => r.seq > through).sort((a, b) => a.seq - b.seq)
    this.base = base
    this.through = through
    this.users = new IdVocabulary(base.users.ids())
    this.records = []
    this.rows.clear()
    this.userText.clear()
    this.seen.clear()
    this.feedback = 0
    this.apply(keep, items)
  }

  /**
   * The training data plus the live feedback, as new interactions: rows of known users get their
   * live items appended, new users follow in the order they appeared.
   */
  static merge(base: Interactions, records: readonly StoredRecord[]): Interactions {
    const live = new LiveState(base, -Infinity)
    live.apply(records, base.items)
    const nu = live.users.size
    let extra = 0
    for (const row of live.rows.values()) extra += row.items.length
    const nb = base.indptr[base.users.size]!
    const indptr = new Int32Array(nu + 1)
    const indices = new Int32Array(nb + extra)
    const values = new Float32Array(nb + extra)
    const timestamps = base.timestamps ? new Float64Array(nb + extra) : undefined
    const ts = new Map<number, number[]>()
    if (timestamps) for (const r of live.records) if (r.kind === 'feedback') {
      const u = live.users.index(r.user)!
      const list = ts.get(u) ?? []
      list.push(r.timestamp ?? 0)
      ts.set(u, list)
    }
    let p = 0
    for (let u = 0; u < nu; u++) {
      if (u < base.users.size) {
        for (let k = base.indptr[u]!; k < base.indptr[u + 1]!; k++) {
          indices[p] = base.indices[k]!
          values[p] = base.values[k]!
          if (timestamps) timestamps[p] = base.timestamps![k]!
          p++
        }
      }
      const row = live.rows.get(u)
      if (row) {
        const t = ts.get(u)
        for (let j = 0; j < row.items.length; j++) {
          indices[p] = row.items[j]!
          values[p] = row.values[j]!
          if (timestamps) timestamps[p] = t![j]!
          p++
        }
      }
      indptr[u + 1] = p
    }
    return { users: new IdVocabulary(live.users.ids()), items: base.items, indptr, indices, values, ...(timestamps ? { timestamps } : {}) }
  }
}
