import { PROTOCOLS, RecForgeError, resolveParams, type EvalSplit, type SplitProtocol, type Recommender, type ItemSideInfo, type ModelRegistry, type ParamValues, type ProgressEvent } from '@recforge/core'
import { givenSplit, loadDataset, splitProtocol, type LoadOptions, type LoadReport } from '@recforge/data'
import { aggregateResults, evaluateSplit, type SplitResult } from '@recforge/metrics'
import { privacyReportOf, weakestPrivacy, type PrivacyReport } from '@recforge/privacy'
import { resolveDataSpec } from './datasets'
import { reportLoad, type EvaluateArgs, type EvaluateOutput } from './contract'
import { backendOf } from './backend'
import { VERSION } from './version'

/** The protocols of EVAL.md. */
export { PROTOCOLS }
export type { Protocol as ProtocolName } from '@recforge/core'
const RATING_PROTOCOLS = new Set<string>(['rating-holdout', 'rating-folds'])
export type { ColumnOptions, EvaluateArgs, EvaluateOutput } from './contract'

const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9
const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits

function loadOptions(args: EvaluateArgs): LoadOptions {
  const c = args.columns ?? {}
  return {
    ...(c.userCol ? { userCol: c.userCol } : {}),
    ...(c.itemCol ? { itemCol: c.itemCol } : {}),
    ...(c.ratingCol ? { ratingCol: c.ratingCol } : {}),
    ...(c.timeCol ? { timeCol: c.timeCol } : {}),
    ...(c.sep ? { sep: c.sep } : {}),
    ...(args.cleaning ?? {}),
    ...(args.onProgress ? { onProgress: args.onProgress } : {}),
    ...(args.signal ? { signal: args.signal } : {}),
  }
}

/** Loads the data and cuts the splits a protocol asks for. */
export async function prepareSplits(args: EvaluateArgs): Promise<PreparedSplits> {
  const seed = args.seed ?? 42
  if (args.protocol === 'given') {
    if (!args.train || !args.test) throw new RecForgeError('INVALID_ARGUMENT', 'protocol "given" needs --train <file> and --test <file>')
    const opts = loadOptions(args)
    const train = await loadDataset(args.train.includes(':') && !args.train.startsWith('/') ? args.train : `csv:${args.train}`, opts)
    const test = await loadDataset(args.test.includes(':') && !args.test.startsWith('/') ? args.test : `csv:${args.test}`, opts)
    reportLoad([...train.reports, ...test.reports], args.log)
    return { dataset: train.name, splits: [givenSplit(train, test)], ...(train.itemInfo ? { itemInfo: train.itemInfo } : {}), reports: [...train.reports, ...test.reports] }
  }
  if (!args.data) throw new RecForgeError('INVALID_ARGUMENT', `--data is required (e.g. --data builtin or --data movielens-latest:<dir>); see \`recforge datasets\``)
  const ds = await loadDataset(resolveDataSpec(args.data), loadOptions(args))
  reportLoad(ds.reports, args.log)
  const splits = splitProtocol(ds, args.protocol as SplitProtocol, { seed })
  return { dataset: ds.name, splits, ...(ds.itemInfo ? { itemInfo: ds.itemInfo } : {}), reports: ds.reports }
}

/**
 * `recforge evaluate`: load, split by a named protocol, fit on each training part, evaluate on
 * the held-out part, and report the EVAL.md JSON object.
 *
 * @throws RecForgeError INVALID_ARGUMENT for an unknown protocol, a rating protocol with a ranking-only model, or bad `--set` values.
 */
export async function runEvaluate(args: EvaluateArgs, registry: ModelRegistry): Promise<EvaluateOutput> {
  if (!(PROTOCOLS as readonly string[]).includes(args.protocol)) {
    throw new RecForgeError('INVALID_ARGUMENT', `unknown protocol "${args.protocol}"; expected one of ${PROTOCOLS.join(', ')}`)
  }
  if (args.protocol === 'replay') {
    const { runReplay } = await import('./replay')
    return runReplay(args)
  }
  const k = args.k ?? 10
  const seed = args.seed ?? 42
  if (!Number.isInteger(k) || k < 1) throw new RecForgeError('INVALID_ARGUMENT', `--k must be a positive integer; got ${args.k}`)
  const def = registry.get(args.model)
  const params = resolveParams(def, args.set ?? {})
  if (RATING_PROTOCOLS.has(args.protocol) && def.task === 'ranking') {
    const raters = registry
      .list()
      .filter((d) => d.task !== 'ranking')
      .map((d) => d.name)
    throw new RecForgeError(
      'INVALID_ARGUMENT',
      `model "${def.name}" ranks items and does not predict ratings, so protocol "${args.protocol}" (rmse, mae) does not apply; use a ranking protocol (loo-sampled, holdout-full, temporal-full) or a rating model (${raters.join(', ')})`,
    )
  }
  return evaluatePrepared(registry, def.name, params, await prepareSplits(args), { ...args, k, seed, modelSeed: fitSeed(args.set, params, seed) })
}

