/**
 * Default against tuned, for every registered model: `recforge tune` over the model's built-in
 * search space (src/tuneSpaces.ts), with the defaults scored as one more candidate, on the
 * built-in MovieLens latest-small. Ranking models on holdout-full (ndcg@10), rating models on
 * rating-holdout (rmse); candidates are chosen on a validation split of the training part, and
 * both the defaults and the best are then scored once on the test part. Run from the repository
 * root:
 *   flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/cli bench:defaults
 * DEFAULTS_BENCH_MODELS=a,b runs only those models (in that order); DEFAULTS_BENCH_TRIALS sets the
 * random candidates per model (default 8), DEFAULTS_BENCH_DATA the datasets, comma-separated
 * (default builtin; e.g. builtin,synthetic:small,synthetic:ml100k).
 * Writes bench/results/reference-defaults.{json,md}, or reference-defaults-<datasets>.{json,md}
 * for other datasets; the rows of models this run leaves out are kept from the earlier results.
 */
import { runSuite, type BenchCase } from '@recforge/bench'
import { runTune, type TuneOutput } from '../src/commands'
import { createRegistry } from '../src/models'

const registry = createRegistry()
const trials = Number(process.env['DEFAULTS_BENCH_TRIALS'] ?? 8)
const datasets = (process.env['DEFAULTS_BENCH_DATA'] ?? 'builtin').split(',').map((s) => s.trim()).filter(Boolean)
const only = process.env['DEFAULTS_BENCH_MODELS']?.split(',').map((s) => s.trim()).filter(Boolean)
const defs = only ? only.map((n) => registry.get(n)) : registry.list()
const notes: string[] = [`data ${datasets.join(', ')}, seed 42; rmse for rating models (lower is better), ndcg@10 otherwise; the figures are scores, the time is the whole tuning run`]

const changed = (out: TuneOutput): string => {
  const d = out.defaults!.params
  const diff = Object.entries(out.best.params).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(d[k]))
  const fmt = (v: unknown) => (typeof v === 'number' ? Number(v.toPrecision(3)) : v)
  return diff.length ? diff.map(([k, v]) => `${k}=${fmt(v)} (default ${fmt(d[k])})`).join(', ') : 'the defaults'
}

const cases: BenchCase[] = datasets.flatMap((data) => defs.map((def): BenchCase => {
  const protocol = def.task === 'rating' ? 'rating-holdout' : 'holdout-full'
  return {
    name: `${def.name}, ${data}, ${protocol}, ${trials} random candidates + defaults`,
    repeat: 1,
    warmup: 0,
    run: async (): Promise<Record<string, number>> => {
      let out: TuneOutput
      try {
        out = await runTune({ data, model: def.name, protocol, k: 10, seed: 42, search: 'random', trials, params: [], withDefaults: true, quiet: true }, registry)
      } catch (e) {
        notes.push(`${def.name} on ${data}: failed: ${(e as Error).message.split('\n')[0]}`)
        return {}
      }
      const m = out.metric
      notes.push(`${def.name} on ${data} (${m}): best ${changed(out)}`)
      return {
        defaultValidation: out.defaults!.validation,
        tunedValidation: out.best.validation,
        defaultTest: out.defaults!.test.metrics[m] ?? Number.NaN,
        tunedTest: out.test.metrics[m] ?? Number.NaN,
      }
    },
  }
}))

const suite = datasets.join(',') === 'builtin' ? 'reference-defaults' : `reference-defaults-${datasets.join('-').replace(/[^a-z0-9-]+/gi, '_')}`
await runSuite(suite, cases, {
  command: 'flock /tmp/recforge-bench.lock npx pnpm@10.34.9 --filter @recforge/cli bench:defaults',
  // filled in as the models run: runSuite writes them after the last
  notes,
  // a run of some models updates their rows and keeps the others' rows and notes
  merge: { keepNote: (n) => !datasets.some((data) => defs.some((def) => n.startsWith(`${def.name} on ${data} `) || n.startsWith(`${def.name} on ${data}:`))) },
})
