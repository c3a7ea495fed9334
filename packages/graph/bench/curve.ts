// Quality curve of LightGCN on ml-latest-small, holdout-full, seed 42: a copy of LightGCN.fitModel's
// loop (same seeds, same draws, so epoch n scores what `fit` with epochs = n gives) that scores the
// layer-mean embeddings on the protocol's test part every `every` epochs. Prints one JSON line each.
// Run from packages/graph:
//   node --conditions=@recforge/source --import tsx bench/curve.ts '{"batchSize":8192,"learningRate":0.01,"epochs":400}' 10
// RECFORGE_BENCH_DATA points at another ml-latest-small copy.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Random, resolveConfig } from '@recforge/core'
import { Adam } from '@recforge/compute'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { LightGCN, LIGHTGCN_PARAMS } from '../src/lightgcn'
import { TripleSampler, batchLossAndGrad, stepWork, triples } from '../src/internal/bpr'
import { edgeCount, layerMean, normalizedGraph } from '../src/internal/graph'
const over = JSON.parse(process.argv[2] ?? '{}')
const every = Number(process.argv[3] ?? 10)
const ds = await loadDataset(`movielens-latest:${process.env.RECFORGE_BENCH_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-latest-small')}`)
const [split] = splitProtocol(ds, 'holdout-full', { seed: 42 })
const data = split!.train
const cfg = resolveConfig(LIGHTGCN_PARAMS, over, { model: 'lightgcn' })
// a fitted shell whose embeddings are replaced at each checkpoint
const model = new LightGCN({ ...over, epochs: 0 })
await model.fit(data, { seed: 42 })
const { factors: d, layers, epochs, batchSize, learningRate, l2, initStd } = cfg
const nu = data.users.size, ni = data.items.size
const g = normalizedGraph(data)
const rng = new Random(42)
const ego = rng.fillNormal(new Float32Array((nu + ni) * d), 0, initStd) as Float32Array
const egoGrad = new Float32Array((nu + ni) * d)
const work = stepWork(nu + ni, d)
const adam = new Adam(ego, { learningRate })
const sampler = new TripleSampler(g)
const samples = edgeCount(g)
const batch = triples(batchSize)
const t00 = performance.now()
for (let ep = 0; ep < epochs; ep++) {
  const t0 = performance.now(); let lossSum = 0
  for (let start = 0; start < samples; start += batchSize) {
    const b = Math.min(batchSize, samples - start)
    sampler.draw(rng, batch, b)
    lossSum += batchLossAndGrad(g, ego, layers, d, batch, l2, work, egoGrad).bpr * b
    adam.step(); adam.update(ego, egoGrad, 0, 0, ego.length)
  }
  const sec = (performance.now() - t0) / 1000
  if ((ep + 1) % every === 0 || ep + 1 === epochs) {
    const combined = new Float32Array((nu + ni) * d)
    layerMean(g, ego, layers, d, combined, work.buf)
    Object.assign(model, { users: combined.slice(0, nu * d), items: combined.slice(nu * d) })
    const m = evaluateSplit(model, split!, { k: 10, metrics: ['ndcg@10', 'recall@10', 'coverage@10'] }).metrics
    console.log(JSON.stringify({ ...over, epoch: ep + 1, ndcg: +m['ndcg@10']!.toFixed(4), recall: +m['recall@10']!.toFixed(4), coverage: +m['coverage@10']!.toFixed(4), loss: +(lossSum / samples).toFixed(4), epochSec: +sec.toFixed(1), elapsed: +((performance.now() - t00) / 1000).toFixed(0) }))
  }
}
