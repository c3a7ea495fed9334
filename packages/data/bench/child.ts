// One measured job per process, so peak RSS belongs to that job alone.
// Usage: child.ts load <file> | child.ts write <preset> <file> | child.ts generate <preset>
import { nnz } from '@recforge/core'
import { generateSynthetic, loadDataset, writeRatingsCsv, type SyntheticPreset } from '../src/index'

const [mode, a, b] = process.argv.slice(2)
const t0 = process.hrtime.bigint()
const secs = () => Number(process.hrtime.bigint() - t0) / 1e9
const peak = () => process.resourceUsage().maxRSS / 1024
let out: Record<string, number>
if (mode === 'load') {
  const ds = await loadDataset(`csv:${a}`)
  out = { loadSeconds: secs(), peakRssMiB: peak(), rows: nnz(ds.interactions), users: ds.interactions.users.size, items: ds.interactions.items.size }
} else if (mode === 'generate') {
  const ds = generateSynthetic(a as SyntheticPreset)
  out = { generateSeconds: secs(), peakRssMiB: peak(), rows: nnz(ds.interactions) }
} else if (mode === 'write') {
  const ds = generateSynthetic(a as SyntheticPreset)
  const g = secs()
  const w = await writeRatingsCsv(ds.interactions, b!)
  out = { generateSeconds: g, writeSeconds: secs() - g, peakRssMiB: peak(), rows: w.rows, fileMiB: w.bytes / 2 ** 20 }
} else throw new Error(`unknown mode ${mode}`)
process.stdout.write(JSON.stringify(out) + '\n')
