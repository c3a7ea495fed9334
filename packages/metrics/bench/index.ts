import { readFileSync } from 'node:fs'
import path from 'node:path'
import { BaseRecommender, InteractionsBuilder, Random, fromCoo, rangeVocabulary, type EvalSplit, type Interactions, type ModelArtifacts } from '@recforge/core'
import { runSuite, type BenchCase } from '@recforge/bench'
import { evaluateSplit, metricsForProtocol } from '../src/index'

/** Scores every item with a hash of (user, item): cheap, deterministic, no training. */
class RandomScores extends BaseRecommender<{ salt: number }> {
  readonly name = 'random-scores'
  protected async fitModel(): Promise<void> {}
  protected scoreAll(user: number, out: Float32Array): void {
    const su = Math.imul(user + 1, 0x9e3779b1) ^ this.config.salt
    for (let i = 0; i < out.length; i++) {
      let h = su ^ Math.imul(i + 1, 0x85ebca77)
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d)
      h ^= h >>> 13
      out[i] = (h >>> 0) / 4294967296
    }
  }
  override async save(): Promise<ModelArtifacts> {
    return { model: this.name, formatVersion: 1, config: { ...this.config }, ...this.baseArtifacts() }
  }
}

/** Splits each user's entries: a seeded 20% (at least one, users with 2+ entries) go to test. */
function holdout(data: Interactions, seed: number, protocol: EvalSplit['protocol']): EvalSplit {
  const rng = new Random(seed)
  const n = data.indptr[data.users.size]!
  const inTest = new Uint8Array(n)
  for (let u = 0; u < data.users.size; u++) {
    const a = data.indptr[u]!
    const len = data.indptr[u + 1]! - a
    if (len < 2) continue
    const perm = rng.permutation(len)
    const t = Math.max(1, Math.round(len * 0.2))
    for (let j = 0; j < t; j++) inTest[a + perm[j]!] = 1
  }
  const part = (flag: number) => {
    const rows: number[] = []
    for (let u = 0; u < data.users.size; u++) for (let p = data.indptr[u]!; p < data.indptr[u + 1]!; p++) if (inTest[p] === flag) rows.push(u, p)
    const m = rows.length / 2
    const userIdx = new Int32Array(m)
    const itemIdx = new Int32Array(m)
    const values = new Float32Array(m)
    for (let j = 0; j < m; j++) {
      userIdx[j] = rows[2 * j]!
      itemIdx[j] = data.indices[rows[2 * j + 1]!]!
      values[j] = data.values[rows[2 * j + 1]!]!
    }
    return fromCoo({ users: data.users, items: data.items, userIdx, itemIdx, values })
  }
  return { protocol, fold: 0, train: part(0), test: part(1) }
}

/** 6,000 users × 4,000 items, ~200,000 distinct entries with Zipf-like item popularity, ratings 1..5. */
function synthetic(): Interactions {
  const users = 6000
  const items = 4000
  const rng = new Random(7)
  const b = new InteractionsBuilder({ users: rangeVocabulary(users, 'u'), items: rangeVocabulary(items, 'i'), capacity: 220_000 })
  const seen = new Set<number>()
  for (let u = 0; u < users; u++) {
    const len = 10 + rng.int(48)
    seen.clear()
    while (seen.size < len) {
      // popularity ∝ 1 / rank^0.8 by inverse-CDF sampling of a continuous approximation
      const i = Math.min(items - 1, Math.floor(items * rng.float() ** 5))
      if (seen.has(i)) continue
      seen.add(i)
      b.pushIndex(u, i, 1 + rng.int(5))
    }
  }
  return b.build()
}

/** Adds 99 sampled unseen candidates after each user's single test item (loo-sampled shape). */
function sampledSplit(data: Interactions): EvalSplit {
  const base = holdout(data, 3, 'loo-sampled')
  const { train, test } = base
  const rng = new Random(11)
  const nu = train.users.size
  const ni = train.items.size
  const keepUser = new Int32Array(nu).fill(-1)
  const indptr = new Int32Array(nu + 1)
  const items: number[] = []
  const mark = new Int32Array(ni)
  const testRows: [number, number][] = []
  for (let u = 0; u < nu; u++) {
    const ta = test.indptr[u]!
    if (test.indptr[u + 1]! > ta) {
      const target = test.indices[ta]!
      keepUser[u] = target
      testRows.push([u, target])
      for (let p = train.indptr[u]!; p < train.indptr[u + 1]!; p++) mark[train.indices[p]!] = u + 1
      for (let p = test.indptr[u]!; p < test.indptr[u + 1]!; p++) mark[test.indices[p]!] = u + 1
      items.push(target)
      let c = 0
      while (c < 99) {
        const i = rng.int(ni)
        if (mark[i] === u + 1) continue
        mark[i] = u + 1
        items.push(i)
        c++
      }
    }
    indptr[u + 1] = items.length
  }
  const looTest = fromCoo({
    users: train.users,
    items: train.items,
    userIdx: Int32Array.from(testRows, (r) => r[0]),
    itemIdx: Int32Array.from(testRows, (r) => r[1]),
    values: new Float32Array(testRows.length).fill(1),
  })
  return { ...base, test: looTest, candidates: { indptr, items: Int32Array.from(items) } }
}

