// LightGCN benchmark: fit time, seconds per epoch and peak RSS at the default settings (fewer
// epochs) on the synthetic ml100k (100,000 interactions) and 1m (1,000,000) presets of
// @recforge/data, each fit in its own process (the child runner of @recforge/autoencoders'
// benchmark) so its peak RSS is its own. Run from the repository root:
//   flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/graph bench
// GRAPH_BENCH_SKIP_1M=1 leaves out the 1M cases, GRAPH_BENCH_SKIP_1M_2048=1 only the one at batch 2048
// (the default before batch 8192; about 490 steps an epoch, the longest case); GRAPH_BENCH_REPEAT=n runs
// each 100K case n times (default 3).
import type { BenchCase } from '@recforge/bench'
import { childCase, runChildSuite } from '../../autoencoders/bench/childCase'

const models = '../../graph/src/index.ts'
const repeat = Number(process.env.GRAPH_BENCH_REPEAT ?? 3)
const cases: BenchCase[] = [
  childCase('lightgcn (64 factors, 3 layers, batch 2048), synthetic ml100k (943 x 1,682, 100K), 3 epochs', models, 'lightgcn', 'ml100k', { epochs: 3, batchSize: 2048, learningRate: 0.005 }, repeat),
  childCase('lightgcn, defaults (64 factors, 3 layers, batch 8192), synthetic ml100k, 3 epochs', models, 'lightgcn', 'ml100k', { epochs: 3 }, repeat),
  childCase('lightgcn, 1 layer, synthetic ml100k, 3 epochs', models, 'lightgcn', 'ml100k', { epochs: 3, layers: 1, batchSize: 2048, learningRate: 0.005 }, repeat),
]
if (!process.env.GRAPH_BENCH_SKIP_1M) {
  if (!process.env.GRAPH_BENCH_SKIP_1M_2048) cases.push(childCase('lightgcn (64 factors, 3 layers, batch 2048), synthetic 1m (6,040 x 3,706, 1M), 1 epoch', models, 'lightgcn', '1m', { epochs: 1, batchSize: 2048, learningRate: 0.005 }, 1))
  cases.push(childCase('lightgcn, defaults (batch 8192), synthetic 1m, 1 epoch', models, 'lightgcn', '1m', { epochs: 1 }, 1))
  cases.push(childCase('lightgcn, batch 16384, synthetic 1m, 1 epoch', models, 'lightgcn', '1m', { epochs: 1, batchSize: 16384 }, 1))
}

await runChildSuite('graph', cases, {
  fit: 'graph construction and final propagation included',
  repeat,
  notes: [
    'Default parameters except those named.',
    'Every Adam step propagates the whole graph K times forward and K times backward, so an epoch costs about 2K x 2 x edges x factors x (edges / batch) multiply-adds: it grows with the square of the edges at a fixed batch size, hence the larger-batch row at 1M.',
  ],
})
