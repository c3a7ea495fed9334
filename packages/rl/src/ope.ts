import { checkNumber, RecForgeError, throwIfAborted, type RunOptions } from '@recforge/core'
import type { BanditContext, BanditPolicy, LoggedEvents } from './types'

/** The context of event `e`: its user and candidates (views). */
export function eventContext(events: LoggedEvents, e: number): BanditContext {
  return { user: events.user[e]!, candidates: events.candidates.subarray(events.candIndptr[e]!, events.candIndptr[e + 1]!) }
}

function checkEvents(where: string, events: LoggedEvents): void {
  if (!events || events.length === 0) throw new RecForgeError('EMPTY_INPUT', `${where}: the logged events are empty`)
  if (events.candIndptr.length !== events.length + 1) {
    throw new RecForgeError('DIMENSION_MISMATCH', `${where}: candIndptr has length ${events.candIndptr.length}; expected events + 1 = ${events.length + 1}`)
  }
}

/** Options of {@link replayEvaluate}. */
export interface ReplayOptions extends RunOptions {
  /** Update the policy on every matched event, as in live use. Defaults to `true`. */
  learn?: boolean
  /** Number of points of the running CTR curve to return (0 for none). Defaults to `0`. */
  curvePoints?: number
}

/** What {@link replayEvaluate} measured. */
export interface ReplayResult {
  /** Replay estimate of the click-through rate: mean reward over the events used. */
  readonly ctr: number
  /** Events where the policy chose the logged item (only these count). */
  readonly eventsUsed: number
  readonly eventsTotal: number
  /** Sum of rewards over the events used. */
  readonly rewardSum: number
  /** Running CTR after `curve.events[j]` logged events, when asked. */
  readonly curve?: { readonly events: Int32Array; readonly ctr: Float64Array }
}

/**
 * The replay estimator (Li, Chu, Langford and Wang 2011): walk the log in time order, ask the
 * policy to choose among each event's candidates, and keep the event (and let the policy learn
 * from it) only when it chose the logged item. With a uniform logging policy the CTR over kept
 * events is an unbiased estimate of the policy's online CTR.
 *
 * @example
 * ```ts
 * const { ctr, eventsUsed } = replayEvaluate(new ThompsonSampling(), buildLoggedDataset(data, { seed: 42 }))
 * ```
 * @throws RecForgeError EMPTY_INPUT for an empty log; ABORTED when the signal fires.
 */
export function replayEvaluate(policy: BanditPolicy, events: LoggedEvents, opts: ReplayOptions = {}): ReplayResult {
  checkEvents('replayEvaluate', events)
  const learn = opts.learn ?? true
  const points = checkNumber('curvePoints', opts.curvePoints ?? 0, { min: 0, integer: true })
  const every = points > 0 ? Math.max(1, Math.floor(events.length / points)) : 0
  const cEvents: number[] = []
  const cCtr: number[] = []
  let used = 0
  let sum = 0
  for (let e = 0; e < events.length; e++) {
    if ((e & 1023) === 0) {
      throwIfAborted(opts.signal, 'replay evaluation')
      opts.onProgress?.({ stage: 'replay', current: e, total: events.length })
    }
    const ctx = eventContext(events, e)
    if (policy.select(ctx) === events.shown[e]) {
      const r = events.reward[e]!
      used++
      sum += r
      if (learn) policy.update(ctx, events.shown[e]!, r)
    }
    if (every && ((e + 1) % every === 0 || e + 1 === events.length)) {
      cEvents.push(e + 1)
      cCtr.push(used ? sum / used : 0)
    }
  }
  return {
    ctr: used ? sum / used : 0,
    eventsUsed: used,
    eventsTotal: events.length,
    rewardSum: sum,
    ...(every ? { curve: { events: Int32Array.from(cEvents), ctr: Float64Array.from(cCtr) } } : {}),
  }
}

/** The probability that `policy` picks each candidate: its own `probabilities`, else 1 for what `select` returns. */
export function actionProbabilities(policy: BanditPolicy, context: BanditContext): Float64Array {
  if (policy.probabilities) return policy.probabilities(context)
  const pick = policy.select(context)
  const p = new Float64Array(context.candidates.length)
  const j = context.candidates.indexOf(pick)
  if (j < 0) throw new RecForgeError('INVALID_ARGUMENT', `${policy.name}: select() returned item ${pick}, which is not a candidate`)
  p[j] = 1
  return p
}

