/**
 * One embedding training step (look up a batch of rows, loss, gradient, Adam update) on the wasm
 * and cpu backends, with the scatterND gradient of this package; and the UnsortedSegmentSum op the
 * stock GatherV2 gradient runs instead, for comparison. Run from the repository root:
 *   flock /tmp/recforge-bench.lock pnpm --filter @recforge/tf bench
 */
import { runSuite, type BenchCase } from '@recforge/bench'
import { Random } from '@recforge/core'
import { gatherRows, initBackend, sigmoidCrossEntropy, tf } from '../src/index'

const ROWS = Number(process.env['TF_BENCH_ROWS'] ?? 10_000)
const DIMS = 32
const BATCH = 1024
// the stock path is so slow on cpu that it runs on a 1,000-row table
const STOCK_ROWS = 1000
const rng = new Random(7)
const ids = Int32Array.from({ length: BATCH }, () => rng.int(ROWS))
const labels = Float32Array.from({ length: BATCH }, () => (rng.float() < 0.5 ? 1 : 0))
const cases: BenchCase[] = []

for (const backend of ['wasm', 'cpu'] as const) {
  let table: tf.Variable | undefined
  let opt: tf.Optimizer | undefined
  const steps = backend === 'wasm' ? 20 : 5
  cases.push({
    name: `embedding step (gatherRows + logistic loss + gradient + Adam), ${ROWS.toLocaleString('en-US')} × ${DIMS} table, batch ${BATCH}, ${steps} steps, ${backend}`,
    repeat: 5,
    setup: async () => {
      await initBackend({ backend })
      if (!table) {
        table = tf.variable(tf.randomNormal([ROWS, DIMS], 0, 0.1, 'float32', 1))
        opt = tf.train.adam(0.01)
      }
    },
    run: async () => {
      let last = 0
      const t0 = process.hrtime.bigint()
      for (let s = 0; s < steps; s++) {
        const loss = opt!.minimize(() => {
          const rows = gatherRows(table!, tf.tensor2d(ids, [BATCH, 1], 'int32'))
          return sigmoidCrossEntropy(tf.sum(rows, 1), tf.tensor1d(labels))
        }, true)!
        last = (await loss.data())[0]!
        loss.dispose()
      }
      return { msPerStep: Number(process.hrtime.bigint() - t0) / 1e6 / steps, loss: last }
    },
  })
  cases.push({
    name: `stock gradient path: UnsortedSegmentSum of ${BATCH} rows into ${STOCK_ROWS.toLocaleString('en-US')} × ${DIMS}, ${backend}`,
    repeat: backend === 'cpu' ? 3 : 1,
    warmup: 0,
    setup: async () => {
      await initBackend({ backend })
    },
    run: async () => {
      const rows = tf.ones([BATCH, DIMS])
      const seg = tf.tensor1d(ids.map((i) => i % STOCK_ROWS), 'int32')
      try {
        const out = tf.unsortedSegmentSum(rows, seg, STOCK_ROWS)
        await out.data()
        out.dispose()
        return { available: 1 }
      } catch {
        return { available: 0 }
      } finally {
        tf.dispose([rows, seg])
      }
    },
  })
}

await runSuite('tf', cases, {
  command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/tf bench',
  notes: [
    'Each step: gatherRows (gatherND on wasm, gather on cpu) of a random batch of 1,024 ids, sigmoidCrossEntropy of the row sums, gradient through the scatterND GatherNd/GatherV2 gradient, tf.train.adam update of the whole table.',
    'The stock GatherV2 gradient of tfjs-core runs UnsortedSegmentSum; available 0 means the backend has no kernel for it (wasm), so without the registered gradient an embedding model cannot train there.',
    'Shared 2-core machine with other jobs running; medians of 5 runs after one warm-up (the UnsortedSegmentSum case: 3 runs, no warm-up). TF_BENCH_ROWS changes the table size (default 10000).',
  ],
})
