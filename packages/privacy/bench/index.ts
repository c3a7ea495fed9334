// Privacy/utility benchmarks on MovieLens latest-small (README tables):
// - dpmf: RMSE under rating-folds at epsilon 0.1 .. 10 and without privacy;
// - dppop: ndcg@10 under holdout-full, per rating and per user;
// - federated MF against centralised training at equal epochs (without privacy, and at the same
//   per-user epsilon for fedmf and user-level dpmf): RMSE (rating-holdout) and ndcg@10 (holdout-full).
// Every figure is the mean over seeds (the seed cuts the split and drives the model) with the
// sample standard deviation across seeds as its spread.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSuite, type BenchCase } from '@recforge/bench'
import type { Recommender, SplitProtocol } from '@recforge/core'
import { loadDataset, splitProtocol, type Dataset } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { MF } from '@recforge/mf'
import { DPMF, DPPopularity, FederatedMF, privacyReportOf } from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const mlLatest = process.env.RECFORGE_ML_LATEST ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
if (!existsSync(path.join(mlLatest, 'ratings.csv'))) throw new Error(`MovieLens latest-small not found at ${mlLatest}; set RECFORGE_ML_LATEST`)
const EPSILONS = [0.1, 0.5, 1, 2, 5, 10]
const SEEDS = (process.env.RECFORGE_PRIVACY_SEEDS ?? '1,2,3').split(',').map(Number)
// which suites to run: RECFORGE_PRIVACY_SUITES=dppop,federated (default all three)
const SUITES = new Set((process.env.RECFORGE_PRIVACY_SUITES ?? 'dpmf,dppop,federated').split(','))
const ds = await loadDataset(`movielens-latest:${mlLatest}`)
const command = 'pnpm --filter @recforge/privacy bench'

function meanSpread(xs: number[]): { mean: number; spread: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length
  const spread = xs.length > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1)) : 0
  return { mean, spread }
}

/** What a case measures: `metric` under `protocol`. */
interface Measure {
  readonly protocol: SplitProtocol
  readonly metric: string
}

/**
 * Fits `make()` on every split of each measure's protocol for each seed; a figure is the mean
 * over seeds of the per-seed mean `metric`, beside its spread over seeds, the largest epsilon
 * any fit spent and the mean fit time.
 */
function qualityCase(name: string, data: Dataset, measures: readonly Measure[], make: () => Recommender<object>): BenchCase {
  return {
    name,
    repeat: 1,
    warmup: 0,
    run: async () => {
      const figures: Record<string, number> = {}
      const eps: number[] = []
      const fit: number[] = []
      for (const { protocol, metric } of measures) {
        const perSeed: number[] = []
        for (const seed of SEEDS) {
          const splits = splitProtocol(data, protocol, { seed })
          let sum = 0
          for (const split of splits) {
            const m = make()
            const t0 = performance.now()
            await m.fit(split.train, { seed })
            fit.push((performance.now() - t0) / 1000)
            sum += evaluateSplit(m, split, { k: 10 }).metrics[metric]!
            const p = privacyReportOf(m)
            if (p) eps.push(p.epsilon)
          }
          perSeed.push(sum / splits.length)
        }
        const { mean, spread } = meanSpread(perSeed)
        figures[metric] = mean
        figures[`${metric} ±`] = spread
      }
      return {
        ...figures,
        ...(eps.length ? { 'epsilon spent (max)': Math.max(...eps) } : {}),
        'fit s (mean)': fit.reduce((s, x) => s + x, 0) / fit.length,
      }
    },
  }
}

const RMSE_FOLDS = [{ protocol: 'rating-folds', metric: 'rmse' }] as const
const NDCG_FULL = [{ protocol: 'holdout-full', metric: 'ndcg@10' }] as const
const BOTH = [{ protocol: 'rating-holdout', metric: 'rmse' }, ...NDCG_FULL] as const

const notes = [`seeds ${SEEDS.join(', ')}; figures are means over seeds, spreads their sample standard deviation`, 'other work may have shared the machine; fit times are indicative only']

const dpmfCases: BenchCase[] = [
  ...EPSILONS.map((epsilon) => qualityCase(`dpmf, epsilon ${epsilon}, per rating`, ds, RMSE_FOLDS, () => new DPMF({ epsilon }))),
  qualityCase('dpmf, no privacy (same SGD, no clipping or noise)', ds, RMSE_FOLDS, () => new DPMF({ dp: false })),
  qualityCase('mf (@recforge/mf, 8 factors, 20 epochs), no privacy', ds, RMSE_FOLDS, () => new MF({ factors: 8, epochs: 20 })),
]
if (SUITES.has('dpmf')) await runSuite('privacy-dpmf', dpmfCases, { command, notes: [...notes, 'ml-latest-small, rating-folds (5 folds per seed), dpmf defaults (delta = 1/n)'] })

const dppopCases: BenchCase[] = [
  ...EPSILONS.map((epsilon) => qualityCase(`dppop, epsilon ${epsilon}, Laplace, per rating`, ds, NDCG_FULL, () => new DPPopularity({ epsilon }))),
  ...EPSILONS.map((epsilon) =>
    qualityCase(`dppop, epsilon ${epsilon}, Gaussian, per user (20 items each)`, ds, NDCG_FULL, () => new DPPopularity({ epsilon, mechanism: 'gaussian', unit: 'user', maxItemsPerUser: 20 })),
  ),
  qualityCase('dppop, no privacy (exact counts)', ds, NDCG_FULL, () => new DPPopularity({ dp: false })),
]
if (SUITES.has('dppop')) await runSuite('privacy-dppop', dppopCases, { command, notes: [...notes, 'ml-latest-small, holdout-full, k = 10'] })

const USER_LEVEL_DPMF = { unit: 'user', batchSize: 61, maxRatingsPerUser: 50, clipNorm: 10, learningRate: 0.02, l2: 1 } as const
const federated: [string, () => Recommender<object>][] = [
  ['mf (@recforge/mf, centralised, 8 factors, 20 epochs)', () => new MF({ factors: 8, epochs: 20 })],
  ['dpmf, no privacy (centralised, 20 epochs)', () => new DPMF({ dp: false })],
  ['fedmf, no privacy (federated, 20 epochs)', () => new FederatedMF({ dp: false })],
  ...[10, 5, 1].map((epsilon) => [`fedmf, epsilon ${epsilon} per user (federated, 20 epochs)`, () => new FederatedMF({ epsilon })] as [string, () => Recommender<object>]),
  // the centralised model under the same unit of privacy: DP-SGD over Poisson samples of users
  ...[10, 5, 1].map(
    (epsilon) =>
      [
        `dpmf, epsilon ${epsilon} per user (centralised, 20 epochs, ${USER_LEVEL_DPMF.batchSize} users a batch, ${USER_LEVEL_DPMF.maxRatingsPerUser} ratings each, clip ${USER_LEVEL_DPMF.clipNorm})`,
        () => new DPMF({ ...USER_LEVEL_DPMF, epsilon }),
      ] as [string, () => Recommender<object>],
  ),
]
const fedCases: BenchCase[] = federated.map(([name, make]) => qualityCase(name, ds, BOTH, make))
if (SUITES.has('federated')) await runSuite('privacy-federated', fedCases, { command, notes: [...notes, 'ml-latest-small; fedmf: one client object per user, 100 expected clients per round, DP-FedAvg server'] })
