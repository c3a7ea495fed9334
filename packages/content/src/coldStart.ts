import { Random, RecForgeError, checkNumber, filterEntries, itemCounts, nnz, throwIfAborted, type EvalSplit, type Interactions, type Recommender, type RunOptions } from '@recforge/core'
import { rankingAtK } from '@recforge/metrics'

/** Options of {@link coldStartSplit}. */
export interface ColdStartOptions {
  /** `items`: whole items are held out (new items); `users`: whole users are held out except their first `given` interactions (new users). */
  kind: 'items' | 'users'
  /** Share of items (or users) held out. Defaults to `0.2`. */
  fraction?: number
  /** Seed of the choice. Defaults to `42`. */
  seed?: number
  /** New users keep this many of their earliest interactions in training (the onboarding answers). Defaults to `5`. */
  given?: number
}

/** A cold-start split: the held-out items or users beside the usual train/test parts. */
/** The train/test cut of a cold-start experiment (its own protocols, beside EVAL.md's). */
export type ColdStartProtocol = 'cold-start-items' | 'cold-start-users'

export interface ColdStartSplit extends Omit<EvalSplit, 'protocol'> {
  readonly protocol: ColdStartProtocol
  readonly kind: 'items' | 'users'
  /** Items with no training interactions (kind `items`), ascending. */
  readonly coldItems: Int32Array
  /** Users held out (kind `users`), ascending. */
  readonly coldUsers: Int32Array
}

/**
 * Cuts a cold-start split. `items`: a seeded `fraction` of the items that have interactions lose
 * all of them to the test part; each test user's candidates are exactly those new items (CF has no
 * data on any of them). `users`: a seeded `fraction` of the users with more than `given`
 * interactions keep only their `given` earliest (by timestamp, ties by input order) in training;
 * the rest is their test part, ranked against the whole catalogue.
 *
 * @example
 * ```ts
 * const split = coldStartSplit(data, { kind: 'items', fraction: 0.2, seed: 42 })
 * split.protocol // 'cold-start-items'
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad kind or fraction; EMPTY_INPUT when nothing can be held out.
 */
export function coldStartSplit(data: Interactions, opts: ColdStartOptions): ColdStartSplit {
  const fraction = checkNumber('fraction', opts.fraction ?? 0.2, { min: 0, max: 1, exclusiveMin: true })
  const given = checkNumber('given', opts.given ?? 5, { min: 0, integer: true })
  const rng = new Random(opts.seed ?? 42)
  const n = nnz(data)
  if (opts.kind === 'items') {
    const counts = itemCounts(data)
    const active: number[] = []
    counts.forEach((c, i) => c > 0 && active.push(i))
    const perm = rng.permutation(active.length)
    const m = Math.round(fraction * active.length)
    if (m === 0 || m === active.length) throw new RecForgeError('EMPTY_INPUT', `coldStartSplit: ${active.length} items with interactions; fraction ${fraction} holds out ${m}, leaving nothing to ${m === 0 ? 'test' : 'train'} on`)
    const cold = new Uint8Array(data.items.size)
    for (let j = 0; j < m; j++) cold[active[perm[j]!]!] = 1
    const train = filterEntries(data, (k) => !cold[data.indices[k]!])
    const test = filterEntries(data, (k) => cold[data.indices[k]!] === 1)
    const coldItems = Int32Array.from(active.filter((i) => cold[i]).sort((a, b) => a - b))
    const nu = data.users.size
    const indptr = new Int32Array(nu + 1)
    for (let u = 0; u < nu; u++) indptr[u + 1] = indptr[u]! + (test.indptr[u + 1]! > test.indptr[u]! ? coldItems.length : 0)
    const items = new Int32Array(indptr[nu]!)
    for (let u = 0; u < nu; u++) if (indptr[u + 1]! > indptr[u]!) items.set(coldItems, indptr[u]!)
    return { protocol: 'cold-start-items', fold: 0, kind: 'items', train, test, candidates: { indptr, items }, unseenItems: nnz(test), coldItems, coldUsers: new Int32Array(0) }
  }
  if (opts.kind !== 'users') throw new RecForgeError('INVALID_ARGUMENT', `coldStartSplit: kind must be 'items' or 'users'; got ${JSON.stringify((opts as { kind: unknown }).kind)}`)
  const eligible: number[] = []
  for (let u = 0; u < data.users.size; u++) if (data.indptr[u + 1]! - data.indptr[u]! > given) eligible.push(u)
  const perm = rng.permutation(eligible.length)
  const m = Math.round(fraction * eligible.length)
  if (m === 0) throw new RecForgeError('EMPTY_INPUT', `coldStartSplit: ${eligible.length} users have more than ${given} interactions; fraction ${fraction} holds out none`)
  const keepInTrain = new Uint8Array(n).fill(1)
  const coldUsers = Int32Array.from(Array.from({ length: m }, (_, j) => eligible[perm[j]!]!).sort((a, b) => a - b))
  for (const u of coldUsers) {
    const a = data.indptr[u]!
    const b = data.indptr[u + 1]!
    const order = Array.from({ length: b - a }, (_, j) => a + j)
    if (data.timestamps) order.sort((x, y) => data.timestamps![x]! - data.timestamps![y]! || x - y)
    for (let j = given; j < order.length; j++) keepInTrain[order[j]!] = 0
  }
  const train = filterEntries(data, (k) => keepInTrain[k] === 1)
  const test = filterEntries(data, (k) => keepInTrain[k] === 0)
  return { protocol: 'cold-start-users', fold: 0, kind: 'users', train, test, coldItems: new Int32Array(0), coldUsers }
}

