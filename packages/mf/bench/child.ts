// One measured job per process, so peak RSS belongs to that job alone.
// Usage: child.ts als <preset> <iterations> <threads>
import { peakRssMiB } from '@recforge/bench'
import { nnz } from '@recforge/core'
import { generateSynthetic, type SyntheticPreset } from '@recforge/data'
import { ALS } from '../src/index'
import { iterationTimer } from './timing'

const [mode, preset, iterations, threads] = process.argv.slice(2)
if (mode !== 'als') throw new Error(`unknown mode ${mode}`)
const t0 = performance.now()
const ds = generateSynthetic(preset as SyntheticPreset, { itemText: false })
const generateSeconds = (performance.now() - t0) / 1000
const afterGenerate = peakRssMiB()
const model = new ALS({ factors: 64, iterations: Number(iterations), threads: Number(threads) })
const timer = iterationTimer()
const t1 = performance.now()
await model.fit(ds.interactions, { onProgress: timer.onProgress })
const out = {
  interactions: nnz(ds.interactions),
  generateSeconds,
  fitSeconds: (performance.now() - t1) / 1000,
  secondsPerIteration: timer.perStep(),
  cpuSecondsPerIteration: timer.cpuPerStep(),
  peakRssAfterGenerateMiB: afterGenerate,
  peakRssMiB: peakRssMiB(),
}
process.stdout.write(JSON.stringify(out) + '\n')
