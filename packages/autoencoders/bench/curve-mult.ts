// Quality curve of MultVAE / MultDAE on ml-latest-small, holdout-full, seed 42: one fit whose
// `onEpoch` callback scores the protocol's test part every `every` epochs (epoch n scores what
// `fit` with epochs = n gives). One JSON line per checkpoint. Run from packages/autoencoders:
//   node --import @recforge/bench/tfjs-esm-resolve --conditions=@recforge/source --import tsx bench/curve-mult.ts multvae '{"epochs":200,"batchSize":100,"annealSteps":2000}' 10
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { MultVAE, MultDAE } from '../src/mult'
const kind = process.argv[2]!
const over = JSON.parse(process.argv[3] ?? '{}')
const every = Number(process.argv[4] ?? 10)
const ds = await loadDataset(`movielens-latest:${process.env.RECFORGE_BENCH_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-latest-small')}`)
const [split] = splitProtocol(ds, 'holdout-full', { seed: 42 })
const model = kind === 'multvae' ? new MultVAE(over) : new MultDAE(over)
const t00 = performance.now()
await model.fit(split!.train, {
  seed: 42,
  onEpoch: ({ epoch, epochs, metrics }) => {
    if (epoch % every !== 0 && epoch !== epochs) return
    const m = evaluateSplit(model, split!, { k: 10, metrics: ['ndcg@10', 'recall@10', 'coverage@10'] }).metrics
    const backend = model.lastFit!.backend
    console.log(JSON.stringify({ ...over, epoch, ndcg: +m['ndcg@10']!.toFixed(4), recall: +m['recall@10']!.toFixed(4), coverage: +m['coverage@10']!.toFixed(4), loss: +metrics['loss']!.toFixed(2), beta: +metrics['beta']!.toFixed(4), epochSec: +metrics['seconds']!.toFixed(1), elapsed: +((performance.now() - t00) / 1000).toFixed(0), backend }))
  },
})
