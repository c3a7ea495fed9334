// Peak memory and time of one fit at 1M interactions: gru4rec and sasrec at their defaults (fewer
// epochs) on the synthetic ml100k and 1m presets of @recforge/data (timestamps increase within each
// user), each fit in its own process (the child runner of @recforge/autoencoders' benchmark) so its
// peak RSS is its own. Run from the repository root:
//   flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/sequential bench:memory
// SEQ_MEMORY_SKIP_1M=1 leaves out the 1M cases. Writes bench/results/sequential-memory.{json,md}.
import type { BenchCase } from '@recforge/bench'
import { childCase, runChildSuite } from '../../autoencoders/bench/childCase'

const models = '../../sequential/src/index.ts'
const cases: BenchCase[] = [
  childCase('gru4rec, defaults, synthetic ml100k (943 x 1,682, 100K), 2 epochs', models, 'gru4rec', 'ml100k', { epochs: 2 }, 1),
  childCase('sasrec, defaults, synthetic ml100k, 2 epochs', models, 'sasrec', 'ml100k', { epochs: 2 }, 1),
]
if (!process.env.SEQ_MEMORY_SKIP_1M) {
  cases.push(childCase('gru4rec, defaults, synthetic 1m (6,040 x 3,706, 1M), 1 epoch', models, 'gru4rec', '1m', { epochs: 1 }, 1))
  cases.push(childCase('sasrec, defaults, synthetic 1m, 1 epoch', models, 'sasrec', '1m', { epochs: 1 }, 1))
}

await runChildSuite('sequential', cases, {
  fit: 'history building, training and the final user states',
  repeat: 1,
  script: 'bench:memory',
  results: 'sequential-memory',
  notes: ['Default parameters except the epochs.'],
})
