/**
 * Fit seconds (wall and CPU) and RMSE per fold of `mf` (at Surprise SVD's settings, as the anchors
 * benchmark runs it) or `svdpp` (defaults) on the
 * anchors' ml-latest-small folds (the ones Surprise reads), for profiling (`node --cpu-prof`) and
 * for comparing two checkouts of @recforge/mf:
 *
 *   profile-mf.ts mf|svdpp [folds] [dataDir] [mfEntry]
 *
 * dataDir defaults to the folder that run.ts writes (written here when it is missing); mfEntry
 * (a path to an mf `src/index.ts`) defaults to the workspace package. Prints one JSON line.
 */
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { ratingErrors } from '@recforge/bench'
import { readCsr } from './files'
import { writeRatingFolds } from './prepare'

const [model = 'mf', folds = '5', dir = path.join(os.tmpdir(), 'recforge-anchors-data/ml-latest-folds'), entry] = process.argv.slice(2)
if (!existsSync(path.join(dir, 'fold0-train.json'))) await writeRatingFolds(path.dirname(dir))
const mf = (entry ? await import(path.resolve(entry)) : await import('@recforge/mf')) as typeof import('@recforge/mf')
const cpu = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

const wall: number[] = []
const cpuS: number[] = []
const errors: number[] = []
for (let i = 0; i < Number(folds); i++) {
  const train = readCsr(dir, `fold${i}-train`)
  const test = readCsr(dir, `fold${i}-test`)
  const m = model === 'svdpp' ? new mf.SVDpp() : new mf.MF({ learningRate: 0.005, l2: 0.02 })
  const t0 = performance.now()
  const c0 = cpu()
  await m.fit(train)
  wall.push((performance.now() - t0) / 1000)
  cpuS.push(cpu() - c0)
  errors.push(ratingErrors(m, test).rmse)
}
const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length
process.stdout.write(
  `${JSON.stringify({ model, wallPerFold: wall.map((x) => +x.toFixed(3)), cpuPerFold: cpuS.map((x) => +x.toFixed(3)), meanWall: +mean(wall).toFixed(3), meanCpu: +mean(cpuS).toFixed(3), rmsePerFold: errors, meanRmse: mean(errors), load: os.loadavg()[0] })}\n`,
)
