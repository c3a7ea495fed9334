import path from 'node:path'
import { RecForgeError, resolveParams, type ModelRegistry, type Recommender } from '@recforge/core'
import { rlPolicies } from '@recforge/rl'
import { startServing, type StartOptions } from './serve'
import type { ReportData } from './server'
import type { ServedModel } from './service'
import { defaultModelDir, saveModels } from './store'
import { evaluatePrepared, prepareSplits, type EvaluateOutput } from './evaluate'
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
}

/** The models the main job compares when none are named, in table order. */
export const DEFAULT_DEMO_MODELS = ['pop', 'itemknn', 'ease', 'als', 'bpr', 'mf', 'neumf', 'content', 'hybrid'] as const

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

/**
 * The main job: load the dataset once, split it once, then fit and evaluate each model under the
 * same protocol, and print a comparison table (or one JSON array with `--json`).
 */
/** The model with the highest `metric` (the first row when no row has it). */
function bestModel(rows: readonly EvaluateOutput[], metric: string): string {
  let best = rows[0]!
  for (const r of rows) if ((r.metrics[metric] ?? -Infinity) > (best.metrics[metric] ?? -Infinity)) best = r
  return best.model
}

export async function runDemo(opts: DemoOptions, registry: ModelRegistry): Promise<EvaluateOutput[]> {
  const reporter = new ProgressReporter('recforge', opts.quiet || opts.json)
  const names = opts.models ?? DEFAULT_DEMO_MODELS.filter((m) => registry.has(m))
  for (const n of names) registry.get(n)
  if (!names.length) throw new RecForgeError('INVALID_ARGUMENT', 'no models to compare')
  if (opts.bandit && opts.bandit !== 'none' && !rlPolicies.some((p) => p.name === opts.bandit)) {
    throw new RecForgeError('UNKNOWN_ID', `--bandit: unknown policy "${opts.bandit}"; policies: ${rlPolicies.map((p) => p.name).join(', ')}, or none`)
  }
  reporter.log(`Loading ${opts.data} and splitting it by ${opts.protocol} (seed ${opts.seed})...`)
  const prepared = await prepareSplits({ data: opts.data, model: names[0]!, protocol: opts.protocol, seed: opts.seed, onProgress: reporter.onProgress })
  const rows: EvaluateOutput[] = []
  const served: ServedModel[] = []
  for (const name of names) {
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
    served.push({ name, model: fitted!, params, metrics: row.metrics, trainedAt: new Date().toISOString() })
    modelReporter.log(`${name}: ${Object.entries(row.metrics).slice(0, 3).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' ')} (fit ${formatNumber(row.timing.fitSeconds)} s)`)
    rows.push(row)
  }
  if (opts.json) process.stdout.write(JSON.stringify(rows) + '\n')
  else {
    const first = rows[0]!
    process.stdout.write(`\n${first.dataset}, protocol ${first.protocol}, k=${first.k}, seed ${first.seed}; ${first.usersEvaluated} users evaluated\n\n`)
    process.stdout.write(comparisonTable(rows) + '\n')
  }
  const modelDir = opts.modelDir ?? defaultModelDir()
  await saveModels(modelDir, { data: opts.data, dataset: prepared.dataset, protocol: opts.protocol, seed: opts.seed }, served)
  reporter.log(`Saved ${served.length} models to ${modelDir}`)
  if (opts.serve) {
    const report: ReportData = { dataset: prepared.dataset, protocol: opts.protocol, rows }
    const { url } = await startServing({
      registry,
      data: prepared.splits[0]!.train,
      ...(prepared.itemInfo ? { itemInfo: prepared.itemInfo } : {}),
      models: served,
      report,
      ...(opts.host ? { host: opts.host } : {}),
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      ...(opts.bandit ? { bandit: opts.bandit } : {}),
      // the bandit explores among the candidates of the model that ranked best here
      banditBase: bestModel(rows, `ndcg@${opts.k}`),
      banditStateFile: path.join(modelDir, 'bandit.rfa'),
      ...(process.env.RECFORGE_API_KEY ? { apiKey: process.env.RECFORGE_API_KEY } : {}),
      log: (m) => reporter.log(m),
      onRetrained: async (models) => {
        await saveModels(modelDir, { data: opts.data, dataset: prepared.dataset, protocol: opts.protocol, seed: opts.seed }, models)
      },
    })
    process.stderr.write(`\nRecForge is serving ${served.map((m) => m.name).join(', ')} at ${url} (Ctrl+C to stop)\n`)
    if (!opts.json) process.stdout.write(`\nServing at ${url}\n`)
  }
  return rows
}
