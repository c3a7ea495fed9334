// A benchmark case that runs one fit in a child process (child.ts), shared with the @recforge/graph benchmark.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runSuite, type BenchCase, type BenchReport } from '@recforge/bench'

const here = path.dirname(fileURLToPath(import.meta.url))

/** A case that fits `model` with `overrides` in a child process (`module`: the models list, relative to child.ts). */
export function childCase(label: string, module: string, model: string, preset: string, overrides: Record<string, unknown>, repeat = 3): BenchCase {
  return {
    name: label,
    repeat,
    warmup: 0,
    run: () => {
      const out = execFileSync(process.execPath, ['--import', '@recforge/bench/tfjs-esm-resolve', '--conditions=@recforge/source', '--import', 'tsx', path.join(here, 'child.ts'), module, model, preset, JSON.stringify(overrides)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      })
      return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>
    },
  }
}

/**
 * Runs a suite of {@link childCase} cases as `pnpm --filter @recforge/<suite> <script>` (script
 * `bench` unless given) under the benchmark lock, with the notes that explain their figures: `fit`
 * says what a whole fit includes, `repeat` how many times each 100K case ran (1M cases run once),
 * `notes` comes first. The results go to bench/results/<results>.{json,md} (`results` defaults to
 * the suite).
 */
export function runChildSuite(suite: string, cases: BenchCase[], opts: { fit: string; repeat: number; notes: string[]; script?: string; results?: string }): Promise<BenchReport> {
  return runSuite(opts.results ?? suite, cases, {
    command: `flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/${suite} ${opts.script ?? 'bench'}`,
    notes: [
      ...opts.notes,
      `One fit per child process. fitSeconds: the whole fit (${opts.fit}); secondsPerEpoch / cpuSecondsPerEpoch: the last epoch (wall and CPU seconds of the process); peakRssMiB: the child process peak resident memory (peakRssAfterDataMiB: after generating the data, before the model).`,
      `Medians of the repeated runs (${opts.repeat} at 100K, 1 at 1M); the CPU seconds are the process's own.`,
    ],
    recordLoad: true,
  })
}
