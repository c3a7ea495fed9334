import { EVAL_SPLIT_PROTOCOLS, RecForgeError, nnz, parseProtocol, protocolKind, throwIfAborted, topK, transpose, type EvalSplit, type EvalSplitProtocol, type ProgressEvent, type Recommender } from '@recforge/core'
import { cosineSimilarity, giniIndex, selfInformation, trainingPopularity, userOverlapSimilarity } from './beyond'
import { positivesAbove, rankingFigures } from './ranking'

/** Options for {@link evaluateSplit}. */
export interface EvaluateOptions {
  /** Cut-off for the ranking metrics. Defaults to `10`. */
  k?: number
  /** Relevance threshold for ranking metrics: only test ratings >= r are relevant (holdout-full, temporal-full, given). Defaults to `undefined` (every test interaction is relevant). */
  minRating?: number
  /** Metric keys to compute, a subset of {@link metricsForProtocol}. Defaults to all that apply to the split. */
  metrics?: readonly string[]
  /** Also return every user's value of each per-user metric (needed by {@link compareModels}). Defaults to `false`. */
  perUser?: boolean
  /** Row-major item vectors (items × dimensions) for diversity. Defaults to `undefined`: cosine between items' binary training user vectors. */
  itemVectors?: { vectors: Float32Array; dimensions: number }
  /** Called with `{ stage: 'evaluate', current, total }` as users are done. Defaults to `undefined`. */
  onProgress?: (e: ProgressEvent) => void
  /** Stops the evaluation with an ABORTED error. Defaults to `undefined`. */
  signal?: AbortSignal
}

/** The result of evaluating one split (or, from {@link aggregateResults}, several folds). */
export interface SplitResult {
  /** Metric key (`ndcg@10`, `rmse`, ...) to its mean over evaluated users (or pairs, for rmse and mae). */
  metrics: Record<string, number>
  /** Users that contributed to the metrics. */
  usersEvaluated: number
  /** Test users left out: no relevant test item, or (for ranking) no training data. */
  usersSkipped: number
  /** Per-user values, users ascending; NaN where a metric is undefined for that user. */
  perUser?: { users: Int32Array; values: Record<string, Float64Array> }
  /** Test interactions whose user has no training data. */
  unseenUsers?: number
  /** Test interactions whose item has no training data. */
  unseenItems?: number
}


/** Metrics with one value per evaluated user; the rest (coverage, gini) describe the whole run. */
const GLOBAL_PREFIXES = ['coverage@', 'gini@']

function rankingKeys(k: number, full: boolean): string[] {
  if (!full) return [`hr@${k}`, `ndcg@${k}`, `mrr@${k}`, 'auc']
  return [
    `precision@${k}`,
    `recall@${k}`,
    `f1@${k}`,
    `ndcg@${k}`,
    `map@${k}`,
    `mrr@${k}`,
    `hr@${k}`,
    'auc',
    `coverage@${k}`,
    `novelty@${k}`,
    `diversity@${k}`,
    `arp@${k}`,
    `gini@${k}`,
  ]
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RecForgeError('INVALID_ARGUMENT', `k must be a positive integer; got ${String(k)}`)
}

function checkProtocol(protocol: string): EvalSplitProtocol {
  return parseProtocol(protocol, EVAL_SPLIT_PROTOCOLS)
}

/**
 * The metric keys a protocol reports at cut-off `k`: rmse and mae for rating protocols; hr, ndcg,
 * mrr @k and auc for `loo-sampled`; precision, recall, f1, ndcg, map, mrr, hr @k, auc, coverage,
 * novelty, diversity, arp (average recommendation popularity) and gini @k for full ranking;
 * `given` reports all of them.
 *
 * @example
 * ```ts
 * metricsForProtocol('loo-sampled', 10) // ['hr@10', 'ndcg@10', 'mrr@10', 'auc']
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown protocol or a `k` that is not a positive integer.
 */
export function metricsForProtocol(protocol: string, k: number): string[] {
  const p = checkProtocol(protocol)
  checkK(k)
  if (p === 'given') return ['rmse', 'mae', ...rankingKeys(k, true)]
  const kind = protocolKind(p)
  if (kind === 'rating') return ['rmse', 'mae']
  return rankingKeys(k, kind === 'full')
}

