// A small self-contained `holdout-full` split and ranking metrics for the GAN benchmark,
// following ../shared/EVAL.md: per user 20% of interactions at random (at least one), users with
// fewer than 2 interactions stay in training only; every item unseen in training is a candidate.
import { readFileSync } from 'node:fs'
import { InteractionsBuilder, filterEntries, Random, type Interactions, type Recommender } from '@recforge/core'

export const RATINGS = process.env.RECFORGE_ML_SMALL ?? '/work/shared/data/ml-latest-small/ratings.csv'

/** Reads MovieLens latest-small `ratings.csv` (userId,movieId,rating,timestamp). */
export function loadRatings(file = RATINGS): Interactions {
  const lines = readFileSync(file, 'utf8').split('\n')
  const b = new InteractionsBuilder({ timestamps: true, capacity: lines.length })
  for (let l = 1; l < lines.length; l++) {
    const line = lines[l]!
    if (!line) continue
    const [u, i, r, t] = line.split(',')
    b.push(u!, i!, Number(r), Number(t))
  }
  return b.build()
}

export interface Split {
  train: Interactions
  test: Interactions
}

/** Per-user 20% random holdout, seeded. */
export function holdoutFull(data: Interactions, seed: number, fraction = 0.2): Split {
  const rng = new Random(seed)
  const isTest = new Uint8Array(data.indices.length)
  for (let u = 0; u < data.users.size; u++) {
    const a = data.indptr[u]!
    const n = data.indptr[u + 1]! - a
    if (n < 2) continue
    const m = Math.max(1, Math.round(n * fraction))
    const perm = rng.permutation(n)
    for (let j = 0; j < m; j++) isTest[a + perm[j]!] = 1
  }
  return { train: filterEntries(data, (k) => !isTest[k]), test: filterEntries(data, (k) => isTest[k] === 1) }
}

/** precision, recall, ndcg, hr @k over users with at least one test item (binary relevance, log2 discounts). */
export function rankingMetrics(model: Recommender<object>, split: Split, k = 10): Record<string, number> {
  const { test } = split
  let users = 0
  let precision = 0
  let recall = 0
  let ndcg = 0
  let hr = 0
  for (let u = 0; u < test.users.size; u++) {
    const a = test.indptr[u]!
    const b = test.indptr[u + 1]!
    if (b === a) continue
    const relevant = new Set(test.indices.subarray(a, b))
    const rec = model.recommend(u, { k })
    let hits = 0
    let dcg = 0
    for (let r = 0; r < rec.items.length; r++) {
      if (relevant.has(rec.items[r]!)) {
        hits++
        dcg += 1 / Math.log2(r + 2)
      }
    }
    let idcg = 0
    for (let r = 0; r < Math.min(k, relevant.size); r++) idcg += 1 / Math.log2(r + 2)
    users++
    precision += hits / k
    recall += hits / relevant.size
    ndcg += dcg / idcg
    hr += hits > 0 ? 1 : 0
  }
  return { [`precision@${k}`]: precision / users, [`recall@${k}`]: recall / users, [`ndcg@${k}`]: ndcg / users, [`hr@${k}`]: hr / users, usersEvaluated: users }
}
