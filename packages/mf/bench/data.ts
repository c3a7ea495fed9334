/**
 * Self-contained data helpers for the benchmarks: a MovieLens ratings.csv reader, seeded 80/20
 * and 5-fold rating splits, a leave-20%-per-user ranking split, and a synthetic implicit dataset
 * with latent structure and skewed popularity. All randomness comes from core's Random.
 */
import { readFileSync } from 'node:fs'
import { InteractionsBuilder, Random, filterEntries, nnz, rangeVocabulary, fromCoo, type Interactions, type Recommender } from '@recforge/core'

/** Reads MovieLens `ratings.csv` (userId,movieId,rating,timestamp) into CSR interactions. */
export function readRatingsCsv(file: string): Interactions {
  const text = readFileSync(file, 'utf8')
  const b = new InteractionsBuilder({ timestamps: true, capacity: 1 << 17 })
  let start = text.indexOf('\n') + 1
  while (start < text.length) {
    let end = text.indexOf('\n', start)
    if (end < 0) end = text.length
    const line = text.slice(start, end).trim()
    start = end + 1
    if (!line) continue
    const [u, i, r, t] = line.split(',')
    b.push(u!, i!, Number(r), Number(t))
  }
  return b.build()
}

/** Held-out rating pairs. */
export interface RatingTest {
  users: Int32Array
  items: Int32Array
  ratings: Float32Array
}

function testPart(data: Interactions, mask: Uint8Array): RatingTest {
  let m = 0
  for (const x of mask) m += x
  const users = new Int32Array(m)
  const items = new Int32Array(m)
  const ratings = new Float32Array(m)
  let p = 0
  for (let u = 0; u < data.users.size; u++) {
    for (let e = data.indptr[u]!; e < data.indptr[u + 1]!; e++) {
      if (!mask[e]) continue
      users[p] = u
      items[p] = data.indices[e]!
      ratings[p++] = data.values[e]!
    }
  }
  return { users, items, ratings }
}

/** Seeded k-fold cross-validation over ratings (k = 5 gives 80/20 folds); `folds = 1` gives one 80/20 holdout. */
export function ratingFolds(data: Interactions, folds: number, seed: number): Array<{ train: Interactions; test: RatingTest }> {
  const n = nnz(data)
  const perm = new Random(seed).permutation(n)
  const foldOf = new Uint8Array(n)
  const parts = folds === 1 ? 5 : folds
  for (let j = 0; j < n; j++) foldOf[perm[j]!] = (j * parts / n) | 0
  const out = []
  for (let f = 0; f < folds; f++) {
    const mask = new Uint8Array(n)
    for (let e = 0; e < n; e++) mask[e] = foldOf[e] === f ? 1 : 0
    out.push({ train: filterEntries(data, (e) => foldOf[e] !== f), test: testPart(data, mask) })
  }
  return out
}

/** RMSE and MAE of a rating model on held-out pairs (scores via `score`). */
export function ratingErrors(model: Recommender<object>, test: RatingTest): { rmse: number; mae: number } {
  let se = 0
  let ae = 0
  const one = new Int32Array(1)
  for (let j = 0; j < test.users.length; j++) {
    one[0] = test.items[j]!
    const err = model.score(test.users[j]!, one)[0]! - test.ratings[j]!
    se += err * err
    ae += Math.abs(err)
  }
  return { rmse: Math.sqrt(se / test.users.length), mae: ae / test.users.length }
}

/** Per user, 20% of interactions (at least one) held out at random; users with < 2 stay in training. */
export function rankingHoldout(data: Interactions, seed: number): { train: Interactions; test: Interactions } {
  const rng = new Random(seed)
  const n = nnz(data)
  const isTest = new Uint8Array(n)
  for (let u = 0; u < data.users.size; u++) {
    const a = data.indptr[u]!
    const len = data.indptr[u + 1]! - a
    if (len < 2) continue
    const m = Math.max(1, Math.round(len * 0.2))
    const p = rng.permutation(len)
    for (let j = 0; j < m; j++) isTest[a + p[j]!] = 1
  }
  return { train: filterEntries(data, (e) => !isTest[e]), test: filterEntries(data, (e) => isTest[e] === 1) }
}