type Scorer = Pick<Recommender<object>, 'score' | 'recommend'>

class PerUser {
  readonly users: number[] = []
  readonly values = new Map<string, number[]>()
  constructor(keys: readonly string[]) {
    for (const key of keys) this.values.set(key, [])
  }
  push(user: number, row: Record<string, number>): void {
    this.users.push(user)
    for (const [key, arr] of this.values) arr.push(row[key] ?? Number.NaN)
  }
}

function finiteMean(values: readonly number[] | Float64Array): number {
  let s = 0
  let n = 0
  for (const v of values) {
    if (Number.isFinite(v)) {
      s += v
      n++
    }
  }
  return n > 0 ? s / n : Number.NaN
}

/**
 * Evaluates a fitted model on one held-out split, by the split's protocol (EVAL.md).
 *
 * - Rating protocols (`rating-holdout`, `rating-folds`, and `given` when the test part holds ratings):
 *   rmse and mae of `model.score` over the test pairs. Pairs whose user or item has no training data
 *   are left out and counted in `unseenUsers` / `unseenItems`.
 * - `loo-sampled` (or any split with `candidates`): each user's candidate list is scored and ranked;
 *   reports hr, ndcg, mrr @k and auc.
 * - `holdout-full`, `temporal-full`, `given`: the whole catalogue is ranked with `model.recommend`,
 *   training items excluded; reports precision, recall, f1, ndcg, map, mrr, hr @k, auc (from
 *   `model.score` over every item), catalogue coverage, novelty, intra-list diversity, average
 *   recommendation popularity and the Gini index of exposure @k.
 *
 * Items a user interacted with in training are never recommended and never counted as hits.
 * Users with no relevant test item, and (for ranking) users with no training data, are skipped and counted.
 *
 * @example
 * ```ts
 * const r = evaluateSplit(model, split, { k: 10, perUser: true })
 * r.metrics['ndcg@10']; r.usersEvaluated
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for an unknown protocol or metric key, a bad `k`, a sampled protocol without candidates, or a model that recommends training items; DIMENSION_MISMATCH when train, test, candidates or item vectors disagree in size; ABORTED when `signal` fires.
 */
