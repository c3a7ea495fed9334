// Hyper-parameter sweep on a validation split carved from training data only, as `recforge tune`
// does: ranking models are fitted on the training part of the ml-latest-small holdout-full split
// (seed 42) split again by holdout-full (seed 43) and scored by NDCG@10 on that inner test part;
// rating models on fold 1 of rating-folds (seed 42) split again by rating-holdout (seed 43) and
// scored by RMSE. The outer test parts never guide the choice. Also used for @recforge/graph.
// Run from a package directory:
//   node [--import @recforge/bench/tfjs-esm-resolve] --conditions=@recforge/source --import tsx bench/sweep.ts <models module> <model> '<json list of configs>' [--test]
// <models module> as in child.ts (relative to this file). --test also fits each configuration on
// the outer training part and scores the outer test part (for reporting, not for choosing).
// RECFORGE_BENCH_DATA points at another ml-latest-small copy. Prints one JSON line per configuration.
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { ModelRegistry, type EvalSplit, type ModelDefinition, type ParamValue } from '@recforge/core'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'

const here = path.dirname(fileURLToPath(import.meta.url))
const [modulePath, name, list] = process.argv.slice(2)
if (!modulePath || !name) throw new Error("usage: sweep.ts <models module> <model> '<json list of configs>' [--test]")
const mod = (await import(pathToFileURL(path.resolve(here, modulePath)).href)) as Record<string, unknown>
const registry = new ModelRegistry()
for (const v of Object.values(mod)) if (Array.isArray(v) && v.every((d) => typeof (d as ModelDefinition).create === 'function')) registry.register(...(v as ModelDefinition[]))
const def = registry.get(name)
const dataDir = process.env.RECFORGE_BENCH_DATA ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
const ds = await loadDataset(`movielens-latest:${dataDir}`)
const rating = def.task === 'rating'
const [outer] = splitProtocol(ds, rating ? 'rating-folds' : 'holdout-full', { seed: 42 })
const [inner] = splitProtocol({ ...ds, interactions: outer!.train }, rating ? 'rating-holdout' : 'holdout-full', { seed: 43 })
const metric = rating ? 'rmse' : 'ndcg@10'
const splits: [string, EvalSplit][] = [['validation', inner!]]
if (process.argv.includes('--test')) splits.push(['test', outer!])
for (const cfg of JSON.parse(list ?? '[{}]') as Record<string, ParamValue>[]) {
  const row: Record<string, unknown> = { model: name, ...cfg }
  for (const [part, split] of splits) {
    const { model } = registry.create(name, cfg)
    const t0 = performance.now()
    await model.fit(split.train, { seed: 42 })
    row[`${part}FitSeconds`] = +((performance.now() - t0) / 1000).toFixed(1)
    row[`${part} ${metric}`] = +evaluateSplit(model, split, { k: 10, metrics: [metric] }).metrics[metric]!.toFixed(4)
  }
  process.stdout.write(JSON.stringify(row) + '\n')
}
