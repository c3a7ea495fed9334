import { checkNumber, filterEntries, nnz, Random, RecForgeError, type Interactions } from '@recforge/core'
import type { LoggedEvents } from './types'

/** Options of {@link buildLoggedDataset}. */
export interface BuildLoggedOptions {
  /** Seed of the candidate sampling and of the logging policy. */
  seed: number
  /** Largest candidate set per event. Defaults to `10`. */
  candidates?: number
  /** A rating at or above this is a click (reward 1). Defaults to `4`. */
  threshold?: number
  /** Share of the earliest interactions kept out of the events, in `warmup`, for fitting features. Defaults to `0.2`. */
  warmupFraction?: number
  /** Keep at most this many events (the earliest). Defaults to `Infinity`. */
  maxEvents?: number
}

/**
 * Builds logged bandit feedback from ratings, with a known uniform logging policy, so that replay,
 * IPS and DR estimates are unbiased and the full-information value of any policy is known.
 *
 * Construction: ratings are sorted by time (ties by input order). The earliest `warmupFraction`
 * become `warmup`. Every later rating (u, i, t) is one event at time t: its candidates are i plus
 * up to `candidates − 1` items drawn uniformly without replacement from the items u rated at or
 * after t (what u had not consumed yet, all with known ratings). The logging policy shows one
 * candidate uniformly at random (propensity 1/|candidates|); the reward is 1 when u rated the shown
 * item at least `threshold`, else 0. Every candidate's reward is kept in `candidateRewards`.
 * Events whose user has nothing left to choose from (one candidate) are dropped.
 *
 * @example
 * ```ts
 * const events = buildLoggedDataset(ratings, { seed: 42, candidates: 10 })
 * replayEvaluate(new UCB1(), events).ctr
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for bad options; EMPTY_INPUT when no event can be built.
 */
export function buildLoggedDataset(data: Interactions, opts: BuildLoggedOptions): LoggedEvents {
  const seed = checkNumber('seed', opts.seed, { integer: true })
  const K = checkNumber('candidates', opts.candidates ?? 10, { min: 2, integer: true })
  const threshold = checkNumber('threshold', opts.threshold ?? 4)
  const warmupFraction = checkNumber('warmupFraction', opts.warmupFraction ?? 0.2, { min: 0, max: 1 })
  const maxEvents = opts.maxEvents ?? Infinity
  if (!(maxEvents >= 1)) throw new RecForgeError('INVALID_ARGUMENT', `option "maxEvents" must be at least 1; got ${maxEvents}`)
  const n = nnz(data)
  if (n === 0) throw new RecForgeError('EMPTY_INPUT', 'buildLoggedDataset: the interactions are empty')
  const rng = new Random(seed)
  const ts = data.timestamps
  const rowUser = new Int32Array(n)
  for (let u = 0; u < data.users.size; u++) rowUser.fill(u, data.indptr[u]!, data.indptr[u + 1]!)
  // global time order (stable: ties keep the CSR order)
  const order = Int32Array.from({ length: n }, (_, k) => k)
  if (ts) order.sort((a, b) => ts[a]! - ts[b]! || a - b)
  const rank = new Int32Array(n)
  for (let r = 0; r < n; r++) rank[order[r]!] = r
  const nWarm = Math.floor(warmupFraction * n)
  const warmup = nWarm > 0 ? filterEntries(data, (k) => rank[k]! < nWarm) : undefined
  // each user's entries sorted by time, with each entry's position in that list
  const byUser = new Int32Array(n)
  const posInUser = new Int32Array(n)
  for (let u = 0; u < data.users.size; u++) {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    const rows = Int32Array.from({ length: b - a }, (_, j) => a + j).sort((x, y) => rank[x]! - rank[y]!)
    byUser.set(rows, a)
    for (let j = 0; j < rows.length; j++) posInUser[rows[j]!] = j
  }
  const user: number[] = []
  const time: number[] = []
  const indptr: number[] = [0]
  const cands: number[] = []
  const candRewards: number[] = []
  const shown: number[] = []
  const propensity: number[] = []
  const reward: number[] = []
  const picked = new Set<number>()
  for (let r = nWarm; r < n && user.length < maxEvents; r++) {
    const k = order[r]!
    const u = rowUser[k]!
    const a = data.indptr[u]!
    const pool = data.indptr[u + 1]! - a - posInUser[k]! - 1 // later entries of u
    if (pool < 1) continue
    const first = a + posInUser[k]! + 1
    const rowsOf: number[] = [k]
    picked.clear()
    const m = Math.min(K - 1, pool)
    if (m === pool) for (let j = 0; j < pool; j++) rowsOf.push(byUser[first + j]!)
    else {
      while (picked.size < m) picked.add(rng.int(pool))
      for (const j of picked) rowsOf.push(byUser[first + j]!)
    }
    const s = rng.int(rowsOf.length)
    for (const row of rowsOf) {
      cands.push(data.indices[row]!)
      candRewards.push(data.values[row]! >= threshold ? 1 : 0)
    }
    user.push(u)
    time.push(ts ? ts[k]! : r)
    shown.push(data.indices[rowsOf[s]!]!)
    reward.push(data.values[rowsOf[s]!]! >= threshold ? 1 : 0)
    propensity.push(1 / rowsOf.length)
    indptr.push(cands.length)
  }
  if (user.length === 0) throw new RecForgeError('EMPTY_INPUT', `buildLoggedDataset: no user has two ratings after the warm-up (${nWarm} of ${n} interactions)`)
  return {
    users: data.users,
    items: data.items,
    length: user.length,
    user: Int32Array.from(user),
    timestamps: Float64Array.from(time),
    candIndptr: Int32Array.from(indptr),
    candidates: Int32Array.from(cands),
    shown: Int32Array.from(shown),
    propensity: Float64Array.from(propensity),
    reward: Float32Array.from(reward),
    candidateRewards: Float32Array.from(candRewards),
    ...(warmup ? { warmup } : {}),
  }
}
