import { checkNumber, filterEntries, fromCoo, IdVocabulary, nnz, RecForgeError, type Interactions } from '@recforge/core'

/** What a cleaning step removed or changed. */
export interface CleanReport {
  /** The step, e.g. `dedupe`, `k-core`. */
  step: string
  /** Interactions before and after. */
  before: number
  after: number
  /** Removed interactions by reason. */
  removed: Record<string, number>
  /** Users / items left with no interactions (k-core drops them from the vocabularies). */
  usersRemoved?: number
  itemsRemoved?: number
}

/** A cleaning step's result: new interactions and the report. */
export interface CleanResult {
  data: Interactions
  report: CleanReport
}

/** How {@link dedupe} resolves repeated (user, item) pairs. */
export type DuplicatePolicy = 'latest' | 'first' | 'mean'

/**
 * Collapses repeated (user, item) pairs to one interaction: `latest` keeps the one with the
 * largest timestamp (ties: the later in input order; without timestamps, the last), `first` keeps
 * the first in input order, `mean` keeps the first position with the mean value and the latest timestamp.
 *
 * @example
 * ```ts
 * const { data, report } = dedupe(raw, 'latest') // report.removed.duplicate
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown policy.
 */
export function dedupe(data: Interactions, policy: DuplicatePolicy = 'latest'): CleanResult {
  if (policy !== 'latest' && policy !== 'first' && policy !== 'mean') throw new RecForgeError('INVALID_ARGUMENT', `duplicate policy must be latest, first or mean; got ${JSON.stringify(policy)}`)
  const n = nnz(data)
  const ts = data.timestamps
  const keep = new Uint8Array(n)
  const values = data.values.slice(0, n)
  const times = ts ? ts.slice(0, n) : undefined
  const slot = new Int32Array(data.items.size).fill(-1)
  const sum = new Float64Array(n)
  const count = new Int32Array(n)
  for (let u = 0; u < data.users.size; u++) {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    for (let k = a; k < b; k++) {
      const i = data.indices[k]!
      const s = slot[i]!
      if (s < a) {
        // first time this item appears in this row
        slot[i] = k
        keep[k] = 1
        sum[k] = data.values[k]!
        count[k] = 1
        continue
      }
      if (policy === 'first') continue
      if (policy === 'latest') {
        if (!ts || ts[k]! >= ts[s]!) {
          keep[s] = 0
          keep[k] = 1
          slot[i] = k
        }
      } else {
        sum[s]! += data.values[k]!
        count[s]!++
        if (times && ts![k]! > times[s]!) times[s] = ts![k]!
      }
    }
  }
  if (policy === 'mean') for (let k = 0; k < n; k++) if (keep[k]) values[k] = sum[k]! / count[k]!
  const merged: Interactions = { ...data, values, ...(times ? { timestamps: times } : {}) }
  const out = filterEntries(merged, (k) => keep[k] === 1)
  const after = nnz(out)
  return { data: out, report: { step: 'dedupe', before: n, after, removed: after < n ? { duplicate: n - after } : {} } }
}

/**
 * Counts interactions that repeat an earlier (user, item) pair of the same row, without changing anything.
 *
 * @example
 * ```ts
 * countDuplicates(raw) // 500
 * ```
 * @throws never.
 */
export function countDuplicates(data: Interactions): number {
  const slot = new Int32Array(data.items.size).fill(-1)
  let repeated = 0
  for (let u = 0; u < data.users.size; u++) {
    const a = data.indptr[u]!
    for (let k = a; k < data.indptr[u + 1]!; k++) {
      const i = data.indices[k]!
      if (slot[i]! >= a) repeated++
      else slot[i] = k
    }
  }
  return repeated
}

/**
 * Drops interactions whose value or timestamp is missing or not finite (NaN, ±Infinity).
 *
 * @example
 * ```ts
 * const { data } = dropInvalid(raw)
 * ```
 * @throws never.
 */
export function dropInvalid(data: Interactions): CleanResult {
  const n = nnz(data)
  let badValue = 0
  let badTime = 0
  const ts = data.timestamps
  const out = filterEntries(data, (k) => {
    if (!Number.isFinite(data.values[k]!)) {
      badValue++
      return false
    }
    if (ts && !Number.isFinite(ts[k]!)) {
      badTime++
      return false
    }
    return true
  })
  const removed: Record<string, number> = {}
  if (badValue) removed['missing or non-numeric value'] = badValue
  if (badTime) removed['missing or non-numeric timestamp'] = badTime
  return { data: out, report: { step: 'drop-invalid', before: n, after: nnz(out), removed } }
}

/**
 * Drops interactions whose value lies outside `[min, max]` (e.g. ratings outside 1..5).
 *
 * @example
 * ```ts
 * const { data, report } = filterRatingRange(raw, { min: 0.5, max: 5 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when min > max.
 */
export function filterRatingRange(data: Interactions, range: { min: number; max: number }): CleanResult {
  checkNumber('min', range.min)
  checkNumber('max', range.max)
  if (range.min > range.max) throw new RecForgeError('INVALID_ARGUMENT', `rating range min ${range.min} is above max ${range.max}`)
  const n = nnz(data)
  let below = 0
  let above = 0
  const out = filterEntries(data, (k) => {
    const v = data.values[k]!
    if (v < range.min) below++
    else if (v > range.max) above++
    else return Number.isFinite(v)
    return false
  })
  const removed: Record<string, number> = {}
  if (below) removed[`below ${range.min}`] = below
  if (above) removed[`above ${range.max}`] = above
  const other = n - nnz(out) - below - above
  if (other) removed['not a number'] = other
  return { data: out, report: { step: 'rating-range', before: n, after: nnz(out), removed } }
}

