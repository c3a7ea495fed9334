import { RecForgeError, Random, resolveParams, type SplitProtocol, type ModelRegistry, type ParamSpec, type ParamValue, type ParamValues } from '@recforge/core'
import { loadDataset, splitProtocol, type LoadOptions, type LoadReport } from '@recforge/data'
import { compareModels, type SplitResult } from '@recforge/metrics'
import { reportLoad } from './contract'
import { resolveDataSpec } from './datasets'
import { comparisonTable } from './demo'
import { evaluatePrepared, fitSeed, prepareSplits, type EvaluateOutput, type PreparedSplits } from './evaluate'
import { SqlEventLog } from './eventlog'
import { cleanModelDir, defaultModelDir, readGeneration, writeGeneration, type GenerationManifest, type LoadedGeneration } from './generations'
import { ProgressReporter, formatNumber } from './progress'
import { startServing, type Serving } from './serve'
import type { SecurityOptions } from './server'
import { RecService, type ServedModel } from './service'
import type { SqlStore } from './sql'
import { Erasures } from './erasure'
import { hasFolderStore, openFolderStore } from './sealedStore'
import { pseudonymiserFor, trainingData, UserIdMapper } from './privacy'
import { TUNE_SPACES } from './tuneSpaces'

/** `recforge train`: fits models on all of a dataset and writes them as a new generation of the model folder. */
export async function runTrain(
  opts: { data: string; models: string[]; set?: Record<string, string>; seed: number; modelDir?: string; quiet?: boolean; load?: LoadOptions; pseudonymize?: boolean },
  registry: ModelRegistry,
): Promise<GenerationManifest & { load: LoadReport[] }> {
  const reporter = new ProgressReporter('train', opts.quiet)
  if (opts.set && Object.keys(opts.set).length && opts.models.length !== 1) {
    throw new RecForgeError('INVALID_ARGUMENT', '--set applies to one model; name exactly one with --models when overriding parameters')
  }
  const ds = await loadDataset(resolveDataSpec(opts.data), { ...(opts.load ?? {}), onProgress: reporter.onProgress })
  reportLoad(ds.reports, (m) => reporter.log(m))
  const dir = opts.modelDir ?? defaultModelDir()
  const { data, pseudonyms } = await trainingData(ds.interactions, dir, { pseudonymize: opts.pseudonymize ?? false, log: (m) => reporter.log(m) })
  const served: ServedModel[] = []
  for (const name of opts.models) {
    const def = registry.get(name)
    const params = resolveParams(def, opts.set ?? {})
    const model = def.create(params)
    const r = new ProgressReporter(name, opts.quiet)
    const t0 = Date.now()
    await model.fit(data, { seed: fitSeed(opts.set, params, opts.seed), ...(ds.itemInfo ? { itemInfo: ds.itemInfo } : {}), onProgress: r.onProgress })
    r.log(`${name}: fitted on ${data.indptr[data.users.size]} interactions in ${((Date.now() - t0) / 1000).toFixed(2)} s`)
    served.push({ name, model, params, trainedAt: new Date().toISOString() })
  }
  for (const p of await cleanModelDir(dir)) reporter.log(`removed ${p} (left by an interrupted write)`)
  const manifest = await writeGeneration(dir, {
    source: { data: opts.data, dataset: ds.name, protocol: 'full', seed: opts.seed, ...(pseudonyms ? { pseudonyms } : {}) },
    data,
    ...(ds.itemInfo ? { itemInfo: ds.itemInfo } : {}),
    eventsThrough: 0,
    models: served,
  })
  reporter.log(`saved ${served.length} model(s) to ${dir} as generation ${manifest.generation}`)
  return { ...manifest, load: ds.reports }
}

/**
 * Loads the current generation of a model folder into a {@link RecService}, with the events
 * logged after it when the folder's event store is free (a running `serve` holds it).
 */
export async function openService(registry: ModelRegistry, modelDir?: string, quiet = true): Promise<{ service: RecService; generation: LoadedGeneration; users: UserIdMapper; close: () => Promise<void> }> {
  const dir = modelDir ?? defaultModelDir()
  const reporter = new ProgressReporter('load', quiet)
  const generation = await readGeneration(dir, registry)
  const users = new UserIdMapper(await pseudonymiserFor(generation.manifest, generation.name))
  let store: SqlStore | undefined
  try {
    if (hasFolderStore(dir)) store = await openFolderStore(dir)
  } catch (e) {
    reporter.log(`answering from generation ${generation.name} without the events logged after it: ${(e as Error).message}`)
  }
  const erasures = store ? await Erasures.open(store) : undefined
  const service = new RecService({
    data: generation.data,
    ...(generation.itemInfo ? { itemInfo: generation.itemInfo } : {}),
    models: generation.models,
    generation: generation.name,
    eventsThrough: generation.manifest.eventsThrough,
    ...(store ? { eventLog: new SqlEventLog(store) } : {}),
    ...(erasures ? { erased: (user: string) => erasures.has(user) } : {}),
  })
  await service.start()
  return { service, generation, users, close: async () => void (await store?.close()) }
}

