// NCF benchmark: seconds per training epoch at the NCF paper's settings (GMF 8 factors, MLP 32+32
// -> [64, 32, 16, 8], Adam 0.001, batch 256, 4 negatives) on MovieLens-100K- and 1M-sized
// synthetic data, and HR@10 / NDCG@10 under `loo-sampled` on ml-latest-small.
// Run from the repository root: flock /tmp/recforge-bench.lock pnpm --filter @recforge/ncf bench
// NCF_BENCH_SKIP_1M=1 leaves out the 1M case; NCF_BENCH_DATA points at another ml-latest-small copy.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Interactions } from '@recforge/core'
import { generateSynthetic, loadDataset, splitProtocol } from '@recforge/data'
import { evaluateSplit } from '@recforge/metrics'
import { initBackend } from '@recforge/tf'
import { runSuite, type BenchCase } from '@recforge/bench'
import { GMF, MLP, NeuMF, type NCFModel } from '../src/index'

const here = path.dirname(fileURLToPath(import.meta.url))
const dataDir = process.env.NCF_BENCH_DATA ?? path.resolve(here, '../../../../shared/data/ml-latest-small')
const backend = await initBackend()
const training = { learningRate: 0.001, batchSize: 256, negatives: 4 }
const factors = 8
const layers = [64, 32, 16, 8]
/** Each model at the paper's settings; `pretrainEpochs` applies to NeuMF only. */
const models = {
  gmf: (c: Run) => new GMF({ ...training, factors, epochs: c.epochs }),
  mlp: (c: Run) => new MLP({ ...training, layers, epochs: c.epochs }),
  neumf: (c: Run) => new NeuMF({ ...training, factors, layers, ...c }),
} satisfies Record<string, (c: Run) => NCFModel>
type Name = keyof typeof models
interface Run {
  epochs: number
  pretrainEpochs?: number
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

/** Fits `epochs` epochs; figures: median wall and CPU seconds per epoch (CPU time is less disturbed by other jobs). */
const epochCase = (label: string, name: Name, data: () => Interactions, epochs: number, repeat: number, warmup: number): BenchCase => ({
  name: `${label}: fit ${epochs} epoch${epochs > 1 ? 's' : ''}`,
  repeat,
  warmup,
  run: async () => {
    const m = models[name]({ epochs })
    const c0 = process.cpuUsage()
    await m.fit(data(), { seed: 42 })
    const c = process.cpuUsage(c0)
    return { secondsPerEpoch: median(m.lastFit!.epochSeconds), cpuSecondsPerEpoch: (c.user + c.system) / 1e6 / epochs }
  },
})

const ml100k = generateSynthetic('ml100k').interactions
let ml1m: Interactions | undefined
const get1m = () => (ml1m ??= generateSynthetic('1m').interactions)

const ds = await loadDataset(`movielens-latest:${dataDir}`)
const [split] = splitProtocol(ds, 'loo-sampled', { seed: 42 })
const looCase = (label: string, name: Name, cfg: Run): BenchCase => ({
  name: `${label}: fit + loo-sampled eval`,
  repeat: 1,
  warmup: 0,
  run: async () => {
    const m = models[name](cfg)
    const t0 = performance.now()
    await m.fit(split!.train, { seed: 42 })
    const fitSeconds = (performance.now() - t0) / 1000
    const r = evaluateSplit(m, split!, { k: 10 })
    return { 'hr@10': r.metrics['hr@10']!, 'ndcg@10': r.metrics['ndcg@10']!, fitSeconds, secondsPerEpoch: median(m.lastFit!.epochSeconds) }
  },
})

const cases: BenchCase[] = [
  epochCase('neumf, ml100k synthetic (943 x 1682, 100k)', 'neumf', () => ml100k, 2, 3, 1),
  epochCase('gmf, ml100k synthetic', 'gmf', () => ml100k, 2, 3, 1),
  epochCase('mlp, ml100k synthetic', 'mlp', () => ml100k, 2, 3, 1),
  ...(process.env.NCF_BENCH_SKIP_1M ? [] : [epochCase('neumf, 1m synthetic (6040 x 3706, 1M)', 'neumf', get1m, 1, 1, 0)]),
  looCase('gmf, ml-latest-small, 20 epochs', 'gmf', { epochs: 20 }),
  looCase('mlp, ml-latest-small, 20 epochs', 'mlp', { epochs: 20 }),
  looCase('neumf, ml-latest-small, 20 epochs', 'neumf', { epochs: 20 }),
  looCase('neumf pretrained (10 gmf + 10 mlp epochs), then 10 epochs', 'neumf', { epochs: 10, pretrainEpochs: 10 }),
]

await runSuite('ncf', cases, {
  command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/ncf bench',
  notes: [
    `TensorFlow.js backend: ${backend.name}. Paper settings: GMF 8 factors, MLP 32+32 -> [64, 32, 16, 8], Adam lr 0.001, batch 256, 4 sampled negatives per positive (5 training rows per interaction).`,
    'Epoch rows: the case time is the whole fit (data preparation included); secondsPerEpoch is the median wall time of its epochs, cpuSecondsPerEpoch the process CPU time divided by the epochs.',
    `ml-latest-small (${split!.train.users.size} users, ${split!.train.items.size} items), loo-sampled split seed 42 (latest interaction per user, 99 sampled negatives); single seeded runs.`,
    'Reference (issue 4): PyTorch 1.13 CPU NeuMF at the same settings, 1.6 s per epoch at 100K and about 25 s per epoch at 1M; goal: within 1.5x on wasm.',
    'Measured on the shared 2-core machine while other jobs ran: wall times are indicative only.',
  ],
})
