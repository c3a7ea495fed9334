// Validation curve of AutoRec on ml-latest-small: a copy of AutoRec.fitModel's loop (same seeds, so
// epoch n scores what `fit` with epochs = n gives) that scores RMSE every `every` epochs on the
// split sweep.ts uses (fold 1 of rating-folds, seed 42, its training part split again by
// rating-holdout, seed 43; `val`) or on fold 1's test part (`test`). One JSON line per checkpoint.
// Run from packages/autoencoders:
//   node --conditions=@recforge/source --import tsx bench/curve-autorec.ts '{"epochs":30,"l2":100,"learningRate":0.0003}' 2 val
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Random, nnz, resolveConfig, transpose } from '@recforge/core'
import { Adam, glorotUniform } from '@recforge/compute'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { AutoRec, AUTOREC_PARAMS } from '../src/autorec'
import { type AutoRecShape, autoRecLayout, autoRecWork, itemCodes, itemLossAndGrad, penaltyGrad } from '../src/internal/autorecNet'
const over = JSON.parse(process.argv[2] ?? '{}')
const every = Number(process.argv[3] ?? 5)
const which = process.argv[4] ?? 'val'
const ds = await loadDataset(`movielens-latest:${process.env.RECFORGE_BENCH_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-latest-small')}`)
const [outer] = splitProtocol(ds, 'rating-folds', { seed: 42 })
const [inner] = splitProtocol({ ...ds, interactions: outer!.train }, 'rating-holdout', { seed: 43 })
const split = which === 'val' ? inner! : outer!
const data = split.train
const cfg = resolveConfig(AUTOREC_PARAMS, over, { model: 'autorec' })
// a fitted shell whose weights are replaced at each checkpoint
const model = new AutoRec({ ...over, epochs: 0 })
await model.fit(data, { seed: 42 })
const { hidden: k, epochs, batchSize, learningRate, l2 } = cfg
const nu = data.users.size, ni = data.items.size
const byItem = transpose(data)
let lo = Infinity, hi = -Infinity
for (let q = 0; q < nnz(data); q++) { lo = Math.min(lo, data.values[q]!); hi = Math.max(hi, data.values[q]!) }
const range = Float32Array.of(lo, hi)
const L = autoRecLayout(nu, k)
const shape: AutoRecShape = { hidden: cfg.hiddenActivation, output: cfg.outputActivation, range }
const rng = new Random(42)
const p = new Float32Array(L.size)
glorotUniform(p, nu, k, rng, L.v, nu * k)
glorotUniform(p, k, nu, rng, L.w, nu * k)
const g = new Float32Array(L.size)
const adam = new Adam(p, { learningRate })
const active: number[] = []
for (let i = 0; i < ni; i++) if (byItem.indptr[i + 1]! > byItem.indptr[i]!) active.push(i)
const order = Int32Array.from(active)
const work = autoRecWork(k)
const t00 = performance.now()
for (let ep = 0; ep < epochs; ep++) {
  rng.shuffle(order)
  let sse = 0, count = 0
  for (let start = 0; start < order.length; start += batchSize) {
    const end = Math.min(order.length, start + batchSize)
    g.fill(0)
    for (let t = start; t < end; t++) { const i = order[t]!; sse += itemLossAndGrad(p, g, L, byItem, i, shape, work); count += byItem.indptr[i + 1]! - byItem.indptr[i]! }
    penaltyGrad(p, g, L, l2, (end - start) / order.length)
    adam.step(); adam.update(p, g, 0, 0, p.length)
  }
  if ((ep + 1) % every === 0 || ep + 1 === epochs) {
    Object.assign(model, { params: p.slice(), range, codes: itemCodes(p, L, byItem, ni, shape) })
    const m = evaluateSplit(model, split, { metrics: ['rmse'] }).metrics
    console.log(JSON.stringify({ ...over, epoch: ep + 1, [which + 'Rmse']: +m['rmse']!.toFixed(4), trainRmse: +Math.sqrt(sse / count).toFixed(4), elapsed: +((performance.now() - t00) / 1000).toFixed(0) }))
  }
}
