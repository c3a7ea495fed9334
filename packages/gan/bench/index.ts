// GAN recommenders against simple baselines on ml-latest-small, protocol `holdout-full` (EVAL.md:
// per user 20% held out at random, seed 42; every rating counts as relevant; k = 10), split and
// scored by @recforge/data splitProtocol and @recforge/metrics evaluateSplit, the code behind
// `recforge evaluate --protocol holdout-full`.
// Run from the repository root: flock /tmp/recforge-bench.lock pnpm --filter @recforge/gan bench
// BENCH_MODELS=cfgan,irgan runs only those rows (and loads no baseline package); the results keep
// the other rows of the earlier run.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { ModelRegistry, type ParamValue, type ProgressEvent } from '@recforge/core'
import { initBackend } from '@recforge/tf'
import { runSuite, type BenchCase } from '@recforge/bench'
import { loadMovieLensLatest, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { ganModels } from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const dataDir = process.env.ML_LATEST_SMALL ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
const backend = await initBackend()
const ds = await loadMovieLensLatest(dataDir)
const seed = 42
const k = 10
const split = splitProtocol(ds, 'holdout-full', { seed })[0]!
const only = process.env.BENCH_MODELS ? process.env.BENCH_MODELS.split(',') : undefined
const registry = new ModelRegistry().register(...ganModels)
if (!only || only.some((m) => !registry.has(m))) registry.register(...(await import('@recforge/baselines')).baselinesModels, ...(await import('@recforge/mf')).mfModels)
const METRICS = [`ndcg@${k}`, `recall@${k}`, `precision@${k}`, `map@${k}`, `mrr@${k}`, `hr@${k}`, `coverage@${k}`]

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

const quality = (label: string, model: string, params: Record<string, ParamValue> = {}): BenchCase => ({
  name: `${label}`,
  repeat: 1,
  warmup: 0,
  run: async () => {
    const { model: m } = registry.create(model, params)
    // time per epoch from the progress events: gaps between consecutive events of a stage
    const gaps: Record<string, number[]> = {}
    let last = performance.now()
    let lastStage = ''
    const onProgress = (e: ProgressEvent) => {
      const now = performance.now()
      if (e.stage === lastStage) (gaps[e.stage] ??= []).push((now - last) / 1000)
      last = now
      lastStage = e.stage
    }
    const t0 = performance.now()
    last = t0
    await m.fit(split.train, { seed, onProgress })
    const fitSeconds = (performance.now() - t0) / 1000
    const r = evaluateSplit(m, split, { k, metrics: METRICS })
    const perEpoch: Record<string, number> = {}
    if (gaps.epoch) perEpoch.secondsPerEpoch = median(gaps.epoch)
    if (gaps.pretrain) perEpoch.secondsPerPretrainEpoch = median(gaps.pretrain)
    return { ...r.metrics, usersEvaluated: r.usersEvaluated, fitSeconds, ...perEpoch }
  },
})

// CFGAN_EPOCHS=n shortens the cfgan row (registry defaults otherwise)
const cfganParams: Record<string, ParamValue> = process.env.CFGAN_EPOCHS ? { epochs: Number(process.env.CFGAN_EPOCHS) } : {}
const irganParams = { factors: 32, pretrainEpochs: 20, epochs: 30 }
const rows = (cases: [string, BenchCase][]) => cases.filter(([model]) => !only || only.includes(model)).map(([, c]) => c)
await runSuite(
  'gan',
  rows([
    ['pop', quality('pop', 'pop')],
    ['ease', quality('ease (lambda 500)', 'ease', { lambda: 500 })],
    ['als', quality('als (64 factors, 15 iterations)', 'als')],
    ['bpr', quality('bpr (64 factors, 100 epochs)', 'bpr')],
    ['cfgan', quality(`cfgan (registry defaults${process.env.CFGAN_EPOCHS ? `, ${process.env.CFGAN_EPOCHS} epochs` : ''})`, 'cfgan', cfganParams)],
    ['irgan', quality('irgan (32 factors, 20 pretrain + 30 adversarial epochs)', 'irgan', irganParams)],
  ]),
  {
    command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/gan bench',
    notes: [
      `ml-latest-small (${split.train.users.size} users, ${split.train.items.size} items, ${ds.interactions.indices.length} ratings); holdout-full split seed ${seed} via splitProtocol, metrics via evaluateSplit at k = ${k}; every rating is relevant; seen items excluded.`,
      `TensorFlow.js backend for the GANs: ${backend.name}. Baselines run in plain TypeScript with their registry defaults (not tuned); the GANs with the parameters in their row.`,
      'Each row is one seeded run: its time is fit + evaluation. secondsPerEpoch (secondsPerPretrainEpoch for IRGAN warm-up) is the median gap between epoch progress events.',
      'Measured on the shared 2-core machine while other jobs ran: times are indicative only.',
      'ease runs at lambda 500, its default before the tuning of 2026-12-04 (now 250), so that its row stays comparable.',
    ],
    // a run of some models (BENCH_MODELS) updates their rows and keeps the others'
    ...(only ? { merge: {} } : {}),
  },
)
