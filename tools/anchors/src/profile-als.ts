/**
 * Per-step seconds of one ALS or BPR fit on the anchors' synthetic 1M train split, for profiling
 * (`node --cpu-prof`) and for comparing two checkouts of @recforge/mf:
 *
 *   profile-als.ts als|bpr <threads> <steps> [dataDir] [mfEntry]
 *
 * dataDir defaults to the folder that run.ts writes; mfEntry (a path to an mf `src/index.ts`)
 * defaults to the workspace package. Prints the step seconds and their median after the first.
 */
import os from 'node:os'
import path from 'node:path'
import { readCsr } from './files'
import { median } from './stats'

const [model = 'als', threads = '1', steps = '15', dir = path.join(os.tmpdir(), 'recforge-anchors-data/implicit-1m'), entry] = process.argv.slice(2)
const mf = (entry ? await import(path.resolve(entry)) : await import('@recforge/mf')) as typeof import('@recforge/mf')
const train = readCsr(dir, 'train')
const t: number[] = [performance.now()]
const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
const c: number[] = [cpu()]
const m =
  model === 'bpr'
    ? new mf.BPR({ factors: 64, epochs: Number(steps), learningRate: 0.05, l2: 0.01, threads: Number(threads) })
    : new mf.ALS({ factors: 64, iterations: Number(steps), l2: 0.01, alpha: 1, threads: Number(threads) })
await m.fit(train, { onProgress: () => {
    t.push(performance.now())
    c.push(cpu())
  } })
const d = t.slice(1).map((x, i) => (x - t[i]!) / 1000)
process.stdout.write(`${JSON.stringify({ model, threads: Number(threads), median: median(d.slice(1)), cpuMedian: median(c.slice(1).map((x, i) => x - c[i]!).slice(1)), load: os.loadavg()[0] })}\n`)
