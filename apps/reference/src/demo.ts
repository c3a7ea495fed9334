import { RecForgeError, resolveParams, type ModelRegistry, type Recommender } from '@recforge/core'
import { rlPolicies } from '@recforge/rl'
import { startServing, type Serving } from './serve'
import type { ReportData, SecurityOptions } from './server'
import type { ServedModel } from './service'
import { cleanModelDir, defaultModelDir, writeGeneration } from './generations'
import { evaluatePrepared, prepareSplits, type EvaluateOutput } from './evaluate'
import type { CleaningOptions } from './contract'
import { ProgressReporter, formatNumber } from './progress'

export interface DemoOptions {
  /** Defaults to `builtin`. */
  data: string
  /** Defaults to `holdout-full`. */
  protocol: string
  /** Models to compare. Defaults to every registered ranking model in {@link DEFAULT_DEMO_MODELS} that is present. */
  models?: string[]
  k: number
  seed: number
  json: boolean
  quiet: boolean
  /** Start the server after the comparison. Defaults to `true` in the CLI. */
  serve?: boolean
  /** Defaults to `127.0.0.1`. */
  host?: string
  /** Defaults to `8080`; `0` picks a free port. */
  port?: number
  /** Bandit policy served as model `bandit` (see {@link StartOptions.bandit}); `'none'` for none. Defaults to `'thompson'`. */
  bandit?: string
  /** Where models are saved. Defaults to `.recforge/models`. */
  modelDir?: string
  /** Keys, limits and headers of the server. */
  security?: SecurityOptions
  /** A PostgreSQL connection string for the event log. Defaults to the embedded store in the model folder. */
  database?: string
  /** What the loader does with bad rows, repeated pairs, out-of-range values and spaced ids. */
  cleaning?: CleaningOptions
}

/** The models the main job compares when none are named, in table order. */
export const DEFAULT_DEMO_MODELS = ['pop', 'itemknn', 'ease', 'als', 'bpr', 'mf', 'neumf', 'content', 'hybrid'] as const

/**
 * Models that fit and evaluate in seconds on the built-in data (measured on 2 cores: pop 1 s,
 * itemknn 3 s, als 5 s); with a server, the demo serves them first and the others join as they
 * finish.
 */
export const FAST_DEMO_MODELS: readonly string[] = ['pop', 'itemknn', 'als']

/** Renders evaluation outputs as an aligned text table (quality and time). */
export function comparisonTable(rows: readonly EvaluateOutput[]): string {
  if (!rows.length) return ''
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r.metrics)))]
  const header = ['model', ...keys, 'fit s', 'eval s']
  const body = rows.map((r) => [r.model, ...keys.map((k) => (r.metrics[k] === undefined ? '' : formatNumber(r.metrics[k]!))), formatNumber(r.timing.fitSeconds), formatNumber(r.timing.evalSeconds)])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n')
}

/** The model with the highest `metric` (the first row when no row has it). */
function bestModel(rows: readonly EvaluateOutput[], metric: string): string {
  let best = rows[0]!
  for (const r of rows) if ((r.metrics[metric] ?? -Infinity) > (best.metrics[metric] ?? -Infinity)) best = r
  return best.model
}

/**
 * The main job: load the dataset once, split it once, fit and evaluate models under the same
 * protocol, print a comparison table (or one JSON array with `--json`), write them as a
 * generation of the model folder and serve them. With a server, only the fast models
 * ({@link FAST_DEMO_MODELS}) are fitted before serving; the others are fitted in a child process
 * and join the served models one by one as they finish (`GET /models` lists them under
 * `training` until then).
 */
