import { defineParams, param, RecForgeError, resolveConfig, type Interactions, type ParamSchema, type ParamValue } from '@recforge/core'
import { EpsilonGreedy, RandomPolicy, ThompsonSampling, UCB1 } from './bandits'
import { LinearThompson, LinUCB } from './linear'
import { EPSILON_GREEDY_PARAMS, LINTS_PARAMS, LINUCB_PARAMS, RANDOM_PARAMS, THOMPSON_PARAMS, UCB1_PARAMS } from './params'
import { fitRewardModel } from './simulator'
import type { BanditPolicy, LoggedEvents } from './types'

/** A bandit policy the command line can build by name. */
export interface PolicyDefinition {
  readonly name: string
  readonly description: string
  /** The policy's parameter schema (the one its constructor uses), plus what `createPolicy` needs to fit vectors. */
  readonly params: ParamSchema
  /** Whether the policy needs item vectors (given, or fitted on a log's warm-up part). */
  readonly needsVectors: boolean
}

/** What `createPolicy` adds to a linear policy's parameters: how to get vectors when none are given. */
const VECTOR_PARAMS = {
  factors: param.int({ default: 16, min: 1, description: 'size of the vectors fitted on the warm-up ratings when none are given' }),
  useUsers: param.bool({ default: true, description: 'add user ⊙ item features when user vectors are available' }),
}

/**
 * The bandit policies `createPolicy` builds, with their parameters and defaults
 * (`recforge evaluate --protocol replay --model <name> --set key=value`).
 *
 * @example
 * ```ts
 * for (const p of rlPolicies) console.log(p.name, Object.keys(p.params))
 * ```
 */
export const rlPolicies: readonly PolicyDefinition[] = [
  { name: 'random', description: 'uniformly random candidate (the logging policy)', needsVectors: false, params: RANDOM_PARAMS },
  { name: 'epsilon-greedy', description: 'best mean reward so far, a random candidate with probability epsilon', needsVectors: false, params: EPSILON_GREEDY_PARAMS },
  { name: 'ucb1', description: 'UCB1 (Auer et al. 2002) over items', needsVectors: false, params: UCB1_PARAMS },
  { name: 'thompson', description: 'Beta-Bernoulli Thompson sampling over items', needsVectors: false, params: THOMPSON_PARAMS },
  { name: 'linucb', description: 'LinUCB (Li et al. 2010) over item and user vectors', needsVectors: true, params: defineParams({ ...LINUCB_PARAMS, ...VECTOR_PARAMS }) },
  { name: 'lints', description: 'linear Thompson sampling (Agrawal and Goyal 2013) over item and user vectors', needsVectors: true, params: defineParams({ ...LINTS_PARAMS, ...VECTOR_PARAMS }) },
]

/** What a policy may need beyond its parameters. */
export interface PolicyEnvironment {
  /** Row-major item vectors (items × `dimensions`), e.g. from `@recforge/encoders` or a factor model. Defaults to `undefined`. */
  itemVectors?: Float32Array
  /** Row-major user vectors (users × `dimensions`). Defaults to `undefined`. */
  userVectors?: Float32Array
  /** Length of one vector. Defaults to `undefined`. */
  dimensions?: number
  /** Ratings to fit vectors on when none are given (a log's `warmup`). Defaults to `undefined`. */
  warmup?: Interactions
  /** A log whose `warmup` to use when `warmup` is not given. Defaults to `undefined`. */
  events?: LoggedEvents
}

/**
 * Builds a bandit policy by name with checked parameters. Linear policies use the given vectors,
 * or fit a matrix factorisation on the warm-up ratings (never on the evaluated events) and use its
 * user and item factors.
 *
 * @example
 * ```ts
 * const events = buildLoggedDataset(ratings, { seed: 42 })
 * const policy = createPolicy('linucb', { alpha: '0.5' }, { events })
 * replayEvaluate(policy, events)
 * ```
 * @throws RecForgeError UNKNOWN_ID for an unknown name; INVALID_ARGUMENT for bad parameters or a
 * linear policy with neither vectors nor warm-up ratings.
 */
export function createPolicy(name: string, params: Record<string, ParamValue | undefined> = {}, env: PolicyEnvironment = {}): BanditPolicy {
  const def = rlPolicies.find((p) => p.name === name)
  if (!def) throw new RecForgeError('UNKNOWN_ID', `unknown policy "${name}"; policies: ${rlPolicies.map((p) => p.name).join(', ')}`)
  const { factors, useUsers, ...p } = resolveConfig(def.params, params, { model: `policy "${name}"`, coerce: true }) as Record<string, ParamValue>
  switch (name) {
    case 'random':
      return new RandomPolicy(p)
    case 'epsilon-greedy':
      return new EpsilonGreedy(p)
    case 'ucb1':
      return new UCB1(p)
    case 'thompson':
      return new ThompsonSampling(p)
  }
  let { itemVectors, userVectors, dimensions } = env
  if (!itemVectors) {
    const warmup = env.warmup ?? env.events?.warmup
    if (!warmup) {
      throw new RecForgeError('INVALID_ARGUMENT', `policy "${name}" needs item vectors: pass itemVectors and dimensions, or warm-up ratings (buildLoggedDataset with warmupFraction > 0)`)
    }
    const mf = fitRewardModel(warmup, { factors: factors as number, seed: p.seed as number })
    itemVectors = mf.itemFactors
    userVectors = mf.userFactors
    dimensions = mf.factors
  }
  const features = { itemVectors, ...(dimensions !== undefined ? { dimensions } : {}), ...(useUsers && userVectors ? { userVectors } : {}) }
  return name === 'linucb' ? new LinUCB(p, features) : new LinearThompson(p, features)
}
