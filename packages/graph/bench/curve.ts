// Quality curve of LightGCN on ml-latest-small, holdout-full, seed 42: one fit whose `onEpoch`
// callback scores the layer-mean embeddings on the protocol's test part every `every` epochs (epoch
// n scores what `fit` with epochs = n gives). Prints one JSON line each. Run from packages/graph:
//   node --conditions=@recforge/source --import tsx bench/curve.ts '{"batchSize":8192,"learningRate":0.01,"epochs":400}' 10
// RECFORGE_BENCH_DATA points at another ml-latest-small copy.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { LightGCN } from '../src/lightgcn'
const over = JSON.parse(process.argv[2] ?? '{}')
const every = Number(process.argv[3] ?? 10)
const ds = await loadDataset(`movielens-latest:${process.env.RECFORGE_BENCH_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-latest-small')}`)
const [split] = splitProtocol(ds, 'holdout-full', { seed: 42 })
const model = new LightGCN(over)
const t00 = performance.now()
await model.fit(split!.train, {
  seed: 42,
  onEpoch: ({ epoch, epochs, metrics }) => {
    if (epoch % every !== 0 && epoch !== epochs) return
    const m = evaluateSplit(model, split!, { k: 10, metrics: ['ndcg@10', 'recall@10', 'coverage@10'] }).metrics
    console.log(JSON.stringify({ ...over, epoch, ndcg: +m['ndcg@10']!.toFixed(4), recall: +m['recall@10']!.toFixed(4), coverage: +m['coverage@10']!.toFixed(4), loss: +metrics['loss']!.toFixed(4), epochSec: +metrics['seconds']!.toFixed(1), elapsed: +((performance.now() - t00) / 1000).toFixed(0) }))
  },
})