export async function runDemo(opts: DemoOptions, registry: ModelRegistry): Promise<{ rows: EvaluateOutput[]; serving?: Serving }> {
  const reporter = new ProgressReporter('recforge', opts.quiet || opts.json)
  const names = opts.models ?? DEFAULT_DEMO_MODELS.filter((m) => registry.has(m))
  for (const n of names) registry.get(n)
  if (!names.length) throw new RecForgeError('INVALID_ARGUMENT', 'no models to compare')
  if (opts.bandit && opts.bandit !== 'none' && !rlPolicies.some((p) => p.name === opts.bandit)) {
    throw new RecForgeError('UNKNOWN_ID', `--bandit: unknown policy "${opts.bandit}"; policies: ${rlPolicies.map((p) => p.name).join(', ')}, or none`)
  }
  let first = opts.serve ? names.filter((n) => FAST_DEMO_MODELS.includes(n)) : names
  if (!first.length) first = [names[0]!]
  const later = names.filter((n) => !first.includes(n))
  reporter.log(`Loading ${opts.data} and splitting it by ${opts.protocol} (seed ${opts.seed})...`)
  const prepared = await prepareSplits({ data: opts.data, model: names[0]!, protocol: opts.protocol, seed: opts.seed, ...(opts.cleaning ? { cleaning: opts.cleaning } : {}), onProgress: reporter.onProgress, log: (m) => reporter.log(m) })
  const rows: EvaluateOutput[] = []
  const served: ServedModel[] = []
  for (const name of first) {
    const def = registry.get(name)
    const modelReporter = new ProgressReporter(name, opts.quiet || opts.json)
    const params = resolveParams(def, {})
    let fitted: Recommender<object> | undefined
    const row = await evaluatePrepared(registry, name, params, prepared, {
      protocol: opts.protocol,
      k: opts.k,
      seed: opts.seed,
      onProgress: modelReporter.onProgress,
      log: (m) => modelReporter.log(m),
      onFitted: (m) => {
        fitted ??= m
      },
    })
    served.push({ name, model: fitted!, params, metrics: row.metrics, trainedAt: new Date().toISOString(), timing: row.timing })
    modelReporter.log(`${name}: ${Object.entries(row.metrics).slice(0, 3).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' ')} (fit ${formatNumber(row.timing.fitSeconds)} s)`)
    rows.push(row)
  }
  if (opts.json) process.stdout.write(JSON.stringify(rows) + '\n')
  else {
    const r0 = rows[0]!
    process.stdout.write(`\n${r0.dataset}, protocol ${r0.protocol}, k=${r0.k}, seed ${r0.seed}; ${r0.usersEvaluated} users evaluated\n\n`)
    process.stdout.write(comparisonTable(rows) + '\n')
    if (later.length) process.stdout.write(`\n${later.join(', ')}: training in the background; each joins the served models when it is done\n`)
  }
  const modelDir = opts.modelDir ?? defaultModelDir()
  for (const p of await cleanModelDir(modelDir)) reporter.log(`removed ${p} (left by an interrupted write)`)
  const source = { data: opts.data, dataset: prepared.dataset, protocol: opts.protocol, seed: opts.seed }
  const train = prepared.splits[0]!.train
  const manifest = await writeGeneration(modelDir, { source, data: train, ...(prepared.itemInfo ? { itemInfo: prepared.itemInfo } : {}), eventsThrough: 0, models: served })
  reporter.log(`Saved ${served.length} models to ${modelDir} (generation ${manifest.generation})`)
  if (!opts.serve) return { rows }
  const report: ReportData & { rows: ReportData['rows'][number][] } = { dataset: prepared.dataset, protocol: opts.protocol, rows: rows.map((r) => ({ model: r.model, metrics: r.metrics, timing: r.timing })) }
  const serving = await startServing({
    registry,
    modelDir,
    ...(opts.database ? { database: opts.database } : {}),
    report,
    training: later,
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.bandit ? { bandit: opts.bandit } : {}),
    // the bandit explores among the candidates of the model that ranked best here
    banditBase: bestModel(rows, `ndcg@${opts.k}`),
    ...(process.env.RECFORGE_API_KEY ? { apiKey: process.env.RECFORGE_API_KEY } : {}),
    ...(opts.security ? { security: opts.security } : {}),
    log: (m) => reporter.log(m),
  })
  process.stderr.write(`\nRecForge is serving ${served.map((m) => m.name).join(', ')} at ${serving.url} (Ctrl+C to stop)${later.length ? `; still training: ${later.join(', ')}` : ''}\n`)
  if (!opts.json) process.stdout.write(`\nServing at ${serving.url}\n`)
  if (later.length && serving.trainer) {
    const status = await serving.trainer.acquire('join', later)
    void serving.trainer
      .run(status, async () => ({
        kind: 'join',
        dir: modelDir,
        source,
        k: opts.k,
        models: later.map((name) => ({ name, params: resolveParams(registry.get(name), {}) })),
        carry: { generation: manifest.generation, names: served.map((m) => m.name) },
        eventsThrough: 0,
      }))
      .then((s) => {
        if (s.status === 'failed') reporter.log(`background training failed: ${s.error}`)
      })
  }
  return { rows, serving }
}
