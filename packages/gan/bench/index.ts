// GAN recommenders against simple baselines on ml-latest-small, protocol `holdout-full`
// (per user 20% held out at random, seed 42; every rating counts as an interaction; k = 10).
// Run from the repository root: flock /tmp/recforge-bench.lock pnpm --filter @recforge/gan bench
import { ModelRegistry, type ParamValue, type Recommender } from '@recforge/core'
import { initBackend } from '@recforge/tf'
import { runSuite, type BenchCase } from '@recforge/bench'
import { baselinesModels } from '@recforge/baselines'
import { mfModels } from '@recforge/mf'
import { ganModels } from '../src/index'
import { holdoutFull, loadRatings, rankingMetrics } from './holdout'

const backend = await initBackend()
const data = loadRatings()
const split = holdoutFull(data, 42)
const registry = new ModelRegistry().register(...baselinesModels, ...mfModels, ...ganModels)
const CFGAN_EPOCHS = Number(process.env.CFGAN_EPOCHS ?? 40)

const quality = (label: string, model: string, params: Record<string, ParamValue> = {}): BenchCase => ({
  name: `${label}: fit + evaluate (holdout-full, k=10)`,
  repeat: 1,
  warmup: 0,
  run: async () => {
    const { model: m } = registry.create(model, params)
    const t0 = performance.now()
    await m.fit(split.train, { seed: 42 })
    const fitSeconds = (performance.now() - t0) / 1000
    const metrics = rankingMetrics(m as Recommender<object>, split, 10)
    return { ...metrics, fitSeconds }
  },
})

const epochTime = (label: string, model: string, params: Record<string, ParamValue>): BenchCase => ({
  name: `${label}: one training epoch`,
  repeat: 3,
  warmup: 1,
  run: async () => {
    const { model: m } = registry.create(model, params)
    await m.fit(split.train, { seed: 1 })
  },
})

const cfganParams = { hidden: 64, batchSize: 128, epochs: CFGAN_EPOCHS }
const irganParams = { factors: 32, pretrainEpochs: 20, epochs: 30 }
await runSuite(
  'gan',
  [
    epochTime('CFGAN (64 hidden, batch 128)', 'cfgan', { ...cfganParams, epochs: 1 }),
    epochTime('IRGAN adversarial (32 factors)', 'irgan', { ...irganParams, pretrainEpochs: 0, epochs: 1 }),
    quality('pop', 'pop'),
    quality('ease (lambda 500)', 'ease'),
    quality('als (64 factors, 15 iterations)', 'als'),
    quality('bpr (64 factors, 100 epochs)', 'bpr'),
    quality(`cfgan (64 hidden, ${CFGAN_EPOCHS} epochs)`, 'cfgan', cfganParams),
    quality('irgan (32 factors, 20 pretrain + 30 adversarial epochs)', 'irgan', irganParams),
  ],
  {
    command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/gan bench',
    notes: [
      `ml-latest-small (${split.train.users.size} users, ${split.train.items.size} items), holdout-full split seed 42, every rating an interaction; metrics over users with a test item.`,
      `TensorFlow.js backend for the GANs: ${backend.name}. Baselines run in plain TypeScript with their registry defaults (not tuned).`,
      'Quality rows are single seeded runs (repeat 1): their time is fit + evaluation. Epoch rows are medians of 3.',
      'Measured on the shared 2-core machine while other jobs ran: times are indicative only.',
    ],
  },
)