export function evaluateSplit(model: Recommender<object>, split: EvalSplit, opts: EvaluateOptions = {}): SplitResult {
  const k = opts.k ?? 10
  checkK(k)
  const { protocol, train, test } = split
  checkProtocol(protocol)
  const numUsers = train.users.size
  const numItems = train.items.size
  if (test.users.size !== numUsers || test.items.size !== numItems) {
    throw new RecForgeError(
      'DIMENSION_MISMATCH',
      `split "${protocol}" fold ${split.fold}: train has ${numUsers} users × ${numItems} items but test has ${test.users.size} × ${test.items.size}; both parts must share the same vocabularies`,
    )
  }
  if (opts.minRating !== undefined && !Number.isFinite(opts.minRating)) {
    throw new RecForgeError('INVALID_ARGUMENT', `minRating must be a finite number; got ${String(opts.minRating)}`)
  }
  const available = metricsForProtocol(protocol, k)
  let wanted: string[]
  if (opts.metrics) {
    for (const key of opts.metrics) {
      if (!available.includes(key)) {
        throw new RecForgeError('INVALID_ARGUMENT', `metric "${key}" does not apply to protocol "${protocol}" at k=${k}; expected some of ${available.join(', ')}`)
      }
    }
    wanted = available.filter((key) => opts.metrics!.includes(key))
  } else {
    wanted = available
    if (protocol === 'given' && !hasRatings(split)) wanted = wanted.filter((key) => key !== 'rmse' && key !== 'mae')
  }
  const wantRating = wanted.includes('rmse') || wanted.includes('mae')
  const rankingWanted = wanted.filter((key) => key !== 'rmse' && key !== 'mae')
  if (protocolKind(protocol) === 'sampled' && !split.candidates) {
    throw new RecForgeError('INVALID_ARGUMENT', `protocol "${protocol}" ranks sampled candidates, but the split has none; build it with the loo-sampled splitter`)
  }
  if (split.candidates && split.candidates.indptr.length !== numUsers + 1) {
    throw new RecForgeError('DIMENSION_MISMATCH', `split candidates have ${split.candidates.indptr.length - 1} user rows; expected ${numUsers}`)
  }

  const trainCount = new Int32Array(numItems)
  for (let p = 0, n = nnz(train); p < n; p++) trainCount[train.indices[p]!]!++
  let unseenUsers = 0
  let unseenItems = 0
  let testUsers = 0
  for (let u = 0; u < numUsers; u++) {
    const a = test.indptr[u]!
    const b = test.indptr[u + 1]!
    if (b === a) continue
    testUsers++
    const cold = train.indptr[u + 1]! === train.indptr[u]!
    for (let p = a; p < b; p++) {
      if (cold) unseenUsers++
      if (trainCount[test.indices[p]!] === 0) unseenItems++
    }
  }

  const metrics: Record<string, number> = {}
  const parts: PerUser[] = []
  let usersEvaluated = 0
  let usersSkipped = 0
  const progress = { done: 0, total: (wantRating ? testUsers : 0) + (rankingWanted.length ? testUsers : 0) }
  const tick = () => {
    progress.done++
    if ((progress.done & 63) === 0) throwIfAborted(opts.signal, 'evaluation')
    if (opts.onProgress && (progress.done % 500 === 0 || progress.done === progress.total)) {
      opts.onProgress({ stage: 'evaluate', current: progress.done, total: progress.total })
    }
  }
  throwIfAborted(opts.signal, 'evaluation')

  if (wantRating) {
    const r = evaluateRatings(model, split, trainCount, tick)
    if (wanted.includes('rmse')) metrics.rmse = r.rmse
    if (wanted.includes('mae')) metrics.mae = r.mae
    usersEvaluated = r.perUser.users.length
    usersSkipped = r.skipped
    parts.push(r.perUser)
  }
  if (rankingWanted.length) {
    const r = evaluateRanking(model, split, k, rankingWanted, trainCount, opts, tick)
    Object.assign(metrics, r.metrics)
    // ranking users are the ones a combined (given) result reports
    usersEvaluated = r.perUser.users.length
    usersSkipped = r.skipped
    parts.push(r.perUser)
  }
  const ordered: Record<string, number> = {}
  for (const key of wanted) ordered[key] = metrics[key] ?? Number.NaN
  return {
    metrics: ordered,
    usersEvaluated,
    usersSkipped,
    ...(opts.perUser ? { perUser: mergePerUser(parts, numUsers) } : {}),
    unseenUsers: split.unseenUsers ?? unseenUsers,
    unseenItems: split.unseenItems ?? unseenItems,
  }
}

function hasRatings(split: EvalSplit): boolean {
  const n = nnz(split.test)
  for (let p = 0; p < n; p++) if (split.test.values[p] !== 1) return true
  return false
}

function mergePerUser(parts: readonly PerUser[], numUsers: number): { users: Int32Array; values: Record<string, Float64Array> } {
  const slot = new Int32Array(numUsers).fill(-1)
  for (const part of parts) for (const u of part.users) slot[u] = 0
  let n = 0
  for (let u = 0; u < numUsers; u++) if (slot[u] === 0) slot[u] = n++
  const users = new Int32Array(n)
  for (let u = 0; u < numUsers; u++) if (slot[u]! >= 0) users[slot[u]!] = u
  const values: Record<string, Float64Array> = {}
  for (const part of parts) {
    for (const [key, arr] of part.values) {
      const out = new Float64Array(n).fill(Number.NaN)
      part.users.forEach((u, j) => {
        out[slot[u]!] = arr[j]!
      })
      values[key] = out
    }
  }
  return { users, values }
}