/** Options of `recforge serve`. */
export interface ServeCommandOptions {
  modelDir?: string
  database?: string
  host?: string
  port?: number
  ab?: string
  bandit?: string
  banditState?: string
  security?: SecurityOptions
  valueRange?: { min: number; max: number }
  quiet?: boolean
}

/** `recforge serve`: serves the current generation of a model folder over HTTP. */
export async function runServe(opts: ServeCommandOptions, registry: ModelRegistry): Promise<Serving> {
  const reporter = new ProgressReporter('serve', opts.quiet)
  const dir = opts.modelDir ?? defaultModelDir()
  let ab: { a: string; b: string } | undefined
  if (opts.ab) {
    const [a, b, ...rest] = opts.ab.split(',').map((s) => s.trim())
    if (!a || !b || rest.length) throw new RecForgeError('INVALID_ARGUMENT', `--ab expects two model names, "a,b"; got ${JSON.stringify(opts.ab)}`)
    ab = { a, b }
  }
  const started = await startServing({
    registry,
    modelDir: dir,
    ...(opts.database ? { database: opts.database } : {}),
    ...(ab ? { ab } : {}),
    ...(opts.bandit ? { bandit: opts.bandit } : {}),
    ...(opts.banditState ? { banditStateFile: opts.banditState } : {}),
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(process.env.RECFORGE_API_KEY ? { apiKey: process.env.RECFORGE_API_KEY } : {}),
    ...(opts.security ? { security: opts.security } : {}),
    ...(opts.valueRange ? { valueRange: opts.valueRange } : {}),
    log: (m) => reporter.log(m),
  })
  const rows = started.service
    .listModels()
    .filter((m) => m.metrics)
    .map((m) => m.name)
  reporter.log(`serving ${started.service.modelNames().join(', ')} (generation ${started.service.served.generation}${rows.length ? `, evaluated: ${rows.join(', ')}` : ''}) from ${dir} at ${started.url}`)
  return started
}

export interface CompareOutput {
  dataset: string
  protocol: string
  k: number
  seed: number
  rows: EvaluateOutput[]
  /** Each model against the first, paired by user. */
  tests: { model: string; against: string; metric: string; diff: number; ci95: [number, number]; pValue: number; wilcoxonP: number; n: number }[]
}

function mergePerUser(results: readonly SplitResult[]): SplitResult {
  const keys = Object.keys(results[0]?.perUser?.values ?? {})
  const total = results.reduce((s, r) => s + (r.perUser?.users.length ?? 0), 0)
  const users = new Int32Array(total)
  const values: Record<string, Float64Array> = Object.fromEntries(keys.map((k) => [k, new Float64Array(total)]))
  let o = 0
  for (const r of results) {
    const pu = r.perUser!
    users.set(pu.users.map((u) => u), o)
    for (const k of keys) values[k]!.set(pu.values[k]!, o)
    o += pu.users.length
  }
  return { ...results[0]!, perUser: { users, values } }
}

/** `recforge compare`: several models, one protocol, a table and paired significance tests against the first model. */
export async function runCompare(
  opts: { data: string; models: string[]; protocol: string; k: number; seed: number; metric?: string; quiet?: boolean },
  registry: ModelRegistry,
): Promise<CompareOutput> {
  if (opts.models.length < 2) throw new RecForgeError('INVALID_ARGUMENT', `compare needs at least two models; got ${opts.models.length}`)
  for (const m of opts.models) registry.get(m)
  const reporter = new ProgressReporter('compare', opts.quiet)
  const prepared = await prepareSplits({ data: opts.data, model: opts.models[0]!, protocol: opts.protocol, seed: opts.seed, onProgress: reporter.onProgress })
  const rows: EvaluateOutput[] = []
  const perModel: SplitResult[] = []
  for (const name of opts.models) {
    const results: SplitResult[] = []
    const r = new ProgressReporter(name, opts.quiet)
    rows.push(
      await evaluatePrepared(registry, name, resolveParams(registry.get(name), {}), prepared, {
        protocol: opts.protocol,
        k: opts.k,
        seed: opts.seed,
        perUser: true,
        onResult: (res) => results.push(res),
        onProgress: r.onProgress,
      }),
    )
    perModel.push(mergePerUser(results))
  }
  const metric = opts.metric ?? (rows[0]!.metrics[`ndcg@${opts.k}`] !== undefined ? `ndcg@${opts.k}` : Object.keys(rows[0]!.metrics)[0]!)
  const tests = perModel.slice(1).map((res, j) => {
    const t = compareModels(res, perModel[0]!, metric)
    return { model: opts.models[j + 1]!, against: opts.models[0]!, metric, diff: t.diff, ci95: t.ci95, pValue: t.pValue, wilcoxonP: t.wilcoxonP, n: t.n }
  })
  return { dataset: prepared.dataset, protocol: opts.protocol, k: opts.k, seed: opts.seed, rows, tests }
}