/**
 * Iterative k-core filtering: repeatedly drops users with fewer than `minUser` interactions and
 * items with fewer than `minItem`, until both hold; the result's vocabularies keep only the
 * surviving users and items (in their original order).
 *
 * @example
 * ```ts
 * const { data, report } = kCore(raw, { minUser: 5, minItem: 5 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for thresholds below 1.
 */
export function kCore(data: Interactions, opts: { minUser?: number; minItem?: number } = {}): CleanResult {
  const minUser = checkNumber('minUser', opts.minUser ?? 5, { integer: true, min: 1 })
  const minItem = checkNumber('minItem', opts.minItem ?? 5, { integer: true, min: 1 })
  const n = nnz(data)
  const nu = data.users.size
  const ni = data.items.size
  const alive = new Uint8Array(n).fill(1)
  const uDeg = new Int32Array(nu)
  const iDeg = new Int32Array(ni)
  const rowOf = new Int32Array(n)
  for (let u = 0; u < nu; u++) for (let k = data.indptr[u]!; k < data.indptr[u + 1]!; k++) rowOf[k] = u
  for (let k = 0; k < n; k++) {
    uDeg[rowOf[k]!]!++
    iDeg[data.indices[k]!]!++
  }
  let rounds = 0
  for (;;) {
    let changed = false
    for (let k = 0; k < n; k++) {
      if (!alive[k]) continue
      const u = rowOf[k]!
      const i = data.indices[k]!
      if (uDeg[u]! < minUser || iDeg[i]! < minItem) {
        alive[k] = 0
        uDeg[u]!--
        iDeg[i]!--
        changed = true
      }
    }
    rounds++
    if (!changed) break
  }
  const users = new IdVocabulary()
  const items = new IdVocabulary()
  const uMap = new Int32Array(nu).fill(-1)
  const iMap = new Int32Array(ni).fill(-1)
  for (let u = 0; u < nu; u++) if (uDeg[u]! > 0) uMap[u] = users.add(data.users.id(u))
  for (let i = 0; i < ni; i++) if (iDeg[i]! > 0) iMap[i] = items.add(data.items.id(i))
  let m = 0
  for (let k = 0; k < n; k++) m += alive[k]!
  const userIdx = new Int32Array(m)
  const itemIdx = new Int32Array(m)
  const values = new Float32Array(m)
  const ts = data.timestamps ? new Float64Array(m) : undefined
  let p = 0
  for (let k = 0; k < n; k++) {
    if (!alive[k]) continue
    userIdx[p] = uMap[rowOf[k]!]!
    itemIdx[p] = iMap[data.indices[k]!]!
    values[p] = data.values[k]!
    if (ts) ts[p] = data.timestamps![k]!
    p++
  }
  const out = fromCoo({ users, items, userIdx, itemIdx, values, ...(ts ? { timestamps: ts } : {}) })
  return {
    data: out,
    report: { step: `k-core (users >= ${minUser}, items >= ${minItem}, ${rounds} rounds)`, before: n, after: m, removed: n > m ? { 'k-core': n - m } : {}, usersRemoved: nu - users.size, itemsRemoved: ni - items.size },
  }
}

/**
 * Converts ratings to implicit feedback: interactions with value >= `threshold` become 1 (or keep
 * their value with `keepValues`), the rest are dropped.
 *
 * @example
 * ```ts
 * const { data } = toImplicit(ratings, { threshold: 4 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a non-finite threshold.
 */
export function toImplicit(data: Interactions, opts: { threshold?: number; keepValues?: boolean } = {}): CleanResult {
  const threshold = checkNumber('threshold', opts.threshold ?? 0)
  const n = nnz(data)
  const out = filterEntries(data, (k) => data.values[k]! >= threshold)
  if (!opts.keepValues) out.values.fill(1)
  const m = nnz(out)
  return { data: out, report: { step: `implicit (value >= ${threshold})`, before: n, after: m, removed: n > m ? { [`below threshold ${threshold}`]: n - m } : {} } }
}

/**
 * Maps event-type codes to weights (e.g. view=1, click=2, buy=5): `events[k]` names the event of
 * CSR entry `k`, and each value becomes that event's weight. Entries whose event has no weight are
 * dropped and counted. Loaders do the same at load time with `eventCol` / `eventWeights`.
 *
 * @example
 * ```ts
 * const { data } = applyEventWeights(raw, events, { view: 1, click: 2, buy: 5 })
 * ```
 * @throws RecForgeError DIMENSION_MISMATCH when `events` does not have one entry per interaction.
 */
export function applyEventWeights(data: Interactions, events: readonly string[], weights: Readonly<Record<string, number>>): CleanResult {
  const n = nnz(data)
  if (events.length !== n) throw new RecForgeError('DIMENSION_MISMATCH', `events has ${events.length} entries; the interactions have ${n}`)
  const unknown: Record<string, number> = {}
  const values = new Float32Array(n)
  for (let k = 0; k < n; k++) {
    const w = weights[events[k]!]
    values[k] = w === undefined ? Number.NaN : w
  }
  const out = filterEntries({ ...data, values }, (k) => {
    if (Number.isNaN(values[k]!)) {
      const key = `unknown event ${JSON.stringify(events[k])}`
      unknown[key] = (unknown[key] ?? 0) + 1
      return false
    }
    return true
  })
  return { data: out, report: { step: 'event-weights', before: n, after: nnz(out), removed: unknown } }
}
