import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSuite } from '@recforge/bench'

const here = path.dirname(fileURLToPath(import.meta.url))
const child = path.join(here, 'child.ts')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'recforge-data-bench-'))
const repeatBig = Number(process.env.RECFORGE_BENCH_REPEAT_20M ?? 2)

function run(...args: string[]): Record<string, number> {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--conditions=@recforge/source', child, ...args], { encoding: 'utf8', maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'inherit'] })
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>
}

const file1m = path.join(tmp, '1m', 'ratings.csv')
const file20m = path.join(tmp, '20m', 'ratings.csv')
try {
  await runSuite(
    'data',
    [
      { name: 'synthetic 1m: generate + write ratings.csv (child process)', repeat: 3, warmup: 0, run: () => run('write', '1m', file1m) },
      { name: 'load 1M-row ratings.csv (loadDataset csv:, child process)', repeat: 5, warmup: 1, run: () => run('load', file1m) },
      { name: 'synthetic 20m: generate in typed arrays (child process)', repeat: 1, warmup: 0, run: () => run('generate', '20m') },
      { name: 'synthetic 20m: generate + write ratings.csv (child process)', repeat: 1, warmup: 0, run: () => run('write', '20m', file20m) },
      { name: 'load 20M-row ratings.csv (loadDataset csv:, child process)', repeat: repeatBig, warmup: 0, run: () => run('load', file20m) },
    ],
    {
      command: 'flock /tmp/recforge-bench.lock pnpm --filter @recforge/data bench',
      notes: [
        'Each case runs in its own Node process so peakRssMiB (maxRSS) is that job alone; the median time includes about 1 s of process start-up, loadSeconds/writeSeconds/generateSeconds are measured inside the process.',
        `The 20M cases run once (write) and ${repeatBig} times (load) because each takes tens of seconds on this shared 2-core machine; set RECFORGE_BENCH_REPEAT_20M to change the load repeat.`,
        'Files are written to a temporary folder and removed afterwards.',
      ],
    },
  )
} finally {
  rmSync(tmp, { recursive: true, force: true })
}