/** Renders a compare result for the terminal. */
export function formatCompare(c: CompareOutput): string {
  const lines = [`${c.dataset}, protocol ${c.protocol}, k=${c.k}, seed ${c.seed}`, '', comparisonTable(c.rows), '']
  for (const t of c.tests) {
    lines.push(
      `${t.model} vs ${t.against} on ${t.metric}: diff ${formatNumber(t.diff)} (95% CI ${formatNumber(t.ci95[0])} .. ${formatNumber(t.ci95[1])}), paired t p=${t.pValue.toPrecision(3)}, Wilcoxon p=${t.wilcoxonP.toPrecision(3)}, n=${t.n}`,
    )
  }
  return lines.join('\n')
}

/** One searched dimension: a list of values (grid) or a numeric range (random). */
export type SearchSpace = Record<string, { values: ParamValue[] } | { min: number; max: number; log: boolean; integer: boolean }>

/** Parses `--param key=a,b,c` (grid values) and `--param key=lo:hi` / `key=lo:hi:log` (random ranges). */
export function parseSearchSpace(specs: readonly string[], params: Readonly<Record<string, ParamSpec>>, model: string): SearchSpace {
  const space: SearchSpace = {}
  for (const s of specs) {
    const eq = s.indexOf('=')
    if (eq <= 0) throw new RecForgeError('INVALID_ARGUMENT', `--param expects key=v1,v2 or key=lo:hi[:log]; got ${JSON.stringify(s)}`)
    const key = s.slice(0, eq)
    const spec = params[key]
    if (!spec) throw new RecForgeError('INVALID_ARGUMENT', `model "${model}" has no parameter "${key}"; it has ${Object.keys(params).join(', ')}`)
    const rhs = s.slice(eq + 1)
    if (rhs.includes(':')) {
      const [lo, hi, scale] = rhs.split(':')
      const min = Number(lo)
      const max = Number(hi)
      if (!(spec.type === 'int' || spec.type === 'float') || !Number.isFinite(min) || !Number.isFinite(max) || min > max || (scale !== undefined && scale !== 'log') || (scale === 'log' && min <= 0)) {
        throw new RecForgeError('INVALID_ARGUMENT', `--param ${key}: a range lo:hi[:log] needs a numeric parameter, lo <= hi (and lo > 0 for log); got ${JSON.stringify(rhs)}`)
      }
      space[key] = { min, max, log: scale === 'log', integer: spec.type === 'int' }
    } else {
      // A list parameter's value has commas of its own (`layers=600,200`): its candidates are separated by `;`.
      space[key] = { values: rhs.split(spec.type === 'ints' ? ';' : ',').map((v) => v.trim()) }
    }
  }
  return space
}

/** Expands a search space into candidate overrides: the full grid when every dimension is a list, else `trials` seeded random draws. */
export function candidates(space: SearchSpace, search: 'grid' | 'random', trials: number, seed: number): Record<string, ParamValue>[] {
  const keys = Object.keys(space)
  if (search === 'grid') {
    let out: Record<string, ParamValue>[] = [{}]
    for (const k of keys) {
      const dim = space[k]!
      if (!('values' in dim)) throw new RecForgeError('INVALID_ARGUMENT', `grid search needs value lists; --param ${k} is a range (use --search random)`)
      out = out.flatMap((c) => dim.values.map((v) => ({ ...c, [k]: v })))
    }
    return out
  }
  const rng = new Random(seed)
  return Array.from({ length: trials }, () => {
    const c: Record<string, ParamValue> = {}
    for (const k of keys) {
      const dim = space[k]!
      if ('values' in dim) c[k] = dim.values[rng.int(dim.values.length)]!
      else {
        const u = rng.float()
        let v = dim.log ? Math.exp(Math.log(dim.min) + u * (Math.log(dim.max) - Math.log(dim.min))) : dim.min + u * (dim.max - dim.min)
        if (dim.integer) v = Math.round(v)
        c[k] = v
      }
    }
    return c
  })
}