/** Data loaded and split once, reusable across models (`recforge demo`, `compare`). */
export interface PreparedSplits {
  dataset: string
  splits: EvalSplit[]
  itemInfo?: ItemSideInfo
  /** What loading the data did (empty for data that was not loaded from files). */
  reports?: LoadReport[]
}

/**
 * The seed a model is fitted with: the model's own `seed` when `--set seed=N` names it, else the
 * run's `--seed` (which also draws the split), so a model can be refitted with other seeds on one
 * split.
 */
export function fitSeed(set: Readonly<Record<string, unknown>> | undefined, params: ParamValues, seed: number): number {
  return set && Object.hasOwn(set, 'seed') && typeof params['seed'] === 'number' ? params['seed'] : seed
}

/** Fits and evaluates one model on already prepared splits. */
export async function evaluatePrepared(
  registry: ModelRegistry,
  model: string,
  params: ParamValues,
  prepared: PreparedSplits,
  args: Pick<EvaluateArgs, 'minRating' | 'onProgress' | 'log' | 'signal' | 'protocol'> & {
    k: number
    seed: number
    /** Called with each fitted model and its split (e.g. to keep the last one for serving). */
    onFitted?: (model: Recommender<object>, split: EvalSplit) => void
    /** The seed given to `fit`. Defaults to `seed`. */
    modelSeed?: number
    /** Keep per-user metric values (for significance tests); they reach `onResult`. */
    perUser?: boolean
    onResult?: (result: SplitResult, split: EvalSplit) => void
  },
): Promise<EvaluateOutput> {
  const { k, seed } = args
  const def = registry.get(model)
  const { dataset, splits, itemInfo } = prepared
  if (def.needsItemInfo && !itemInfo) {
    throw new RecForgeError('INVALID_ARGUMENT', `model "${def.name}" needs item text (titles, genres, tags), and dataset "${dataset}" has none; use a dataset with item metadata`)
  }
  const results: SplitResult[] = []
  let fitSeconds = 0
  let evalSeconds = 0
  const privacy: PrivacyReport[] = []
  for (const split of splits) {
    const m = def.create(params)
    args.log?.(`${def.name}: fitting on ${split.protocol} fold ${split.fold + 1}/${splits.length}`)
    const t0 = process.hrtime.bigint()
    await m.fit(split.train, {
      seed: args.modelSeed ?? seed,
      ...(itemInfo ? { itemInfo } : {}),
      ...(args.onProgress ? { onProgress: args.onProgress } : {}),
      ...(args.signal ? { signal: args.signal } : {}),
    })
    fitSeconds += seconds(t0)
    const spent = privacyReportOf(m)
    if (spent) privacy.push(spent)
    const t1 = process.hrtime.bigint()
    const res = evaluateSplit(m, split, {
      k,
      ...(args.minRating !== undefined ? { minRating: args.minRating } : {}),
      ...(args.onProgress ? { onProgress: args.onProgress } : {}),
      ...(args.perUser ? { perUser: true } : {}),
    })
    results.push(res)
    evalSeconds += seconds(t1)
    args.onResult?.(res, split)
    args.onFitted?.(m, split)
  }
  const agg = aggregateResults(results)
  const roundAll = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([key, v]) => [key, round(v)]))
  return {
    dataset,
    protocol: args.protocol,
    model: def.name,
    params,
    seed,
    k,
    metrics: roundAll(agg.metrics),
    folds: results.map((r) => roundAll(r.metrics)),
    usersEvaluated: agg.usersEvaluated,
    usersSkipped: agg.usersSkipped,
    ...(agg.unseenUsers !== undefined ? { unseenUsers: agg.unseenUsers } : {}),
    ...(agg.unseenItems !== undefined ? { unseenItems: agg.unseenItems } : {}),
    timing: { fitSeconds: round(fitSeconds / splits.length, 3), evalSeconds: round(evalSeconds / splits.length, 3) },
    backend: await backendOf(def),
    version: VERSION,
    ...(prepared.reports?.length ? { load: prepared.reports } : {}),
    ...(privacy.length ? { privacy: weakestPrivacy(privacy) } : {}),
  }
}
