// Quality curve of CFGAN on ml-latest-small, holdout-full, seed 42: a copy of CFGAN.fitModel's loop
// (same seeds and draws, so epoch n scores what `fit` with epochs = n gives: ndcg@10 0.0749 after 5
// epochs and 0.2301 after 80 at the defaults, as the sweep's table) that scores the generator on the
// protocol's test part every `every` epochs. One JSON line per checkpoint. Run from packages/gan:
//   node --import @recforge/bench/tfjs-esm-resolve --conditions=@recforge/source --import tsx bench/curve.ts '{"epochs":300}' 10
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Random, resolveConfig } from '@recforge/core'
import { Adam } from '@recforge/compute'
import { Batcher, initBackend } from '@recforge/tf'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { byItem, CFGAN, CFGAN_PARAMS } from '../src/cfgan'
import { CfganNet, fillMasks, type BinaryRows } from '../src/internal/cfganNet'
import { tfProduct } from '../src/internal/dense'
const over = JSON.parse(process.argv[2] ?? '{}')
const every = Number(process.argv[3] ?? 10)
await initBackend()
const ds = await loadDataset(`movielens-latest:${process.env.RECFORGE_BENCH_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-latest-small')}`)
const [split] = splitProtocol(ds, 'holdout-full', { seed: 42 })
const data = split!.train
const cfg = resolveConfig(CFGAN_PARAMS, over, { model: 'cfgan' })
// a fitted shell whose generator weights are replaced at each checkpoint
const model = new CFGAN({ ...over, epochs: 1 })
await model.fit(data, { seed: 42 })
const rng = new Random(42)
const nU = data.users.size, nI = data.items.size
const item = cfg.mode === 'item'
const vectors: BinaryRows = item ? byItem(data, nU, nI) : { indptr: data.indptr, indices: data.indices }
const count = item ? nI : nU, cols = item ? nU : nI
const net = new CfganNet({ cols, hidden: cfg.hidden, discriminatorHidden: cfg.discriminatorHidden, activation: cfg.activation }, tfProduct)
net.init(rng)
const adamG = new Adam(net.g, { learningRate: cfg.learningRate })
const adamD = new Adam(net.d, { learningRate: cfg.learningRate })
const batcher = new Batcher({ size: count, batchSize: cfg.batchSize, rng })
const pmBuf = new Float32Array(Math.min(cfg.batchSize, count) * cols)
const zrBuf = new Float32Array(pmBuf.length)
const pass = (run: (rows: Int32Array, pm: Float32Array, zr: Float32Array) => number) => {
  let sum = 0, b = 0
  for (const rows of batcher.epoch()) { sum += run(rows, pmBuf.subarray(0, rows.length * cols), zrBuf.subarray(0, rows.length * cols)); b++ }
  return sum / b
}
const t00 = performance.now()
for (let epoch = 0; epoch < cfg.epochs; epoch++) {
  const t0 = performance.now()
  const pm = { ratio: cfg.pmRatio, seed: rng.uint32() }
  const zr = { ratio: cfg.zrRatio, seed: rng.uint32() }
  let dl = 0, gl = 0
  for (let s = 0; s < cfg.discriminatorSteps; s++) dl += pass((rows, pmOut) => { fillMasks(vectors, rows, cols, { ...pm, out: pmOut }); const l = net.discriminatorStep(vectors, rows, pmOut); adamD.step(); adamD.update(net.d, net.dGrad, 0, 0, net.d.length); return l })
  for (let s = 0; s < cfg.generatorSteps; s++) gl += pass((rows, pmOut, zrOut) => { fillMasks(vectors, rows, cols, { ...pm, out: pmOut }, { ...zr, out: zrOut }); const l = net.generatorStep(vectors, rows, pmOut, zrOut, cfg.zrWeight, cfg.l2); adamG.step(); adamG.update(net.g, net.gGrad, 0, 0, net.g.length); return l })
  const sec = (performance.now() - t0) / 1000
  if ((epoch + 1) % every === 0 || epoch + 1 === cfg.epochs) {
    const G = net.layout.g, h = cfg.hidden
    Object.assign(model, { weights: { w1: net.g.slice(G.w1, G.w1 + cols * h), b1: net.g.slice(G.b1, G.b1 + h), w2: net.g.slice(G.w2, G.w2 + h * cols), b2: net.g.slice(G.b2, G.b2 + cols) }, itemCodes: undefined })
    const m = evaluateSplit(model, split!, { k: 10, metrics: ['ndcg@10', 'recall@10', 'coverage@10'] }).metrics
    console.log(JSON.stringify({ epoch: epoch + 1, ndcg: +m['ndcg@10']!.toFixed(4), recall: +m['recall@10']!.toFixed(4), coverage: +m['coverage@10']!.toFixed(4), g: +(gl).toFixed(4), d: +dl.toFixed(4), epochSec: +sec.toFixed(1), elapsed: +((performance.now() - t00) / 1000).toFixed(0) }))
  }
}