export interface TuneOutput {
  model: string
  dataset: string
  protocol: string
  metric: string
  seed: number
  /** Every candidate scored; with `withDefaults` the first is the model's defaults. */
  trials: { params: ParamValues; validation: number }[]
  best: { params: ParamValues; validation: number }
  /** With `withDefaults`: the defaults' validation score and their test evaluation, beside the best's. */
  defaults?: { params: ParamValues; validation: number; test: EvaluateOutput }
  /** The best parameters refitted on the full training part and scored on the held-out test part. */
  test: EvaluateOutput
}

/**
 * `recforge tune`: random or grid search. Each candidate is fitted on a validation split cut from
 * the training part only (same protocol, another seed), so the test part never guides the
 * choice; the winner is then evaluated once on the test part.
 */
export async function runTune(
  opts: { data: string; model: string; protocol: string; k: number; seed: number; metric?: string; search: 'grid' | 'random'; trials: number; params: string[]; withDefaults?: boolean; quiet?: boolean },
  registry: ModelRegistry,
): Promise<TuneOutput> {
  const def = registry.get(opts.model)
  const specs = opts.params.length ? opts.params : TUNE_SPACES[def.name]
  if (!specs?.length) throw new RecForgeError('INVALID_ARGUMENT', `tune needs at least one --param key=v1,v2 or key=lo:hi for ${def.name}, which has no built-in search space`)
  if (opts.protocol === 'rating-folds' || opts.protocol === 'given' || opts.protocol === 'replay') {
    throw new RecForgeError('INVALID_ARGUMENT', `tune supports rating-holdout, loo-sampled, holdout-full and temporal-full; got ${opts.protocol}`)
  }
  const space = parseSearchSpace(specs, def.params, def.name)
  const cands = [...(opts.withDefaults ? [{}] : []), ...candidates(space, opts.search, opts.trials, opts.seed)]
  const reporter = new ProgressReporter('tune', opts.quiet)
  const outer = await prepareSplits({ data: opts.data, model: opts.model, protocol: opts.protocol, seed: opts.seed, onProgress: reporter.onProgress })
  const trainPart = outer.splits[0]!.train
  const inner: PreparedSplits = {
    dataset: outer.dataset,
    splits: splitProtocol({ name: outer.dataset, interactions: trainPart, reports: [], ...(outer.itemInfo ? { itemInfo: outer.itemInfo } : {}) }, opts.protocol as SplitProtocol, { seed: opts.seed + 1 }),
    ...(outer.itemInfo ? { itemInfo: outer.itemInfo } : {}),
  }
  const metric = opts.metric ?? (opts.protocol === 'rating-holdout' ? 'rmse' : `ndcg@${opts.k}`)
  const lowerIsBetter = metric === 'rmse' || metric === 'mae'
  const trials: TuneOutput['trials'] = []
  for (let t = 0; t < cands.length; t++) {
    const params = resolveParams(def, cands[t]!)
    const out = await evaluatePrepared(registry, def.name, params, inner, { protocol: opts.protocol, k: opts.k, seed: opts.seed })
    const v = out.metrics[metric]
    if (v === undefined) throw new RecForgeError('INVALID_ARGUMENT', `metric "${metric}" is not reported by protocol ${opts.protocol}; it reports ${Object.keys(out.metrics).join(', ')}`)
    trials.push({ params, validation: v })
    reporter.onProgress({ stage: 'trial', current: t + 1, total: cands.length, metrics: { [metric]: v } })
  }
  const best = trials.reduce((a, b) => ((lowerIsBetter ? b.validation < a.validation : b.validation > a.validation) ? b : a))
  const test = await evaluatePrepared(registry, def.name, best.params, outer, { protocol: opts.protocol, k: opts.k, seed: opts.seed })
  const out: TuneOutput = { model: def.name, dataset: outer.dataset, protocol: opts.protocol, metric, seed: opts.seed, trials, best, test }
  if (opts.withDefaults) {
    const d = trials[0]!
    out.defaults = { ...d, test: d === best ? test : await evaluatePrepared(registry, def.name, d.params, outer, { protocol: opts.protocol, k: opts.k, seed: opts.seed }) }
  }
  return out
}
