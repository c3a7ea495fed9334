// Seconds per LightGCN epoch on ml-latest-small (holdout-full training part, seed 42) at the old and
// the new default batch, interleaved, two epochs a fit. Run under the benchmark lock, from packages/graph:
//   flock /tmp/recforge-bench.lock node --conditions=@recforge/source --import tsx bench/epoch-time.ts
// RECFORGE_BENCH_DATA points at another ml-latest-small copy.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadDataset, splitProtocol } from '@recforge/data'
import { LightGCN } from '../src/index'
const ds = await loadDataset(`movielens-latest:${process.env.RECFORGE_BENCH_DATA ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../shared/data/ml-latest-small')}`)
const [split] = splitProtocol(ds, 'holdout-full', { seed: 42 })
for (const over of [{ batchSize: 2048 }, { batchSize: 8192, learningRate: 0.01 }, { batchSize: 2048 }, { batchSize: 8192, learningRate: 0.01 }]) {
  const m = new LightGCN({ epochs: 2, ...over })
  const c0 = process.cpuUsage()
  await m.fit(split!.train, { seed: 42 })
  const c = process.cpuUsage(c0)
  console.log(JSON.stringify({ ...over, epochSeconds: m.lastFit!.epochSeconds.map((s) => +s.toFixed(2)), cpuSecondsPerEpoch: +((c.user + c.system) / 2e6).toFixed(2) }))
}