function evaluateRatings(model: Scorer, split: EvalSplit, trainCount: Int32Array, tick: () => void): { rmse: number; mae: number; skipped: number; perUser: PerUser } {
  const { train, test } = split
  const perUser = new PerUser(['rmse', 'mae'])
  let se = 0
  let ae = 0
  let pairs = 0
  let skipped = 0
  const items = new Int32Array(maxRow(test))
  const truth = new Float64Array(items.length)
  for (let u = 0; u < train.users.size; u++) {
    const a = test.indptr[u]!
    const b = test.indptr[u + 1]!
    if (a === b) continue
    tick()
    if (train.indptr[u + 1]! === train.indptr[u]!) {
      skipped++
      continue
    }
    let m = 0
    for (let p = a; p < b; p++) {
      const i = test.indices[p]!
      if (trainCount[i] === 0) continue
      items[m] = i
      truth[m++] = test.values[p]!
    }
    if (m === 0) {
      skipped++
      continue
    }
    const pred = model.score(u, items.subarray(0, m))
    if (pred.length !== m) throw new RecForgeError('DIMENSION_MISMATCH', `model.score returned ${pred.length} scores for ${m} items (user ${u})`)
    let use = 0
    let uae = 0
    for (let j = 0; j < m; j++) {
      const e = pred[j]! - truth[j]!
      if (!Number.isFinite(e)) throw new RecForgeError('INVALID_ARGUMENT', `model predicted ${pred[j]} for user ${u}, item ${items[j]}; predictions must be finite`)
      use += e * e
      uae += Math.abs(e)
    }
    se += use
    ae += uae
    pairs += m
    perUser.push(u, { rmse: Math.sqrt(use / m), mae: uae / m })
  }
  return { rmse: pairs ? Math.sqrt(se / pairs) : Number.NaN, mae: pairs ? ae / pairs : Number.NaN, skipped, perUser }
}

function maxRow(data: { indptr: Int32Array }): number {
  let m = 0
  for (let u = 0; u + 1 < data.indptr.length; u++) m = Math.max(m, data.indptr[u + 1]! - data.indptr[u]!)
  return m
}

