// Validation curve of AutoRec on ml-latest-small: one fit whose `onEpoch` callback scores RMSE every
// `every` epochs (epoch n scores what `fit` with epochs = n gives) on the split sweep.ts uses (fold 1
// of rating-folds, seed 42, its training part split again by rating-holdout, seed 43; `val`) or on
// fold 1's test part (`test`). One JSON line per checkpoint. Run from packages/autoencoders:
//   node --conditions=@recforge/source --import tsx bench/curve-autorec.ts '{"epochs":30,"l2":100,"learningRate":0.0003}' 2 val
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { AutoRec } from '../src/autorec'
const over = JSON.parse(process.argv[2] ?? '{}')
const every = Number(process.argv[3] ?? 5)
const which = process.argv[4] ?? 'val'
const ds = await loadDataset(`movielens-latest:${process.env.RECFORGE_BENCH_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-latest-small')}`)
const [outer] = splitProtocol(ds, 'rating-folds', { seed: 42 })
const [inner] = splitProtocol({ ...ds, interactions: outer!.train }, 'rating-holdout', { seed: 43 })
const split = which === 'val' ? inner! : outer!
const model = new AutoRec(over)
const t00 = performance.now()
await model.fit(split.train, {
  seed: 42,
  onEpoch: ({ epoch, epochs, metrics }) => {
    if (epoch % every !== 0 && epoch !== epochs) return
    const m = evaluateSplit(model, split, { metrics: ['rmse'] }).metrics
    console.log(JSON.stringify({ ...over, epoch, [which + 'Rmse']: +m['rmse']!.toFixed(4), trainRmse: +metrics['rmse']!.toFixed(4), elapsed: +((performance.now() - t00) / 1000).toFixed(0) }))
  },
})
