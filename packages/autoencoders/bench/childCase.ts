// A benchmark case that runs one fit in a child process (child.ts), shared with the @recforge/graph benchmark.
import { execFileSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchCase } from '@recforge/bench'

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