function evaluateRanking(
  model: Scorer,
  split: EvalSplit,
  k: number,
  wanted: readonly string[],
  trainCount: Int32Array,
  opts: EvaluateOptions,
  tick: () => void,
): { metrics: Record<string, number>; skipped: number; perUser: PerUser } {
  const { train, test, candidates } = split
  const numUsers = train.users.size
  const numItems = train.items.size
  const want = new Set(wanted)
  const perUserKeys = wanted.filter((key) => !GLOBAL_PREFIXES.some((p) => key.startsWith(p)))
  const perUser = new PerUser(perUserKeys)
  const wantAuc = want.has('auc')
  const wantNovelty = want.has(`novelty@${k}`)
  const wantArp = want.has(`arp@${k}`)
  const wantDiversity = want.has(`diversity@${k}`)
  const wantExposure = want.has(`coverage@${k}`) || want.has(`gini@${k}`)
  const minRating = opts.minRating

  const { users: trainUsers } = trainingPopularity(train)
  let similarity: ((a: number, b: number) => number) | undefined
  if (wantDiversity) {
    if (opts.itemVectors) {
      const { vectors, dimensions } = opts.itemVectors
      if (vectors.length !== numItems * dimensions) {
        throw new RecForgeError('DIMENSION_MISMATCH', `itemVectors hold ${vectors.length} values; expected ${numItems} items × ${dimensions} dimensions = ${numItems * dimensions}`)
      }
      similarity = cosineSimilarity(vectors, dimensions)
    } else similarity = userOverlapSimilarity(transpose(train))
  }

  // stamps avoid clearing per-item marks for every user: mark === u + 1 means "set for user u"
  const seenMark = new Int32Array(numItems)
  const relMark = new Int32Array(numItems)
  const hitMark = new Int32Array(numItems)
  const hits = new Uint8Array(k)
  const exposure = new Float64Array(numItems)
  const allItems = wantAuc && !candidates ? Int32Array.from({ length: numItems }, (_, i) => i) : undefined
  const posScores = new Float64Array(maxRow(test))
  const row: Record<string, number> = {}
  let skipped = 0

  for (let u = 0; u < numUsers; u++) {
    const ta = test.indptr[u]!
    const tb = test.indptr[u + 1]!
    if (ta === tb) continue
    tick()
    const stamp = u + 1
    const sa = train.indptr[u]!
    const sb = train.indptr[u + 1]!
    if (sa === sb) {
      skipped++
      continue
    }
    for (let p = sa; p < sb; p++) seenMark[train.indices[p]!] = stamp
    let numRelevant = 0
    for (let p = ta; p < tb; p++) {
      const i = test.indices[p]!
      if (seenMark[i] === stamp || relMark[i] === stamp) continue
      if (minRating !== undefined && !(test.values[p]! >= minRating)) continue
      relMark[i] = stamp
      numRelevant++
    }
    if (numRelevant === 0) {
      skipped++
      continue
    }

    let list: Int32Array
    let aucValue = Number.NaN
    if (candidates) {
      const cands = candidates.items.subarray(candidates.indptr[u]!, candidates.indptr[u + 1]!)
      for (let j = 0; j < cands.length; j++) {
        const i = cands[j]!
        if (!(i >= 0 && i < numItems)) throw new RecForgeError('INVALID_ARGUMENT', `split candidates for user ${u} hold item index ${i}, outside 0..${numItems - 1}`)
      }
      const scores = model.score(u, cands)
      if (scores.length !== cands.length) throw new RecForgeError('DIMENSION_MISMATCH', `model.score returned ${scores.length} scores for ${cands.length} candidates (user ${u})`)
      list = topK(scores, k, { candidates: cands, exclude: train.indices.subarray(sa, sb) }).items
      if (wantAuc) aucValue = candidateAuc(cands, scores, relMark, seenMark, stamp, posScores)
    } else {
      list = model.recommend(u, { k, excludeSeen: true }).items
      if (violates(list, seenMark, stamp, numItems, k)) {
        list = model.recommend(u, { k, excludeSeen: true, exclude: train.indices.subarray(sa, sb) }).items
        if (violates(list, seenMark, stamp, numItems, k)) {
          throw new RecForgeError('INVALID_ARGUMENT', `model.recommend(${u}) returned more than ${k} items, an item outside 0..${numItems - 1}, or an item the user saw in training, even with exclude; check that the model was fitted on this split's training part`)
        }
      }
      if (wantAuc) {
        const scores = model.score(u, allItems!)
        aucValue = candidateAuc(allItems!, scores, relMark, seenMark, stamp, posScores)
      }
    }

    const n = list.length
    hits.fill(0)
    for (let p = 0; p < n; p++) {
      const i = list[p]!
      if (relMark[i] === stamp && hitMark[i] !== stamp) {
        hits[p] = 1
        hitMark[i] = stamp
      }
    }
    const f = rankingFigures(hits, n, numRelevant, k)
    row[`precision@${k}`] = f.precision
    row[`recall@${k}`] = f.recall
    row[`f1@${k}`] = f.f1
    row[`ndcg@${k}`] = f.ndcg
    row[`map@${k}`] = f.map
    row[`mrr@${k}`] = f.mrr
    row[`hr@${k}`] = f.hit
    row.auc = aucValue
    if (wantNovelty || wantArp) {
      let info = 0
      let pop = 0
      for (let p = 0; p < n; p++) {
        const c = trainCount[list[p]!]!
        info += selfInformation(c, Math.max(1, trainUsers))
        pop += c
      }
      row[`novelty@${k}`] = n ? info / n : Number.NaN
      row[`arp@${k}`] = n ? pop / n : Number.NaN
    }
    if (similarity) {
      let s = 0
      for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) s += 1 - similarity(list[a]!, list[b]!)
      row[`diversity@${k}`] = n >= 2 ? s / ((n * (n - 1)) / 2) : Number.NaN
    }
    if (wantExposure) for (let p = 0; p < n; p++) exposure[list[p]!]!++
    perUser.push(u, row)
  }

  const metrics: Record<string, number> = {}
  for (const [key, arr] of perUser.values) metrics[key] = finiteMean(arr)
  if (want.has(`coverage@${k}`)) {
    let distinct = 0
    for (let i = 0; i < numItems; i++) if (exposure[i]! > 0) distinct++
    metrics[`coverage@${k}`] = numItems ? distinct / numItems : Number.NaN
  }
  if (want.has(`gini@${k}`)) metrics[`gini@${k}`] = numItems ? giniIndex(exposure) : Number.NaN
  return { metrics, skipped, perUser }
}

function violates(list: Int32Array, seenMark: Int32Array, stamp: number, numItems: number, k: number): boolean {
  if (list.length > k) return true
  for (let p = 0; p < list.length; p++) {
    const i = list[p]!
    if (!(i >= 0 && i < numItems) || seenMark[i] === stamp) return true
  }
  return false
}

