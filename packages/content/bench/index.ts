/**
 * Quality of `content` and `hybrid` on ml-latest-small (item text: title, genres, tags):
 * holdout-full (EVAL.md, the protocol of `recforge evaluate`) and the cold-start protocols of this
 * package (new items, new users), against ALS from @recforge/mf and popularity. Run from the
 * repository root:
 *   flock /tmp/recforge-bench.lock pnpm --filter @recforge/content bench
 * Item vectors are cached in $RECFORGE_CACHE (default ~/.cache/recforge/embeddings), so only the
 * first run encodes the catalogue.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSuite, type BenchCase } from '@recforge/bench'
import { resolveParams, type EvalSplit, type ItemSideInfo, type Recommender } from '@recforge/core'
import { loadMovieLensLatest, splitProtocol } from '@recforge/data'
import { Popularity } from '@recforge/baselines'
import { alsModel } from '@recforge/mf'
import { evaluateSplit } from '@recforge/metrics'
import { ContentRecommender, HybridRecommender, coldStartSplit, evaluateColdStart, type ColdStartSplit } from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const dataDir = process.env.ML_LATEST_SMALL ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
const ds = await loadMovieLensLatest(dataDir)
const itemInfo: ItemSideInfo = ds.itemInfo!
const seed = 42
const k = 10
const encoder = (process.env.CONTENT_ENCODER ?? 'use') as 'use' | 'tfidf'

type Make = () => Recommender<object>
const models: Record<string, Make> = {
  [`content (${encoder})`]: () => new ContentRecommender({ encoder }),
  'als (CF alone)': () => alsModel.create(resolveParams(alsModel, { factors: 64, seed })),
  popularity: () => new Popularity(),
  [`hybrid (${encoder} + als, learned blend)`]: () => new HybridRecommender({ encoder, cf: 'als', factors: 64, seed }),
  [`hybrid (${encoder} + als, evidence blend)`]: () => new HybridRecommender({ encoder, cf: 'als', factors: 64, seed, blend: 'evidence' }),
  'content (tfidf)': () => new ContentRecommender({ encoder: 'tfidf' }),
}

const holdout = splitProtocol(ds, 'holdout-full', { seed })[0]!
const coldItems = coldStartSplit(ds.interactions, { kind: 'items', fraction: 0.2, seed })
const coldUsers = coldStartSplit(ds.interactions, { kind: 'users', fraction: 0.2, given: 5, seed })

function evalCase(label: string, make: Make, split: EvalSplit | ColdStartSplit): BenchCase {
  return {
    name: `${label} — ${split.protocol}`,
    repeat: 1,
    warmup: 0,
    run: async () => {
      const m = make()
      const t0 = process.hrtime.bigint()
      await m.fit(split.train, { seed, itemInfo })
      const fitSeconds = Number(process.hrtime.bigint() - t0) / 1e9
      const r = 'kind' in split ? evaluateColdStart(m, split, { k }) : evaluateSplit(m, split, { k, metrics: [`ndcg@${k}`, `recall@${k}`, `precision@${k}`, `hr@${k}`, `map@${k}`, `coverage@${k}`] })
      return { ...r.metrics, usersEvaluated: r.usersEvaluated, fitSeconds }
    },
  }
}

const cases: BenchCase[] = []
for (const split of [holdout, coldItems, coldUsers]) {
  for (const [label, make] of Object.entries(models)) cases.push(evalCase(label, make, split))
}

await runSuite('content', cases, {
  command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/content bench',
  notes: [
    `ml-latest-small: ${ds.interactions.users.size} users, ${ds.interactions.items.size} items; item text = title, genres and up to 20 tags (core itemText). Seed ${seed}, k ${k}; every rating counts as relevant.`,
    'holdout-full: EVAL.md protocol via @recforge/data splitProtocol and @recforge/metrics evaluateSplit (what `recforge evaluate --protocol holdout-full` runs).',
    `cold-start-items: ${coldItems.coldItems.length} items (20% of rated items) lose all interactions; each test user ranks only those new items. cold-start-users: ${coldUsers.coldUsers.length} users (20%) keep their 5 earliest ratings; the rest is ranked against the whole catalogue.`,
    'Timing column is one run (fit + evaluate) on a shared 2-core machine. The first content (use) fit encodes the whole catalogue when the embedding cache is cold; later fits read the cache.',
  ],
})
