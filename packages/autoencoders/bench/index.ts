// Autoencoder benchmark: fit time, seconds per epoch and peak RSS of multvae, multdae and autorec
// at their default settings (fewer epochs) on the synthetic ml100k (100,000 interactions) and 1m
// (1,000,000) presets of @recforge/data; each fit runs in its own process (bench/child.ts) so its
// peak RSS is its own. Run from the repository root:
//   flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/autoencoders bench
// AE_BENCH_SKIP_1M=1 leaves out the 1M cases; AE_BENCH_REPEAT=n runs each 100K case n times (default 3).
import type { BenchCase } from '@recforge/bench'
import { childCase, runChildSuite } from './childCase'

const repeat100k = Number(process.env.AE_BENCH_REPEAT ?? 3)
const presets: [string, string, number][] = [['ml100k', 'synthetic ml100k (943 x 1,682, 100K)', repeat100k]]
if (!process.env.AE_BENCH_SKIP_1M) presets.push(['1m', 'synthetic 1m (6,040 x 3,706, 1M)', 1])
const cases: BenchCase[] = []
for (const [preset, label, repeat] of presets) {
  cases.push(childCase(`multvae [600, 200], ${label}, 3 epochs`, '../src/index.ts', 'multvae', preset, { epochs: 3 }, repeat))
  cases.push(childCase(`multdae [200], ${label}, 3 epochs`, '../src/index.ts', 'multdae', preset, { epochs: 3 }, repeat))
  cases.push(childCase(`autorec (500 hidden), ${label}, 3 epochs`, '../src/index.ts', 'autorec', preset, { epochs: 3 }, repeat))
}

await runChildSuite('autoencoders', cases, {
  fit: 'data preparation, TensorFlow.js start-up for the VAE/DAE, final codes',
  repeat: repeat100k,
  notes: [
    'Default parameters except epochs.',
    'multvae / multdae: the first layer is a sparse product in TypeScript, the dense products run on TensorFlow.js (wasm backend, XNNPACK, one thread); autorec is TypeScript only.',
  ],
})
