/**
 * New users with 1, 2 or 5 ratings (cold-start-users, 20% of users, seed 42): popularity, content,
 * ALS alone and the hybrid (learned blend, the default, and the fixed evidence blend) on
 * ml-latest-small. Run from the repository root:
 *   pnpm --filter @recforge/content exec node --import @recforge/bench/tfjs-esm-resolve --import tsx --conditions @recforge/source bench/cold-users.ts
 * ML_LATEST_SMALL points at another copy of the data; CONTENT_ENCODER picks `use` (default) or `tfidf`.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { resolveParams, type Recommender } from '@recforge/core'
import { loadMovieLensLatest } from '@recforge/data'
import { Popularity } from '@recforge/baselines'
import { alsModel } from '@recforge/mf'
import { ContentRecommender, HybridRecommender, coldStartSplit, evaluateColdStart } from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const dataDir = process.env.ML_LATEST_SMALL ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
const encoder = (process.env.CONTENT_ENCODER ?? 'use') as 'use' | 'tfidf'
const ds = await loadMovieLensLatest(dataDir)
const seed = 42
const models: [string, () => Recommender<object>][] = [
  [`content (${encoder})`, () => new ContentRecommender({ encoder })],
  ['als (CF alone)', () => alsModel.create(resolveParams(alsModel, { factors: 64, seed }))],
  ['popularity', () => new Popularity()],
  [`hybrid, evidence blend (${encoder} + als)`, () => new HybridRecommender({ encoder, cf: 'als', factors: 64, seed, blend: 'evidence' })],
  [`hybrid, learned blend (${encoder} + als + popularity)`, () => new HybridRecommender({ encoder, cf: 'als', factors: 64, seed })],
]
const blends: string[] = []
process.stdout.write('| ratings kept | model | ndcg@10 | recall@10 | precision@10 | hr@10 |\n|---:|---|---:|---:|---:|---:|\n')
for (const given of [1, 2, 5]) {
  const split = coldStartSplit(ds.interactions, { kind: 'users', fraction: 0.2, given, seed })
  for (const [label, make] of models) {
    const m = make()
    await m.fit(split.train, { seed, itemInfo: ds.itemInfo! })
    const r = evaluateColdStart(m, split, { k: 10 }).metrics
    const f = (x: number | undefined, d = 4) => (x ?? Number.NaN).toFixed(d)
    if (m instanceof HybridRecommender && m.blend) {
      const b = m.blend
      const w = b.weights.map((x) => [x.cf, x.content, x.popularity].map((v) => v.toFixed(3)).join(':')).join(' ')
      blends.push(`given ${given}: weights cf:content:popularity ${w}; validation users ${b.users.join('/')}, ndcg@10 ${b.ndcg.map((x) => x.toFixed(3)).join('/')} (CF alone ${b.cfNdcg.map((x) => x.toFixed(3)).join('/')})`)
    }
    process.stdout.write(`| ${given} | ${label} | ${f(r['ndcg@10'])} | ${f(r['recall@10'])} | ${f(r['precision@10'])} | ${f(r['hr@10'], 3)} |\n`)
  }
}
process.stdout.write(`\nlearned blends (buckets ${[1, 2, 3, 5, 10, 20].join('/')}+):\n${blends.join('\n')}\n`)
