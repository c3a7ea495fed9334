import { RecForgeError } from '@recforge/core'
import { loadDataset } from '@recforge/data'
import { buildLoggedDataset, createPolicy, replayEvaluate, rlPolicies } from '@recforge/rl'
import { resolveDataSpec } from './datasets'
import { reportLoad, type EvaluateArgs, type EvaluateOutput } from './contract'
import { VERSION } from './version'

/** `--set` keys that shape the logged dataset rather than the policy. */
const LOG_KEYS = ['candidates', 'threshold', 'warmupFraction', 'maxEvents'] as const
type LogKey = (typeof LOG_KEYS)[number]

const round = (x: number, digits = 6) => Math.round(x * 10 ** digits) / 10 ** digits

function logNumber(key: LogKey, raw: string): number {
  const v = Number(raw)
  if (raw.trim() === '' || !Number.isFinite(v)) throw new RecForgeError('INVALID_ARGUMENT', `--set ${key}=${raw}: expected a number`)
  return v
}

/**
 * `recforge evaluate --protocol replay`: builds logged bandit feedback from the ratings (events in
 * time order, a uniform logging policy over each event's candidates, reward 1 for a rating at or
 * above the threshold), then runs the named bandit policy through the replay estimator (Li et al.
 * 2011). `--model` names a policy of `@recforge/rl` (`random`, `epsilon-greedy`, `ucb1`,
 * `thompson`, `linucb`, `lints`); `--set candidates=10 threshold=4 warmupFraction=0.2 maxEvents=N`
 * shape the log, other `--set` keys are policy parameters. `loggingCtr` (the mean reward of the
 * uniform logging policy over all events) is reported next to the replay CTR as the reference.
 *
 * @throws RecForgeError INVALID_ARGUMENT for missing data or bad `--set` values; UNKNOWN_ID for an unknown policy.
 */
export async function runReplay(args: EvaluateArgs): Promise<EvaluateOutput> {
  const seed = args.seed ?? 42
  if (!args.data) throw new RecForgeError('INVALID_ARGUMENT', 'protocol "replay" needs --data (ratings with timestamps)')
  if (!rlPolicies.some((p) => p.name === args.model)) {
    throw new RecForgeError('UNKNOWN_ID', `protocol "replay" evaluates bandit policies; got model "${args.model}", expected one of ${rlPolicies.map((p) => p.name).join(', ')}`)
  }
  const ds = await loadDataset(resolveDataSpec(args.data), {
    ...(args.cleaning ?? {}),
    ...(args.onProgress ? { onProgress: args.onProgress } : {}),
    ...(args.signal ? { signal: args.signal } : {}),
  })
  reportLoad(ds.reports, args.log)
  if (!ds.interactions.timestamps) args.log?.(`${ds.name} has no timestamps: events follow the input order`)
  const logOpts: Partial<Record<LogKey, number>> = {}
  const policyParams: Record<string, string> = {}
  for (const [key, raw] of Object.entries(args.set ?? {})) {
    if ((LOG_KEYS as readonly string[]).includes(key)) logOpts[key as LogKey] = logNumber(key as LogKey, raw)
    else policyParams[key] = raw
  }
  if (args.minRating !== undefined && logOpts.threshold === undefined) logOpts.threshold = args.minRating
  const events = buildLoggedDataset(ds.interactions, { seed, ...logOpts })
  const t0 = process.hrtime.bigint()
  const policy = createPolicy(args.model, { seed: String(seed), ...policyParams }, { events })
  const fitSeconds = Number(process.hrtime.bigint() - t0) / 1e9
  const t1 = process.hrtime.bigint()
  const res = replayEvaluate(policy, events, { ...(args.onProgress ? { onProgress: args.onProgress } : {}), ...(args.signal ? { signal: args.signal } : {}) })
  const evalSeconds = Number(process.hrtime.bigint() - t1) / 1e9
  const users = new Set<number>()
  let rewardSum = 0
  for (let e = 0; e < events.length; e++) {
    users.add(events.user[e]!)
    rewardSum += events.reward[e]!
  }
  const metrics = {
    ctr: round(res.ctr),
    eventsUsed: res.eventsUsed,
    eventsTotal: res.eventsTotal,
    loggingCtr: round(rewardSum / events.length),
  }
  return {
    dataset: ds.name,
    protocol: 'replay',
    model: args.model,
    params: { ...Object.fromEntries(Object.entries(logOpts)), ...policyParams },
    seed,
    k: 1,
    metrics,
    folds: [metrics],
    usersEvaluated: users.size,
    usersSkipped: 0,
    timing: { fitSeconds: round(fitSeconds, 3), evalSeconds: round(evalSeconds, 3) },
    backend: 'typescript',
    version: VERSION,
    load: ds.reports,
  }
}