/** precision@k, recall@k and ndcg@k (binary relevance, log2 discounts) over users with test items. */
export function rankingMetrics(model: Recommender<object>, test: Interactions, k: number, maxUsers = Infinity): Record<string, number> {
  let prec = 0
  let rec = 0
  let ndcg = 0
  let users = 0
  for (let u = 0; u < test.users.size && users < maxUsers; u++) {
    const a = test.indptr[u]!
    const b = test.indptr[u + 1]!
    if (b === a) continue
    const rel = new Set(test.indices.subarray(a, b))
    const top = model.recommend(u, { k })
    let hits = 0
    let dcg = 0
    for (let j = 0; j < top.items.length; j++) {
      if (rel.has(top.items[j]!)) {
        hits++
        dcg += 1 / Math.log2(j + 2)
      }
    }
    let idcg = 0
    for (let j = 0; j < Math.min(k, rel.size); j++) idcg += 1 / Math.log2(j + 2)
    prec += hits / k
    rec += hits / rel.size
    ndcg += dcg / idcg
    users++
  }
  return { [`precision@${k}`]: prec / users, [`recall@${k}`]: rec / users, [`ndcg@${k}`]: ndcg / users, users }
}

/**
 * Synthetic implicit data: `users × items` with about `interactions` distinct pairs, Zipf-like
 * item popularity and user activity, and planted taste clusters, from core's Random.
 */
export function syntheticImplicit(opts: { users: number; items: number; interactions: number; seed?: number; clusters?: number }): Interactions {
  const { users, items, interactions } = opts
  const rng = new Random(opts.seed ?? 1)
  const clusters = opts.clusters ?? 32
  // popularity weights ~ 1/(rank+10)^0.9, shuffled over item ids
  const perm = rng.permutation(items)
  const cdfByCluster: Float64Array[] = []
  const itemCluster = new Int32Array(items)
  for (let i = 0; i < items; i++) itemCluster[i] = rng.int(clusters)
  for (let c = 0; c < clusters; c++) {
    const cdf = new Float64Array(items)
    let acc = 0
    for (let i = 0; i < items; i++) {
      const w = 1 / Math.pow(perm[i]! + 10, 0.9)
      acc += w * (itemCluster[i] === c ? 8 : 1)
      cdf[i] = acc
    }
    cdfByCluster.push(cdf)
  }
  // user activity ~ lognormal, scaled to the target count
  const act = new Float64Array(users)
  let sum = 0
  for (let u = 0; u < users; u++) sum += act[u] = Math.exp(rng.normal(0, 1))
  const uIdx = new Int32Array(interactions)
  const iIdx = new Int32Array(interactions)
  let n = 0
  const seen = new Set<number>()
  for (let u = 0; u < users && n < interactions; u++) {
    const want = Math.min(items - 1, Math.max(1, Math.round((act[u]! / sum) * interactions)))
    const cdf = cdfByCluster[rng.int(clusters)]!
    const total = cdf[items - 1]!
    seen.clear()
    for (let t = 0; t < want * 3 && seen.size < want && n < interactions; t++) {
      const x = rng.float() * total
      let lo = 0
      let hi = items - 1
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (cdf[mid]! > x) hi = mid
        else lo = mid + 1
      }
      if (seen.has(lo)) continue
      seen.add(lo)
      uIdx[n] = u
      iIdx[n++] = lo
    }
  }
  return fromCoo({
    users: rangeVocabulary(users, 'u'),
    items: rangeVocabulary(items, 'i'),
    userIdx: uIdx.subarray(0, n),
    itemIdx: iIdx.subarray(0, n),
    values: new Float32Array(n).fill(1),
  })
}