/** An off-policy value estimate with its standard error. */
export interface Estimate {
  readonly value: number
  /** Standard error of the mean of the per-event terms. */
  readonly stdError: number
  readonly eventsTotal: number
}

/** Options of {@link ipsEstimate} and {@link doublyRobustEstimate}. */
export interface EstimatorOptions {
  /** Cap on the importance weight π/μ (clipping trades bias for variance). Defaults to `Infinity`. */
  clip?: number
}

function summarise(terms: Float64Array): Estimate {
  const n = terms.length
  let mean = 0
  for (const t of terms) mean += t
  mean /= n
  let v = 0
  for (const t of terms) v += (t - mean) * (t - mean)
  return { value: mean, stdError: n > 1 ? Math.sqrt(v / (n - 1) / n) : 0, eventsTotal: n }
}

/**
 * Inverse propensity scoring: the mean of r · π(a|x) / μ(a|x) over logged events, for a fixed
 * target policy (it is not updated). Unbiased when the logged propensities μ are right.
 *
 * @example
 * ```ts
 * const { value, stdError } = ipsEstimate(policy, events)
 * ```
 * @throws RecForgeError EMPTY_INPUT for an empty log; INVALID_ARGUMENT for a non-positive propensity.
 */
export function ipsEstimate(policy: BanditPolicy, events: LoggedEvents, opts: EstimatorOptions = {}): Estimate {
  checkEvents('ipsEstimate', events)
  const clip = opts.clip ?? Infinity
  const terms = new Float64Array(events.length)
  for (let e = 0; e < events.length; e++) {
    const ctx = eventContext(events, e)
    const p = actionProbabilities(policy, ctx)
    const j = ctx.candidates.indexOf(events.shown[e]!)
    const mu = events.propensity[e]!
    if (!(mu > 0)) throw new RecForgeError('INVALID_ARGUMENT', `event ${e}: propensity must be positive; got ${mu}`)
    terms[e] = j < 0 ? 0 : Math.min(clip, p[j]! / mu) * events.reward[e]!
  }
  return summarise(terms)
}

/** An estimate of the expected reward of showing `item` to `user`, for the direct part of DR. */
export type RewardEstimate = (user: number, item: number) => number

/**
 * Per-item mean reward over the logged events, shrunk towards the global mean with `prior`
 * pseudo-events: a simple reward model for {@link doublyRobustEstimate}.
 *
 * @example
 * ```ts
 * const q = itemMeanRewardModel(trainEvents)
 * doublyRobustEstimate(policy, testEvents, { rewardModel: q })
 * ```
 * @throws RecForgeError EMPTY_INPUT for an empty log.
 */
export function itemMeanRewardModel(events: LoggedEvents, prior = 5): RewardEstimate {
  checkEvents('itemMeanRewardModel', events)
  const n = events.items.size
  const sums = new Float64Array(n)
  const counts = new Float64Array(n)
  let total = 0
  for (let e = 0; e < events.length; e++) {
    sums[events.shown[e]!]! += events.reward[e]!
    counts[events.shown[e]!]! += 1
    total += events.reward[e]!
  }
  const g = total / events.length
  return (_user, item) => (item >= 0 && item < n ? (sums[item]! + prior * g) / (counts[item]! + prior) : g)
}

/** Options of {@link doublyRobustEstimate}. */
export interface DoublyRobustOptions extends EstimatorOptions {
  /** Reward model q̂(user, item). Defaults to {@link itemMeanRewardModel} fitted on the same events. */
  rewardModel?: RewardEstimate
}

/**
 * Doubly robust estimate (Dudík, Langford and Li 2011): Σ_a π(a|x) q̂(x, a) + π(a_t|x)/μ · (r − q̂(x, a_t)),
 * averaged over events. Unbiased when either the propensities or the reward model are right,
 * with lower variance than IPS when q̂ is good.
 *
 * @example
 * ```ts
 * const { value } = doublyRobustEstimate(policy, events, { rewardModel: (u, i) => model.score(u, Int32Array.of(i))[0]! })
 * ```
 * @throws RecForgeError EMPTY_INPUT for an empty log; INVALID_ARGUMENT for a non-positive propensity.
 */