/** MovieLens latest-small ratings.csv (userId,movieId,rating,timestamp). */
function movielens(): Interactions | undefined {
  const file = path.resolve(process.cwd(), '../../../shared/data/ml-latest-small/ratings.csv')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return undefined
  }
  const b = new InteractionsBuilder({ capacity: 110_000 })
  const lines = text.split('\n')
  for (let j = 1; j < lines.length; j++) {
    const line = lines[j]!
    if (!line) continue
    const [u, i, r] = line.split(',')
    b.push(u!, i!, Number(r))
  }
  return b.build()
}

const k = 10
const data = synthetic()
const full = holdout(data, 1, 'holdout-full')
const loo = sampledSplit(data)
const rating = { ...full, protocol: 'rating-holdout' as const }
const model = new RandomScores({ salt: 12345 })
await model.fit(full.train)
const looModel = new RandomScores({ salt: 12345 })
await looModel.fit(loo.train)

const accuracy = ['precision@10', 'recall@10', 'f1@10', 'ndcg@10', 'map@10', 'mrr@10', 'hr@10']
const figures = (m: Record<string, number>, keys: string[]) => Object.fromEntries(keys.map((key) => [key, m[key]!]))
const cases: BenchCase[] = [
  {
    name: 'holdout-full, 6,000 users × 4,000 items, k=10, all metrics (auc, diversity, coverage, novelty, gini)',
    run: () => {
      const r = evaluateSplit(model, full, { k })
      return { usersEvaluated: r.usersEvaluated, ...figures(r.metrics, ['ndcg@10', 'auc', 'coverage@10', 'diversity@10']) }
    },
  },
  {
    name: 'holdout-full, 6,000 users × 4,000 items, k=10, accuracy metrics only',
    run: () => {
      const r = evaluateSplit(model, full, { k, metrics: accuracy })
      return { usersEvaluated: r.usersEvaluated, 'ndcg@10': r.metrics['ndcg@10']! }
    },
  },
  {
    name: 'loo-sampled, 6,000 users × (1 + 99 candidates), k=10',
    run: () => {
      const r = evaluateSplit(looModel, loo, { k })
      return { usersEvaluated: r.usersEvaluated, ...figures(r.metrics, ['hr@10', 'ndcg@10', 'auc']) }
    },
  },
  {
    name: 'rating-holdout, rmse and mae over the 20% test pairs',
    run: () => {
      const r = evaluateSplit(model, rating, { k })
      return { usersEvaluated: r.usersEvaluated, rmse: r.metrics.rmse! }
    },
  },
]

const ml = movielens()
if (ml) {
  const mlSplit = holdout(ml, 1, 'holdout-full')
  const mlModel = new RandomScores({ salt: 99 })
  await mlModel.fit(mlSplit.train)
  cases.push({
    name: `holdout-full, MovieLens latest-small (${ml.users.size} users × ${ml.items.size} items), k=10, all metrics`,
    run: () => {
      const r = evaluateSplit(mlModel, mlSplit, { k })
      return { usersEvaluated: r.usersEvaluated, ...figures(r.metrics, ['ndcg@10', 'auc', 'coverage@10']) }
    },
  })
}

await runSuite('metrics', cases, {
  command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/metrics bench',
  notes: [
    `Model: hash-based random scores (no training cost), so the times are the harness: recommend (full score + top-k with seen items excluded), auc from a second full scoring, per-list metrics.`,
    `Synthetic data: ${data.indptr[data.users.size]} entries, ${full.train.indptr[full.train.users.size]} train / ${full.test.indptr[full.test.users.size]} test (per-user seeded 20%).`,
    `Metric keys of holdout-full: ${metricsForProtocol('holdout-full', k).join(', ')}.`,
    'Figures come from the shared 2-core machine; medians of 5 runs after 1 warm-up.',
  ],
})