/** Options of {@link evaluateColdStart}. */
export interface ColdStartEvalOptions extends RunOptions {
  /** Cut-off. Defaults to `10`. */
  k?: number
  /** Only test interactions with a value >= this are relevant. Defaults to `undefined` (all). */
  minRating?: number
}

/**
 * Ranking metrics on a cold-start split: ndcg, recall, precision and hit rate @k (binary relevance,
 * log2 discounts, ideal DCG over min(k, relevant)), averaged over test users with a relevant item.
 *
 * @example
 * ```ts
 * const r = evaluateColdStart(model, split, { k: 10 }) // { metrics: { 'ndcg@10': 0.21, ... }, usersEvaluated: 118 }
 * ```
 * @throws RecForgeError INVALID_ARGUMENT for a bad k; ABORTED when the signal fires.
 */
export function evaluateColdStart(model: Recommender<object>, split: Pick<EvalSplit, 'train' | 'test' | 'candidates'>, opts: ColdStartEvalOptions = {}): { metrics: Record<string, number>; usersEvaluated: number; usersSkipped: number } {
  const k = checkNumber('k', opts.k ?? 10, { min: 1, integer: true })
  const { test, candidates } = split
  const sums = { ndcg: 0, recall: 0, precision: 0, hr: 0 }
  let evaluated = 0
  let skipped = 0
  for (let u = 0; u < test.users.size; u++) {
    const a = test.indptr[u]!
    const b = test.indptr[u + 1]!
    if (a === b) continue
    if (u % 64 === 0) throwIfAborted(opts.signal, 'cold-start evaluation')
    const relevant = new Set<number>()
    for (let j = a; j < b; j++) if (opts.minRating === undefined || test.values[j]! >= opts.minRating) relevant.add(test.indices[j]!)
    if (relevant.size === 0) {
      skipped++
      continue
    }
    const cand = candidates ? candidates.items.subarray(candidates.indptr[u]!, candidates.indptr[u + 1]!) : undefined
    const rec = model.recommend(u, { k, ...(cand ? { candidates: cand } : {}) })
    const r = rankingAtK(rec.items, relevant, k)
    sums.ndcg += r.ndcg
    sums.recall += r.recall
    sums.precision += r.precision
    sums.hr += r.hit
    evaluated++
    opts.onProgress?.({ stage: 'evaluate', current: evaluated })
  }
  const mean = (x: number) => (evaluated ? x / evaluated : Number.NaN)
  return {
    metrics: { [`ndcg@${k}`]: mean(sums.ndcg), [`recall@${k}`]: mean(sums.recall), [`precision@${k}`]: mean(sums.precision), [`hr@${k}`]: mean(sums.hr) },
    usersEvaluated: evaluated,
    usersSkipped: skipped,
  }
}
