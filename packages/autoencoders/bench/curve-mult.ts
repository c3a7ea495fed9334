// Quality curve of MultVAE / MultDAE on ml-latest-small, holdout-full, seed 42: a copy of fitModel's
// loop (same seeds, so epoch n scores what `fit` with epochs = n gives) that scores the protocol's
// test part every `every` epochs. One JSON line per checkpoint. Run from packages/autoencoders:
//   node --import @recforge/bench/tfjs-esm-resolve --conditions=@recforge/source --import tsx bench/curve-mult.ts multvae '{"epochs":200,"batchSize":100,"annealSteps":2000}' 10
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Random, resolveConfig } from '@recforge/core'
import { Adam } from '@recforge/compute'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { MultVAE, MultDAE, MULTVAE_PARAMS, MULTDAE_PARAMS, klWeight } from '../src/mult'
import { gemmFor, jsGemm } from '../src/internal/gemm'
import { MultNet, largestProduct, multLayout } from '../src/internal/multNet'
const kind = process.argv[2]!
const over = JSON.parse(process.argv[3] ?? '{}')
const every = Number(process.argv[4] ?? 10)
const vae = kind === 'multvae'
const ds = await loadDataset(`movielens-latest:${process.env.RECFORGE_BENCH_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-latest-small')}`)
const [split] = splitProtocol(ds, 'holdout-full', { seed: 42 })
const data = split!.train
const cfg: any = resolveConfig((vae ? MULTVAE_PARAMS : MULTDAE_PARAMS) as any, over, { model: kind })
const model: any = vae ? new MultVAE({ ...over, epochs: 0 }) : new MultDAE({ ...over, epochs: 0 })
await model.fit(data, { seed: 42 })
const nu = data.users.size
const indptr = new Int32Array(nu + 1); const ind = new Int32Array(data.indptr[nu]!); let w = 0
for (let u = 0; u < nu; u++) { const row = data.indices.slice(data.indptr[u]!, data.indptr[u + 1]!).sort(); for (let j = 0; j < row.length; j++) if (j === 0 || row[j] !== row[j - 1]) ind[w++] = row[j]!; indptr[u + 1] = w }
const x = { rows: nu, indptr, indices: ind.slice(0, w) }
function pickRows(x: any, users: Int32Array, from: number, to: number) {
  const ip = new Int32Array(to - from + 1); let total = 0
  for (let t = from; t < to; t++) total += x.indptr[users[t]! + 1] - x.indptr[users[t]!]
  const indices = new Int32Array(total); let w = 0
  for (let t = from; t < to; t++) { const u = users[t]!; indices.set(x.indices.subarray(x.indptr[u], x.indptr[u + 1]), w); w += x.indptr[u + 1] - x.indptr[u]; ip[t - from + 1] = w }
  return { rows: to - from, indptr: ip, indices }
}
const layout = multLayout(data.items.size, cfg.layers, vae)
const { gemm, backend } = await gemmFor(largestProduct(layout, Math.min(cfg.batchSize, x.rows)))
const rng = new Random(42)
const net = new MultNet(layout, gemm); net.init(rng)
const adam = new Adam(net.params, { learningRate: cfg.learningRate })
const active: number[] = []; for (let u = 0; u < x.rows; u++) if (x.indptr[u + 1]! > x.indptr[u]!) active.push(u)
const order = Int32Array.from(active)
let step = 0, beta = 0
const t00 = performance.now()
for (let ep = 0; ep < cfg.epochs; ep++) {
  const t0 = performance.now()
  rng.shuffle(order); let ls = 0, nb = 0
  for (let start = 0; start < order.length; start += cfg.batchSize) {
    beta = vae ? klWeight(step, cfg.annealCap, cfg.annealSteps) : 0
    const batch = pickRows(x, order, start, Math.min(order.length, start + cfg.batchSize))
    ls += net.lossAndGrad(batch, { beta, dropout: cfg.dropout, l2: cfg.l2, rng }).loss
    adam.step(); adam.update(net.params, net.grads, 0, 0, net.params.length); step++; nb++
  }
  const sec = (performance.now() - t0) / 1000
  if ((ep + 1) % every === 0 || ep + 1 === cfg.epochs) {
    const codes = new Float32Array(x.rows * layout.latent); const all = Int32Array.from({ length: x.rows }, (_, u) => u)
    for (let s = 0; s < x.rows; s += cfg.batchSize) { const e = Math.min(x.rows, s + cfg.batchSize); codes.set(net.encode(pickRows(x, all, s, e)), s * layout.latent) }
    Object.assign(model, { net: new MultNet(layout, jsGemm, net.params.slice()), codes })
    const m = evaluateSplit(model, split!, { k: 10, metrics: ['ndcg@10', 'recall@10', 'coverage@10'] }).metrics
    console.log(JSON.stringify({ ...over, epoch: ep + 1, ndcg: +m['ndcg@10']!.toFixed(4), recall: +m['recall@10']!.toFixed(4), coverage: +m['coverage@10']!.toFixed(4), loss: +(ls / nb).toFixed(2), beta: +beta.toFixed(4), epochSec: +sec.toFixed(1), elapsed: +((performance.now() - t00) / 1000).toFixed(0), backend }))
  }
}
