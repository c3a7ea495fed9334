// Sequential recommenders against popularity on ml-latest-small, through the same splitters and
// evaluation as `recforge evaluate` (@recforge/data splitProtocol, @recforge/metrics evaluateSplit):
// protocols loo-sampled (latest interaction per user vs 99 sampled unseen items) and temporal-full
// (latest 20% of interactions globally, full ranking), seed 42, k = 10, registry defaults.
// Run from the repository root: flock /tmp/recforge-bench.lock pnpm --filter @recforge/sequential bench
// BENCH_MODELS=gru4rec,gru4rec-lstm,sasrec runs only those rows (and loads no baseline package);
// gru4rec-lstm is gru4rec with cell: 'lstm'.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModelRegistry, nnz, type EvalSplit, type ParamValue, type SplitProtocol } from '@recforge/core'
import { initBackend } from '@recforge/tf'
import { loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { runSuite, type BenchCase } from '@recforge/bench'
import { sequentialModels, type SequentialRecommender, type SequentialConfig } from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const dir = process.env.RECFORGE_ML_LATEST ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
const backend = await initBackend()
const ds = await loadDataset(`movielens-latest:${dir}`)
const only = process.env.BENCH_MODELS ? process.env.BENCH_MODELS.split(',') : undefined
// bench rows: label -> registry model and its parameters (registry defaults otherwise)
const rows: Record<string, { model: string; params?: Record<string, ParamValue> }> = {
  pop: { model: 'pop' },
  gru4rec: { model: 'gru4rec' },
  'gru4rec-lstm': { model: 'gru4rec', params: { cell: 'lstm' } },
  sasrec: { model: 'sasrec' },
}
const registry = new ModelRegistry().register(...sequentialModels)
if (!only || only.some((m) => !registry.has(rows[m]?.model ?? m))) registry.register(...(await import('@recforge/baselines')).baselinesModels)
const protocols: SplitProtocol[] = ['loo-sampled', 'temporal-full']
const splits = new Map<SplitProtocol, EvalSplit>(protocols.map((p) => [p, splitProtocol(ds, p, { seed: 42 })[0]!]))

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const quality = (label: string, protocol: SplitProtocol): BenchCase => ({
  name: `${label}, ${protocol}: fit + evaluate`,
  repeat: 1,
  warmup: 0,
  run: async () => {
    const split = splits.get(protocol)!
    const row = rows[label]!
    const { model: m } = registry.create(row.model, row.params ?? {})
    const t0 = performance.now()
    await m.fit(split.train, { seed: 42 })
    const fitSeconds = (performance.now() - t0) / 1000
    const res = evaluateSplit(m, split, { k: 10 })
    const out: Record<string, number> = { 'hr@10': res.metrics['hr@10']!, 'ndcg@10': res.metrics['ndcg@10']!, fitSeconds, usersEvaluated: res.usersEvaluated }
    const fit = (m as SequentialRecommender<SequentialConfig>).lastFit
    if (fit) {
      out.epochs = fit.epochs
      out.epochSecondsMedian = median(fit.epochSeconds)
      out.finalLoss = fit.history.at(-1)!.loss!
    }
    return out
  },
})

await runSuite(
  'sequential',
  protocols.flatMap((p) => Object.keys(rows).filter((m) => !only || only.includes(m)).map((m) => quality(m, p))),
  {
    command: 'flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/sequential bench',
    notes: [
      `ml-latest-small (${ds.interactions.users.size} users, ${ds.interactions.items.size} items, ${nnz(ds.interactions)} ratings), seed 42, k = 10, every rating an interaction; histories ordered by timestamp.`,
      `loo-sampled: ${nnz(splits.get('loo-sampled')!.train)} training interactions; temporal-full: ${nnz(splits.get('temporal-full')!.train)}.`,
      `Registry defaults for every model (gru4rec-lstm: gru4rec with cell: 'lstm'). TensorFlow.js backend for gru4rec and sasrec: ${backend.name}; pop runs in plain TypeScript.`,
      'Single seeded runs (repeat 1): a row\'s time is fit + evaluation; epochSecondsMedian is the median wall time of one training epoch within the fit.',
      'Measured on the shared 2-core machine while other jobs ran: times are indicative only.',
    ],
  },
)