// AUC of relevant (positive) against the other unseen items among `items`; 0 when no positive is ranked.
// Hot for full ranking (every catalogue item of every user), so the counting is inlined: a linear
// scan of the few positives, or a binary search when a user has many.
function candidateAuc(items: Int32Array, scores: Float32Array, relMark: Int32Array, seenMark: Int32Array, stamp: number, buf: Float64Array): number {
  let np = 0
  for (let j = 0; j < items.length; j++) {
    if (relMark[items[j]!] === stamp) {
      const s = scores[j]!
      buf[np++] = s === s ? s : -Infinity
    }
  }
  if (np === 0) return 0
  const pos = buf.subarray(0, np).sort()
  let wins = 0
  let nn = 0
  const linear = np <= 16
  for (let j = 0; j < items.length; j++) {
    const i = items[j]!
    if (relMark[i] === stamp || seenMark[i] === stamp) continue
    let s = scores[j]!
    if (s !== s) s = -Infinity
    nn++
    if (linear) {
      for (let q = np - 1; q >= 0; q--) {
        const d = pos[q]!
        if (d > s) wins++
        else {
          if (d === s) wins += 0.5
          else break
        }
      }
    } else wins += positivesAbove(pos, s)
  }
  return nn ? wins / (np * nn) : Number.NaN
}

/**
 * Combines fold results: each metric is the mean over the folds that report it, user counts and
 * unseen counts are summed, and per-user values (when every fold has them) are each user's mean
 * over the folds where the value is defined.
 *
 * @example
 * ```ts
 * const all = aggregateResults(splits.map((s) => evaluateSplit(fitted[s.fold], s)))
 * ```
 * @throws RecForgeError EMPTY_INPUT for no results.
 */
export function aggregateResults(results: readonly SplitResult[]): SplitResult {
  if (results.length === 0) throw new RecForgeError('EMPTY_INPUT', 'aggregateResults needs at least one fold result')
  const keys: string[] = []
  for (const r of results) for (const key of Object.keys(r.metrics)) if (!keys.includes(key)) keys.push(key)
  const metrics: Record<string, number> = {}
  for (const key of keys) metrics[key] = finiteMean(results.filter((r) => key in r.metrics).map((r) => r.metrics[key]!))
  let usersEvaluated = 0
  let usersSkipped = 0
  let unseenUsers: number | undefined
  let unseenItems: number | undefined
  for (const r of results) {
    usersEvaluated += r.usersEvaluated
    usersSkipped += r.usersSkipped
    if (r.unseenUsers !== undefined) unseenUsers = (unseenUsers ?? 0) + r.unseenUsers
    if (r.unseenItems !== undefined) unseenItems = (unseenItems ?? 0) + r.unseenItems
  }
  const out: SplitResult = {
    metrics,
    usersEvaluated,
    usersSkipped,
    ...(unseenUsers !== undefined ? { unseenUsers } : {}),
    ...(unseenItems !== undefined ? { unseenItems } : {}),
  }
  if (results.every((r) => r.perUser)) out.perUser = averagePerUser(results.map((r) => r.perUser!))
  return out
}

function averagePerUser(parts: readonly NonNullable<SplitResult['perUser']>[]): NonNullable<SplitResult['perUser']> {
  if (parts.length === 1) return parts[0]!
  const userSet = new Set<number>()
  for (const p of parts) for (const u of p.users) userSet.add(u)
  const users = Int32Array.from(userSet).sort()
  const slot = new Map<number, number>()
  users.forEach((u, j) => slot.set(u, j))
  const keys = new Set<string>()
  for (const p of parts) for (const key of Object.keys(p.values)) keys.add(key)
  const values: Record<string, Float64Array> = {}
  for (const key of keys) {
    const sum = new Float64Array(users.length)
    const cnt = new Float64Array(users.length)
    for (const p of parts) {
      const arr = p.values[key]
      if (!arr) continue
      p.users.forEach((u, j) => {
        const v = arr[j]!
        if (Number.isFinite(v)) {
          const s = slot.get(u)!
          sum[s]! += v
          cnt[s]!++
        }
      })
    }
    values[key] = sum.map((s, j) => (cnt[j]! > 0 ? s / cnt[j]! : Number.NaN))
  }
  return { users, values }
}