export function doublyRobustEstimate(policy: BanditPolicy, events: LoggedEvents, opts: DoublyRobustOptions = {}): Estimate {
  checkEvents('doublyRobustEstimate', events)
  const q = opts.rewardModel ?? itemMeanRewardModel(events)
  const clip = opts.clip ?? Infinity
  const terms = new Float64Array(events.length)
  for (let e = 0; e < events.length; e++) {
    const ctx = eventContext(events, e)
    const p = actionProbabilities(policy, ctx)
    const u = events.user[e]!
    let direct = 0
    for (let j = 0; j < p.length; j++) if (p[j]! > 0) direct += p[j]! * q(u, ctx.candidates[j]!)
    const j = ctx.candidates.indexOf(events.shown[e]!)
    const mu = events.propensity[e]!
    if (!(mu > 0)) throw new RecForgeError('INVALID_ARGUMENT', `event ${e}: propensity must be positive; got ${mu}`)
    const correction = j < 0 ? 0 : Math.min(clip, p[j]! / mu) * (events.reward[e]! - q(u, events.shown[e]!))
    terms[e] = direct + correction
  }
  return summarise(terms)
}

/**
 * The exact value of a fixed policy on a full-information log: the mean over events of
 * Σ_a π(a|x) r(x, a), using `candidateRewards`. The ground truth the estimators are checked against.
 *
 * @example
 * ```ts
 * trueValue(policy, buildLoggedDataset(data, { seed: 1 }))
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when the log has no `candidateRewards`.
 */
export function trueValue(policy: BanditPolicy, events: LoggedEvents): number {
  checkEvents('trueValue', events)
  const cr = events.candidateRewards
  if (!cr) throw new RecForgeError('INVALID_ARGUMENT', 'trueValue needs candidateRewards (a full-information log such as buildLoggedDataset produces)')
  let total = 0
  for (let e = 0; e < events.length; e++) {
    const ctx = eventContext(events, e)
    const p = actionProbabilities(policy, ctx)
    const o = events.candIndptr[e]!
    for (let j = 0; j < p.length; j++) total += p[j]! * cr[o + j]!
  }
  return total / events.length
}

/** What {@link onlineRun} measured. */
export interface OnlineRunResult {
  /** Mean reward of the policy's choices. */
  readonly meanReward: number
  /** Σ over events of (best candidate's reward − chosen candidate's reward). */
  readonly regret: number
  /** Cumulative regret after `curve.events[j]` events. */
  readonly curve: { readonly events: Int32Array; readonly regret: Float64Array }
}

/**
 * Runs a policy online over a full-information log: at every event it chooses among the
 * candidates, earns that candidate's logged reward and learns from it (bandit feedback: only the
 * chosen reward is revealed to the policy). Reports mean reward and cumulative regret against the
 * best candidate of each event.
 *
 * @example
 * ```ts
 * const { regret, curve } = onlineRun(new UCB1(), events, { curvePoints: 20 })
 * ```
 * @throws RecForgeError INVALID_ARGUMENT when the log has no `candidateRewards`; ABORTED when the signal fires.
 */
export function onlineRun(policy: BanditPolicy, events: LoggedEvents, opts: RunOptions & { curvePoints?: number } = {}): OnlineRunResult {
  checkEvents('onlineRun', events)
  const cr = events.candidateRewards
  if (!cr) throw new RecForgeError('INVALID_ARGUMENT', 'onlineRun needs candidateRewards (a full-information log such as buildLoggedDataset produces)')
  const points = checkNumber('curvePoints', opts.curvePoints ?? 20, { min: 1, integer: true })
  const every = Math.max(1, Math.floor(events.length / points))
  const cE: number[] = []
  const cR: number[] = []
  let reward = 0
  let regret = 0
  for (let e = 0; e < events.length; e++) {
    if ((e & 1023) === 0) throwIfAborted(opts.signal, 'online run')
    const ctx = eventContext(events, e)
    const o = events.candIndptr[e]!
    const pick = policy.select(ctx)
    const j = ctx.candidates.indexOf(pick)
    if (j < 0) throw new RecForgeError('INVALID_ARGUMENT', `${policy.name}: select() returned item ${pick}, which is not a candidate`)
    let best = -Infinity
    for (let k = 0; k < ctx.candidates.length; k++) best = Math.max(best, cr[o + k]!)
    const r = cr[o + j]!
    reward += r
    regret += best - r
    policy.update(ctx, pick, r)
    if ((e + 1) % every === 0 || e + 1 === events.length) {
      cE.push(e + 1)
      cR.push(regret)
    }
  }
  return { meanReward: reward / events.length, regret, curve: { events: Int32Array.from(cE), regret: Float64Array.from(cR) } }
}
