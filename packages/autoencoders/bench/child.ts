// One fit per process, so the peak RSS it reports belongs to that fit alone. Also used by the
// @recforge/graph benchmark. Usage (from a package directory):
//   node [--import @recforge/bench/tfjs-esm-resolve] --conditions=@recforge/source --import tsx child.ts <models module> <model> <synthetic preset> '<json overrides>'
// <models module> is a path (relative to this file) to a module exporting a list of model
// definitions (e.g. ../src/index.ts exports autoencoderModels); prints one JSON line.
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { peakRssMiB } from '@recforge/bench'
import { ModelRegistry, nnz, type ModelDefinition, type ParamValue, type ProgressEvent } from '@recforge/core'
import { generateSynthetic, type SyntheticPreset } from '@recforge/data'

const here = path.dirname(fileURLToPath(import.meta.url))
const [modulePath, name, preset, overrides] = process.argv.slice(2)
if (!modulePath || !name || !preset) throw new Error('usage: child.ts <models module> <model> <preset> [json overrides]')
const mod = (await import(pathToFileURL(path.resolve(here, modulePath)).href)) as Record<string, unknown>
const registry = new ModelRegistry()
for (const v of Object.values(mod)) if (Array.isArray(v) && v.every((d) => typeof (d as ModelDefinition).create === 'function')) registry.register(...(v as ModelDefinition[]))
const data = generateSynthetic(preset as SyntheticPreset, { itemText: false }).interactions
const rssAfterData = peakRssMiB()
const { model, params } = registry.create(name, JSON.parse(overrides ?? '{}') as Record<string, ParamValue>)
const wall: number[] = []
const cpu: number[] = []
const cpuNow = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}
const t0 = performance.now()
const c0 = cpuNow()
await model.fit(data, {
  onProgress: (e: ProgressEvent) => {
    if (e.stage !== 'epoch') return
    wall.push(performance.now())
    cpu.push(cpuNow())
  },
})
const fitSeconds = (performance.now() - t0) / 1000
// per-epoch figures: the last epoch (the first also pays for set-up and JIT warm-up)
const last = (xs: number[], start: number, scale: number) => (xs.length >= 2 ? (xs[xs.length - 1]! - xs[xs.length - 2]!) / scale : xs.length === 1 ? (xs[0]! - start) / scale : Number.NaN)
process.stdout.write(
  JSON.stringify({
    interactions: nnz(data),
    epochs: params.epochs as number,
    fitSeconds,
    fitCpuSeconds: cpuNow() - c0,
    secondsPerEpoch: last(wall, t0, 1000),
    cpuSecondsPerEpoch: last(cpu, c0, 1),
    peakRssAfterDataMiB: rssAfterData,
    peakRssMiB: peakRssMiB(),
  }) + '\n',
)
